from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "reviewapp.operations"
    label = "operations"
    verbose_name = "Operations"

    def ready(self) -> None:
        from .access_log import register_reads

        register_reads()
