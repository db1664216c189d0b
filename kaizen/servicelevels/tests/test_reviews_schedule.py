"""Reviews scheduled from an SLA's cadence: back-to-back periods from its start in whole
cadence months, due KAIZEN_SERVICE_REVIEW_DUE_DAYS after each period, scheduled once the
period has ended, once."""

import datetime as dt
from itertools import islice

import pytest

from kaizen.servicelevels.models import Agreement, ServiceReview
from kaizen.servicelevels.reviews import (
    add_months,
    period_in_words,
    review_periods,
    schedule_due_reviews,
)
from kaizen.servicelevels.services import do_create_agreement


def periods(agreement: Agreement, count: int) -> list[tuple[dt.date, dt.date, dt.date]]:
    return [(p.start, p.end, p.due_on) for p in islice(review_periods(agreement), count)]


def test_months_keep_to_the_last_day_of_a_shorter_month():
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 1, 31), 2) == dt.date(2026, 3, 31)
    assert add_months(dt.date(2026, 11, 15), 3) == dt.date(2027, 2, 15)


def test_quarterly_periods_from_the_first_of_january(mail_sla):
    assert periods(mail_sla, 3) == [
        (dt.date(2026, 1, 1), dt.date(2026, 3, 31), dt.date(2026, 4, 10)),
        (dt.date(2026, 4, 1), dt.date(2026, 6, 30), dt.date(2026, 7, 10)),
        (dt.date(2026, 7, 1), dt.date(2026, 9, 30), dt.date(2026, 10, 10)),
    ]


def test_monthly_periods_from_mid_month_stop_at_the_agreement_s_end(mail_sla, settings):
    settings.KAIZEN_SERVICE_REVIEW_DUE_DAYS = 5
    mail_sla.review_cadence = 1
    mail_sla.starts_on = dt.date(2026, 1, 31)
    mail_sla.ends_on = dt.date(2026, 4, 10)
    assert periods(mail_sla, 10) == [
        (dt.date(2026, 1, 31), dt.date(2026, 2, 27), dt.date(2026, 3, 4)),
        (dt.date(2026, 2, 28), dt.date(2026, 3, 30), dt.date(2026, 4, 4)),
        (dt.date(2026, 3, 31), dt.date(2026, 4, 10), dt.date(2026, 4, 15)),
    ]


def test_periods_read_in_words():
    assert period_in_words(dt.date(2026, 1, 1), dt.date(2026, 3, 31)) == "January – March 2026"
    assert period_in_words(dt.date(2026, 2, 1), dt.date(2026, 2, 28)) == "February 2026"
    assert (
        period_in_words(dt.date(2025, 12, 1), dt.date(2026, 2, 28))
        == "December 2025 – February 2026"
    )
    assert period_in_words(dt.date(2026, 1, 15), dt.date(2026, 4, 14)) == "15 Jan – 14 Apr 2026"


def test_it_schedules_each_ended_period_once(mail_sla, slm, finance, mail, calendar):
    # Not reviewed: a draft SLA, and an active one without a cadence.
    for status, cadence in (("draft", 3), ("active", None)):
        do_create_agreement(
            actor=slm,
            kind="sla",
            name=f"Other {status}",
            owner=slm,
            customer=finance,
            starts_on=dt.date(2026, 1, 1),
            calendar=calendar,
            services=[mail],
            status=status,
            review_cadence=cadence,
        )
    assert schedule_due_reviews(dt.date(2026, 3, 31)) == []  # Q1's last day: not ended yet
    first = schedule_due_reviews(dt.date(2026, 7, 1))
    assert [(r.number, r.period_start, r.due_on) for r in first] == [
        ("REV00001", dt.date(2026, 1, 1), dt.date(2026, 4, 10)),
        ("REV00002", dt.date(2026, 4, 1), dt.date(2026, 7, 10)),
    ]
    assert all(review.agreement == mail_sla for review in first)
    assert schedule_due_reviews(dt.date(2026, 7, 1)) == []  # a re-run schedules nothing
    assert ServiceReview.objects.count() == 2


@pytest.mark.django_db
def test_the_command_schedules_and_says_what_it_did(mail_sla, capsys):
    from django.core.management import call_command

    call_command("service-levels", "schedule-reviews", "--today", "2026-04-02")
    out = capsys.readouterr().out
    assert '"scheduled": 1' in out and "REV00001" in out


def test_the_nightly_task_schedules_as_of_today(mail_sla, monkeypatch):
    from kaizen.servicelevels import tasks

    monkeypatch.setattr(tasks.timezone, "localdate", lambda: dt.date(2026, 7, 1))
    assert tasks.schedule_reviews.call_local() == ["REV00001", "REV00002"]
    assert tasks.schedule_reviews.call_local() == []
