from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "kaizen.imports"
    label = "imports"
    verbose_name = "Imports from other tools"
