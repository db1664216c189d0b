from django.apps import AppConfig


class RequestsConfig(AppConfig):
    name = "kaizen.requests"
    label = "requests"
    verbose_name = "Service requests"

    def ready(self) -> None:
        from kaizen.journal.events import EventType
        from kaizen.journal.verify import FoldedKind, register
        from kaizen.requests import (  # noqa: F401 - the event shapes: how events read
            approval_event_shapes,
            sla_kind,
            task_event_shapes,
        )
        from kaizen.requests.services.base import REQUEST_TYPES, REQUESTS, TASKS

        sla_kind.register()
        # What `kaizen journal verify` folds and compares (kaizen/journal/verify.py).
        register(FoldedKind("requests.request", REQUESTS))
        register(FoldedKind("requests.task", TASKS))
        # The approval steps and tasks are rows beside the type, journaled under it.
        register(
            FoldedKind(
                "requests.request_type",
                REQUEST_TYPES,
                folded_events=frozenset(
                    {
                        EventType.REQUEST_TYPE_CREATED,
                        EventType.REQUEST_TYPE_UPDATED,
                        EventType.REQUEST_FORM_CHANGED,
                    }
                ),
            )
        )
        # The catalogue's service page lists what can be requested from it (portal).
        from kaizen.core.ticket_panels import register_ticket_panel
        from kaizen.requests.panels import SERVICE_PANEL

        register_ticket_panel("service", SERVICE_PANEL)
