from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("access/", views.access_log, name="access-log"),
    path("access/export.csv", views.access_log_export, name="access-log-export"),
    path("security/", views.security_events, name="security-events"),
    path("security/export.csv", views.security_events_export, name="security-events-export"),
]
