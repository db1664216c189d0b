from django.apps import AppConfig


class ImprovementConfig(AppConfig):
    name = "kaizen.improvement"
    label = "improvement"
    verbose_name = "Continual improvement"

    def ready(self) -> None:
        from kaizen.improvement.kpi_source import register

        register()  # the `improvement` KPI source and the register's KPIs in the library
