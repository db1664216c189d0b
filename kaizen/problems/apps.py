from django.apps import AppConfig


class ProblemsConfig(AppConfig):
    name = "kaizen.problems"
    label = "problems"
    verbose_name = "Problem management"

    def ready(self) -> None:
        from kaizen.journal.verify import FoldedKind, register
        from kaizen.problems import candidate_event_shapes  # noqa: F401 (registers shapes)
        from kaizen.problems.services.base import KNOWN_ERRORS, PROBLEMS

        # What `kaizen journal verify` folds and compares (kaizen/journal/verify.py).
        register(FoldedKind("problems.problem", PROBLEMS))
        register(FoldedKind("problems.knownerror", KNOWN_ERRORS))
