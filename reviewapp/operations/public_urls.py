"""Pages open to everyone, without signing in: the CMS-0057-F metrics a plan posts publicly."""

from django.urls import path

from .views import metrics

app_name = "public"
urlpatterns = [
    path(
        "prior-authorization-metrics/",
        metrics.public_metrics,
        name="prior-authorization-metrics",
    ),
]
