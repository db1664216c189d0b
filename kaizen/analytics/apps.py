from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "kaizen.analytics"
    label = "analytics"
    verbose_name = "Analytics store"

    def ready(self) -> None:
        from kaizen.analytics.families import discover

        discover()  # every fact family module registers itself (kaizen/analytics/families/)
