from django.apps import AppConfig


class ProblemsConfig(AppConfig):
    name = "kaizen.problems"
    label = "problems"
    verbose_name = "Problem management"

    def ready(self) -> None:
        from kaizen.journal.verify import FoldedKind, register
        from kaizen.problems.services.base import KNOWN_ERRORS, PROBLEMS

        # What `kaizen journal verify` folds and compares (kaizen/journal/verify.py).
        register(FoldedKind("problems.problem", PROBLEMS))
        register(FoldedKind("problems.knownerror", KNOWN_ERRORS))

        # The known-error database on incident pages (kaizen/core/ticket_panels.py), and how
        # its events read (a module of its own beside event_shapes.py).
        from kaizen.problems import incident_panels, known_error_event_shapes  # noqa: F401

        incident_panels.register()
