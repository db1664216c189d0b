from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "kaizen.incidents"
    label = "incidents"
    verbose_name = "Incident management"
