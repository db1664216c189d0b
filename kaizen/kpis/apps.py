from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "kaizen.kpis"
    label = "kpis"
    verbose_name = "KPIs and measurements"

    def ready(self) -> None:
        import kaizen.kpis.external  # noqa: F401 (registers the `external` KPI source)
        from kaizen.journal.verify import FoldedKind, register
        from kaizen.kpis.availability_rows import AVAILABILITY_SOURCE
        from kaizen.kpis.services import CUSTOM_KPIS
        from kaizen.kpis.sources import register_source

        register_source(AVAILABILITY_SOURCE)

        # What `kaizen journal verify` folds and compares (kaizen/journal/verify.py).
        register(FoldedKind("kpis.custom_kpi", CUSTOM_KPIS))
