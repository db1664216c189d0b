from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "kaizen.surveys"
    label = "surveys"
    verbose_name = "Satisfaction surveys"

    def ready(self) -> None:
        from kaizen.journal.verify import FoldedKind, register
        from kaizen.surveys import ticket_panels
        from kaizen.surveys.services.base import DEFINITIONS, FOLLOW_UPS, INVITATIONS, TRIGGERS
        from kaizen.surveys.triggers import INCIDENT_KIND, register_trigger_kind

        # What `kaizen journal verify` folds and compares (kaizen/journal/verify.py).
        register(FoldedKind("surveys.definition", DEFINITIONS))
        register(FoldedKind("surveys.trigger", TRIGGERS))
        register(FoldedKind("surveys.invitation", INVITATIONS))
        register(FoldedKind("surveys.follow_up", FOLLOW_UPS))
        # Incidents resolved or closed start surveys, read from the journal; a request kind
        # registers itself the same way once requests exist.
        register_trigger_kind(INCIDENT_KIND)
        # Survey results on the incident page (kaizen/core/ticket_panels.py).
        ticket_panels.register()
