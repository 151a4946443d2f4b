from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "reviewapp.fhir"
    label = "fhir"
    verbose_name = "FHIR prior-authorization API"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .access_log import register_reads

        register_reads()
