from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "reviewapp.letters"
    label = "letters"
    verbose_name = "Determination letters"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the deployment check
        from .access_log import register_reads

        register_reads()
