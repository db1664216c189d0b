from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "kaizen.analytics"
    label = "analytics"
    verbose_name = "Analytics store"

    def ready(self) -> None:
        from kaizen.analytics.families import discover

        discover()  # every fact family module registers itself (kaizen/analytics/families/)

        from kaizen.analytics.problem_effect import measure_fix_effect
        from kaizen.problems.hooks import register_fix_effect

        register_fix_effect(measure_fix_effect)  # the problem page's "effect of the fix"
