from django.apps import AppConfig


class AvailabilityConfig(AppConfig):
    name = "kaizen.availability"
    label = "availability"
    verbose_name = "Availability"

    def ready(self) -> None:
        from kaizen.availability.panels import MONTH_COLUMN, SERVICE_PANEL
        from kaizen.availability.services.base import OUTAGES, TARGETS
        from kaizen.core.list_columns import register_list_column
        from kaizen.core.ticket_panels import register_ticket_panel
        from kaizen.journal.verify import FoldedKind, register

        # What `kaizen journal verify` folds and compares (kaizen/journal/verify.py).
        register(FoldedKind("availability.outage", OUTAGES))
        register(FoldedKind("availability.target", TARGETS))

        # The catalogue's service page shows the service's availability (it imports nothing
        # of this app).
        register_ticket_panel("service", SERVICE_PANEL)
        register_list_column("service", MONTH_COLUMN)
