"""Periodic work of the improvement register for the task queue (Huey): every day, initiatives
whose evaluation window has ended are evaluated; every hour, the data is scanned for
improvement opportunities (after the KPI collection at minute 7 has measured it)."""

import datetime as dt
import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from kaizen.core.context import correlation
from kaizen.improvement.models import Initiative, Status, Step

logger = logging.getLogger(__name__)


def evaluate_due_initiatives(*, today: dt.date | None = None) -> dict[str, Any]:
    """Evaluate, as the system, every initiative whose evaluation window ended before
    `today`. One that cannot be evaluated (a KPI no longer measurable, say) is logged and
    left for a person; the others go on."""
    from kaizen.improvement.services import do_evaluate_initiative

    today = today or timezone.localdate()
    due = Initiative.objects.filter(
        status=Status.EVALUATING,
        current_step=Step.IMPLEMENT,
        evaluation_ends_on__lt=today,
    ).order_by("evaluation_ends_on", "pk")
    evaluated, refused = [], {}
    for initiative in due:
        try:
            evaluation = do_evaluate_initiative(initiative, actor=None, today=today)
        except ValidationError as error:
            refused[initiative.pk] = "; ".join(error.messages)
            logger.warning("%s not evaluated: %s", initiative.reference, refused[initiative.pk])
            continue
        evaluated.append({"initiative": initiative.pk, "target_met": evaluation.target_met})
    return {"evaluated": evaluated, "refused": refused}


def scan_for_opportunities(*, today: dt.date | None = None) -> dict[str, Any]:
    """Run the opportunity scan (what it recorded, as JSON)."""
    from kaizen.improvement.services import opportunities

    return opportunities.do_scan_opportunities(today=today).as_json()


@db_periodic_task(crontab(hour="2", minute="23"))
@lock_task("improvement-evaluate")
def evaluate_initiatives() -> dict[str, Any]:
    with correlation():
        return evaluate_due_initiatives()


@db_periodic_task(crontab(minute="37"))
@lock_task("improvement-scan")
def scan_improvement_opportunities() -> dict[str, Any]:
    with correlation():
        return scan_for_opportunities()
