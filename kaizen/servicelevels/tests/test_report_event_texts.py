"""How the report links' events read in an agreement's history: in words, recorded by the
services themselves."""

import datetime as dt

import pytest

from kaizen.journal.events import EventType
from kaizen.journal.presenting import present
from kaizen.journal.selectors import timeline_for
from kaizen.journal.tests.test_event_texts import lines_of
from kaizen.servicelevels.report_links import do_create_report_link, do_revoke_report_link

pytestmark = pytest.mark.django_db
MADE = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


def lines_for(subject, event_type) -> list[list[str]]:
    chosen = [event for event in timeline_for(subject) if event.event_type == event_type]
    return [lines_of(event) for event in present(chosen)]


def test_a_report_link_made_and_revoked_reads_in_words(settings, mail_sla, slm):
    settings.TIME_ZONE = "UTC"
    link, _ = do_create_report_link(
        mail_sla,
        actor=slm,
        period_start=dt.date(2026, 11, 1),
        period_end=dt.date(2026, 11, 30),
        days=30,
        now=MADE,
    )
    expected = ["Expires at: 6 Jan 2027, 09:00", "Period: 1 Nov 2026 – 30 Nov 2026"]
    assert lines_for(mail_sla, EventType.REPORT_LINK_CREATED) == [expected]
    do_revoke_report_link(link, actor=slm, now=MADE + dt.timedelta(hours=1))
    do_revoke_report_link(link, actor=slm)  # already revoked: nothing more
    assert lines_for(mail_sla, EventType.REPORT_LINK_REVOKED) == [expected]
