from django.apps import AppConfig


class ServiceLevelsConfig(AppConfig):
    name = "kaizen.servicelevels"
    label = "servicelevels"
    verbose_name = "Service level management"

    def ready(self) -> None:
        from kaizen.core.ticket_panels import register_ticket_panel
        from kaizen.journal.verify import FoldedKind, register
        from kaizen.servicelevels.panels import SERVICE_PANEL
        from kaizen.servicelevels.services.base import (
            AGREEMENTS,
            CUSTOMERS,
            REVIEW_ACTIONS,
            REVIEWS,
            SUPPLIERS,
            TERMS,
        )

        # What `kaizen journal verify` folds and compares (kaizen/journal/verify.py).
        register(FoldedKind("servicelevels.customer", CUSTOMERS))
        register(FoldedKind("servicelevels.supplier", SUPPLIERS))
        register(FoldedKind("servicelevels.agreement", AGREEMENTS))
        register(FoldedKind("servicelevels.terms", TERMS))
        register(FoldedKind("servicelevels.review", REVIEWS))
        register(FoldedKind("servicelevels.review_action", REVIEW_ACTIONS))

        # The catalogue's service page shows the agreements behind the service.
        register_ticket_panel("service", SERVICE_PANEL)

        # The KPI "services meeting their service level targets" (kaizen.kpis names it only).
        from kaizen.servicelevels import kpi_source, review_kpi

        kpi_source.register_kpi_source()
        # ... and "service reviews held on time".
        review_kpi.register_kpi_source()
