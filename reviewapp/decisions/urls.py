from django.urls import path

from . import views

app_name = "decisions"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("cases/<int:pk>/", views.review, name="review"),
    path(
        "cases/<int:pk>/criteria/<int:node_id>/exception/",
        views.exception_grant,
        name="exception-grant",
    ),
    path(
        "cases/<int:pk>/exceptions/<int:exception_id>/withdraw/",
        views.exception_withdraw,
        name="exception-withdraw",
    ),
    path("cases/<int:pk>/decide/", views.decide, name="decide"),
]
