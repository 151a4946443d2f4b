from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "reviewapp.cases"
    label = "cases"
    verbose_name = "Cases"
