from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "kaizen.incidents"
    label = "incidents"
    verbose_name = "Incident management"

    def ready(self) -> None:
        from kaizen.catalog.ticket_sources import TicketSource, register_ticket_source
        from kaizen.incidents import sla_kind, ticket_actions
        from kaizen.incidents.models import OPEN_STATES, Incident
        from kaizen.incidents.services.base import INCIDENTS
        from kaizen.incidents.services.categories import CATEGORIES
        from kaizen.journal.verify import FoldedKind, register

        sla_kind.register()
        # What `kaizen journal verify` folds and compares (kaizen/journal/verify.py).
        register(FoldedKind("incidents.incident", INCIDENTS))
        register(FoldedKind("incidents.category", CATEGORIES))
        # Other processes find the incidents on a service or CI through this (e.g. a change's
        # candidates for the incidents it caused).
        register_ticket_source(
            TicketSource(
                key="incident",
                label="Incident",
                model=Incident,
                opened_field="opened_at",
                service_field="service",
                ci_field="configuration_item",
                title_field="short_description",
                category_field="category__name",
                open_states=tuple(OPEN_STATES),
                add_note=ticket_actions.add_note,
                resolve=ticket_actions.resolve,
                reopen=ticket_actions.reopen,
                text_fields=("description",),
                category_names=ticket_actions.category_names,
                resolved_field="resolved_at",
                disruptions=ticket_actions.disruptions,
            )
        )
