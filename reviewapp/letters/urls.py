from django.urls import path

from . import views

app_name = "letters"
urlpatterns = [
    path("determinations/<int:pk>/", views.preview, name="preview"),
    path("determinations/<int:pk>/sign/", views.sign, name="sign"),
    path("determinations/<int:pk>/letter.pdf", views.download, name="download"),
    path("verify/", views.verify, name="verify"),
]
