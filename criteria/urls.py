from django.urls import path

from . import views

app_name = "criteria"
urlpatterns = [
    path("", views.policy_list, name="policy-list"),
    path("<str:policy_key>/compare/", views.version_compare, name="version-compare"),
    path(
        "<str:policy_key>/<str:version_label>/<slug:checklist_key>/",
        views.checklist_detail,
        name="checklist-detail",
    ),
]
