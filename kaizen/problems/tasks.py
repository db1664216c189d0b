"""Periodic problem work for the task queue (Huey): every night, at KAIZEN_PROBLEM_SCAN_HOUR
(the server's time zone), the incidents are scanned for problem candidates
(kaizen.problems.services.candidates; `kaizen problems scan` runs it once)."""

from typing import Any

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from kaizen.core.context import correlation


def scan_candidates() -> dict[str, Any]:
    from kaizen.problems.services.candidates import do_scan_candidates

    with correlation():
        return do_scan_candidates().as_json()


@db_periodic_task(crontab(minute="41", hour=str(settings.KAIZEN_PROBLEM_SCAN_HOUR)))
@lock_task("problem-candidates-scan")
def scan_problem_candidates() -> dict[str, Any]:
    """Safe to run twice: a re-run updates the candidates it found, never duplicates them."""
    return scan_candidates()
