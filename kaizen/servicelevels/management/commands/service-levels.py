"""`kaizen service-levels schedule-reviews [--today YYYY-MM-DD]`: the service reviews due
scheduled once (the task worker does it every night: kaizen/servicelevels/tasks.py); prints
what it did as JSON."""

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kaizen.core.context import correlation


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--today: a day as YYYY-MM-DD, not {value!r}") from None


class Command(BaseCommand):
    help = "Service level management: schedule the service reviews due by each SLA's cadence."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        schedule = commands.add_parser(
            "schedule-reviews",
            help="schedule a review for every ended review period of each active SLA with a "
            "review cadence that has none yet (a re-run schedules nothing)",
        )
        schedule.add_argument(
            "--today", default=None, help="the day to schedule as of, YYYY-MM-DD (default: today)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from kaizen.servicelevels.reviews import schedule_due_reviews

        today = _day(options["today"]) if options["today"] else timezone.localdate()
        with correlation():
            scheduled = schedule_due_reviews(today)
        result = {
            "scheduled": len(scheduled),
            "reviews": [
                {
                    "number": review.number,
                    "agreement": review.agreement.number,
                    "period_start": review.period_start.isoformat(),
                    "period_end": review.period_end.isoformat(),
                    "due_on": review.due_on.isoformat(),
                }
                for review in scheduled
            ],
        }
        self.stdout.write(json.dumps(result, sort_keys=True, indent=2))
