from django.apps import AppConfig


class ImprovementConfig(AppConfig):
    name = "kaizen.improvement"
    label = "improvement"
    verbose_name = "Continual improvement"

    def ready(self) -> None:
        from kaizen.changes.hooks import register_change_listener
        from kaizen.improvement.changes import follow_change
        from kaizen.improvement.kpi_source import register

        register()  # the `improvement` KPI source and the register's KPIs in the library
        # A corrective action carried out by a change follows the change's outcome.
        register_change_listener(follow_change)
