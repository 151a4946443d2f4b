from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "reviewapp.decisions"
    label = "decisions"
    verbose_name = "Determinations"
