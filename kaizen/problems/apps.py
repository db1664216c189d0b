from django.apps import AppConfig


class ProblemsConfig(AppConfig):
    name = "kaizen.problems"
    label = "problems"
    verbose_name = "Problem management"

    def ready(self) -> None:
        from kaizen.catalog.ticket_sources import TicketSource, register_ticket_source
        from kaizen.journal.verify import FoldedKind, register
        from kaizen.problems import incident_panels, sla_kind
        from kaizen.problems.models import OPEN_STATES, Problem
        from kaizen.problems.services.base import KNOWN_ERRORS, PROBLEMS

        sla_kind.register()
        # What `kaizen journal verify` folds and compares (kaizen/journal/verify.py).
        register(FoldedKind("problems.problem", PROBLEMS))
        register(FoldedKind("problems.knownerror", KNOWN_ERRORS))
        # Other processes name problems by number (the problem a change fixes) and find them
        # through this.
        register_ticket_source(
            TicketSource(
                key="problem",
                label="Problem",
                model=Problem,
                opened_field="opened_at",
                service_field="",
                ci_field="",
                title_field="statement",
                open_states=tuple(OPEN_STATES),
                text_fields=("description",),
            )
        )

        # The known-error database on incident pages (kaizen/core/ticket_panels.py).
        incident_panels.register()
