from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "kaizen.kpis"
    label = "kpis"
    verbose_name = "KPIs and measurements"

    def ready(self) -> None:
        import kaizen.kpis.external  # noqa: F401 (registers the `external` KPI source)
