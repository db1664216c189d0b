"""`kaizen approval_review`: the approval steps that approve (nearly) everything while adding
delay, candidates to remove (kaizen/analytics/approval_review.py)."""

import dataclasses
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kaizen.analytics import approval_review as review


class Command(BaseCommand):
    help = "List the request approval steps that approve nearly everything while adding delay."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=review.DEFAULT_DAYS)
        parser.add_argument("--min-decided", type=int, default=review.DEFAULT_MIN_DECIDED)
        parser.add_argument(
            "--min-approved-pct", type=float, default=review.DEFAULT_MIN_APPROVED_PCT
        )
        parser.add_argument(
            "--min-median-hours", type=float, default=review.DEFAULT_MIN_MEDIAN_HOURS
        )
        parser.add_argument("--json", action="store_true", help="print the list as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        steps = review.rubber_stamp_steps(
            days=options["days"],
            min_decided=options["min_decided"],
            min_approved_pct=options["min_approved_pct"],
            min_median_hours=options["min_median_hours"],
        )
        if options["json"]:
            self.stdout.write(json.dumps([dataclasses.asdict(step) for step in steps]))
            return
        if not steps:
            self.stdout.write("No approval step approves nearly everything while adding delay.")
            return
        for step in steps:
            self.stdout.write(
                f"{step.request_type} / {step.step}: {step.approved_pct:g} % of "
                f"{step.decided} approved ({step.by_default} by default), median wait "
                f"{step.median_hours:g} h, {step.total_hours:g} h in all"
            )
