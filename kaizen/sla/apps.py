from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "kaizen.sla"
    label = "sla"
    verbose_name = "Service level agreements"
