from django.contrib import admin
from django.urls import include, path

from reviewapp.core import views as core_views
from reviewapp.fhir import views as fhir_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("reviewapp.accounts.urls")),
    path("admin/", admin.site.urls),
    path("policies/", include("criteria.urls")),
    path("cases/", include("reviewapp.cases.urls")),
    path("cases/", include("reviewapp.documents.urls")),
    path("", include("reviewapp.decisions.urls")),
    path("letters/", include("reviewapp.letters.urls")),
    path("appeals/", include("reviewapp.appeals.urls")),
    path("audit/", include("reviewapp.audit.urls")),
    path("operations/", include("reviewapp.operations.urls")),
    path("public/", include("reviewapp.operations.public_urls")),
    path("fhir/r4/", include("reviewapp.fhir.urls")),
    path("o/token/", fhir_views.token, name="oauth-token"),
    path("", include("reviewapp.core.urls")),
]

handler403 = "reviewapp.core.views.error_403"
handler404 = "reviewapp.core.views.error_404"
handler500 = "reviewapp.core.views.error_500"
