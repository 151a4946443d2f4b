from django.urls import path

from . import views

app_name = "documents"
urlpatterns = [
    path("<int:pk>/documents/", views.panel, name="panel"),
    path("<int:pk>/documents/search/", views.search, name="search"),
    path("<int:pk>/documents/<int:evidence_id>/read-again/", views.read_again, name="read-again"),
    path(
        "<int:pk>/documents/<int:evidence_id>/pages/<int:number>/",
        views.page_text,
        name="page-text",
    ),
    path(
        "<int:pk>/suggestions/<int:suggestion_id>/accept/",
        views.suggestion_accept,
        name="suggestion-accept",
    ),
    path(
        "<int:pk>/suggestions/<int:suggestion_id>/dismiss/",
        views.suggestion_dismiss,
        name="suggestion-dismiss",
    ),
]
