from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "kaizen.incidents"
    label = "incidents"
    verbose_name = "Incident management"

    def ready(self) -> None:
        from kaizen.incidents import sla_kind
        from kaizen.incidents.services.base import INCIDENTS
        from kaizen.incidents.services.categories import CATEGORIES
        from kaizen.journal.verify import FoldedKind, register

        sla_kind.register()
        # What `kaizen journal verify` folds and compares (kaizen/journal/verify.py).
        register(FoldedKind("incidents.incident", INCIDENTS))
        register(FoldedKind("incidents.category", CATEGORIES))
