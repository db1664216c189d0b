from django.apps import AppConfig


class ImprovementConfig(AppConfig):
    name = "kaizen.improvement"
    label = "improvement"
    verbose_name = "Continual improvement"
