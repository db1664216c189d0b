"""Demo risk data, after the demo changes exist: the risk questionnaire answered on some open
changes (by their implementer or requester, through the service, journaled), and the risk
estimate each accepted change had when it was authorised (or scheduled), recorded as it stood
then, so the Brier score of the estimates is measurable. Idempotent: a change answered before
is left alone, and only missing assessments are recorded."""

import datetime as dt
import random

from kaizen.changes.models import Change, ChangeType, State
from kaizen.changes.services import risk

# Answer profiles, by the option's position in each question of the default questionnaire
# (0: the safest answer): a careful change, a usual one, a hurried one.
PROFILES = [(0, 0, 0, 0, 0), (1, 1, 1, 1, 1), (2, 2, 2, 2, 2), (0, 1, 0, 1, 1)]


def load(now: dt.datetime | None = None) -> dict[str, int]:
    """Returns what was added: answered changes and recorded assessments."""
    questionnaire = risk.current_questionnaire()
    answered = 0
    if questionnaire is not None:
        questions = list(questionnaire.questions.prefetch_related("options"))
        open_changes = (
            Change.objects.filter(
                state__in=[State.DRAFT, State.ASSESS, State.AUTHORISE],
                authorised_at__isnull=True,
                risk_answers__isnull=True,
            )
            .exclude(change_type=ChangeType.STANDARD)
            .select_related("requester", "implementer")
            .order_by("number")
        )
        for change in open_changes:
            if change.pk % 3 == 0:  # leave some unanswered (the same ones on every run)
                continue
            profile = random.Random(change.number).choice(PROFILES)
            answers = {}
            for question, position in zip(questions, profile, strict=False):
                options = list(question.options.all())
                answers[question.pk] = options[min(position, len(options) - 1)].pk
            for question in questions[len(profile) :]:
                answers[question.pk] = question.options.all()[0].pk
            risk.do_answer_risk_questionnaire(
                change,
                answers=answers,
                actor=change.implementer or change.requester,
                expected_version=None,
                at=now,
            )
            answered += 1
    assessed = risk.do_record_missing_risk_assessments()
    return {"changes with risk answers": answered, "risk assessments": assessed}
