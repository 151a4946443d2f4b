from django.apps import AppConfig


class AppealsConfig(AppConfig):
    name = "reviewapp.appeals"
    label = "appeals"
    verbose_name = "Appeals"

    def ready(self) -> None:
        from .access_log import register_reads
        from .specimens import register_specimens

        register_reads()
        register_specimens()
