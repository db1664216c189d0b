from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "kaizen.analytics"
    label = "analytics"
    verbose_name = "Analytics store"
