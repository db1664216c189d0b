from django.apps import AppConfig


class ChangesConfig(AppConfig):
    name = "kaizen.changes"
    label = "changes"
    verbose_name = "Change enablement"

    def ready(self) -> None:
        from kaizen.catalog.maintenance import register_maintenance_windows
        from kaizen.catalog.ticket_sources import TicketSource, register_ticket_source
        from kaizen.changes import disruptions, sla_kind
        from kaizen.changes.models import OPEN_STATES, Change
        from kaizen.changes.services.base import CHANGES
        from kaizen.changes.services.calendar import maintenance_intervals, maintenance_intervals_of
        from kaizen.journal.verify import FoldedKind, register

        sla_kind.register()
        # Availability asks for a service's maintenance windows through the catalogue.
        register_maintenance_windows(maintenance_intervals, of_services=maintenance_intervals_of)
        # What `kaizen journal verify` folds and compares (kaizen/journal/verify.py): a
        # change's fields, its services and CIs as sets.
        register(FoldedKind("changes.change", CHANGES))
        # Other processes name changes by number (the change that fixes a problem) and find
        # them through this.
        register_ticket_source(
            TicketSource(
                key="change",
                label="Change",
                model=Change,
                opened_field="opened_at",
                service_field="",
                ci_field="",
                title_field="title",
                open_states=tuple(OPEN_STATES),
                text_fields=("description",),
                reference_field="problem_reference",
                disruptions=disruptions.disruptions,
            )
        )
