from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "reviewapp.decisions"
    label = "decisions"
    verbose_name = "Determinations"

    def ready(self) -> None:
        from .access_log import register_reads

        register_reads()
