from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The synthetic demo data set and the ``demo`` command: the top floor, it uses every app."""

    name = "reviewapp.demo"
    label = "demo"
    verbose_name = "Demo data"
