from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "reviewapp.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from .access_log import register_reads

        register_reads()
