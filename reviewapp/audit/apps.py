from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "reviewapp.audit"
    label = "audit"
    verbose_name = "Access log"

    def ready(self) -> None:
        from .access_log import register_reads

        register_reads()
