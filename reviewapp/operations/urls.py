from django.urls import path

from .views import appeals, dashboard, irr, metrics, productivity

app_name = "operations"
urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("appeals/", appeals.appeals_due, name="appeals-due"),
    path("productivity/", productivity.productivity, name="productivity"),
    path("productivity/export.csv", productivity.productivity_export, name="productivity-export"),
    path("metrics/", metrics.metrics, name="metrics"),
    path("irr/", irr.studies, name="irr-studies"),
    path("irr/<int:pk>/", irr.study, name="irr-study"),
    path("irr/<int:pk>/close/", irr.study_close, name="irr-close"),
    path("irr/<int:pk>/cases/<int:case_pk>/reference/", irr.reference, name="irr-reference"),
    path("irr/<int:pk>/report/", irr.report, name="irr-report"),
    path("irr/<int:pk>/report/export.csv", irr.report_export, name="irr-report-export"),
    path("irr/reviews/", irr.reviews, name="irr-reviews"),
    path("irr/reviews/<int:pk>/", irr.review, name="irr-review"),
]
