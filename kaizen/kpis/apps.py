from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "kaizen.kpis"
    label = "kpis"
    verbose_name = "KPIs and measurements"
