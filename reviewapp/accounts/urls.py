from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change_view, name="password-change"),
    path("password/changed/", views.password_change_done_view, name="password-change-done"),
    path(
        "reset/<uidb64>/<token>/",
        views.password_reset_confirm_view,
        name="password-reset-confirm",
    ),
    path("reset/done/", views.password_reset_complete_view, name="password-reset-complete"),
]
