"""Each role's home in a real browser: its blocks are there, and a block's figure leads to the
list holding exactly that many records (Chromium through Playwright)."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.utils import timezone

from kaizen.e2e.conftest import sign_in
from kaizen.improvement.tests.test_opportunity_views import make_opportunity
from kaizen.incidents import services
from kaizen.incidents.models import Incident
from kaizen.incidents.tests.helpers import move
from kaizen.notifications.models import Notification
from kaizen.people.models import Process, Role, UserKind
from kaizen.people.services import do_grant_process_role
from kaizen.testing import PASSWORD, make_service, make_team, make_user

pytestmark = pytest.mark.browser


def _open(caller, **fields):
    fields.setdefault("short_description", "Cannot print")
    return services.do_open_incident(actor=None, caller=caller, notify=False, **fields)


def _sla(incident, state, hours):
    due = timezone.now() + dt.timedelta(hours=hours)
    Incident.objects.filter(pk=incident.pk).update(sla_state=state, sla_due_at=due)


def _listed(page) -> int:
    """The number of records of the list page shown ("1–3 of 3"; nothing: 0)."""
    found = re.search(r"\d+–\d+ of (\d+)", page.locator("main").inner_text())
    return int(found.group(1)) if found else 0


def _figure(page, block: str, label: str):
    return page.locator(f'#block-{block} [data-figure="{label}"]')


def test_each_role_sees_its_blocks_and_a_figure_leads_to_as_many_records(page, live_server):
    emma = make_user("emma", kind=UserKind.REQUESTER, first_name="Emma", last_name="Jones")
    tom = make_user("tom", first_name="Tom", last_name="Baker")
    mia = make_user("mia", first_name="Mia", last_name="Manager")
    do_grant_process_role(mia, Process.INCIDENT, Role.MANAGER, actor=None)
    iris = make_user("iris", first_name="Iris", last_name="Improver")
    do_grant_process_role(iris, Process.IMPROVEMENT, Role.MANAGER, actor=None)
    make_user("ada", first_name="Ada", last_name="Admin", is_superuser=True, is_staff=True)
    desk = make_team("Service Desk", slug="service-desk", members=[tom])
    mail = make_service("Email", slug="email")
    breached = [_open(emma, service=mail, assignment_group=desk, assignee=tom) for _ in range(2)]
    for incident in breached:
        _sla(incident, "breached", -1)
    asked = _open(emma, short_description="VPN drops", assignment_group=desk, assignee=tom)
    move(asked, "in_progress", "on_hold", on_hold_reason="awaiting_caller")
    _sla(asked, "ok", 9)
    make_opportunity(strength=5, value="Email")
    Notification.objects.create(
        address="x@example.com",
        category="incident",
        subject="S",
        text="T",
        attempts=settings.KAIZEN_NOTIFICATION_MAX_ATTEMPTS,
    )

    checks = [
        # (who, blocks their home shows, the block and figure to follow, its records)
        ("emma", ["requester-tickets", "requester-catalogue"], ("requester-tickets", "Open"), 3),
        ("tom", ["agent-mine", "agent-team-breaching"], ("agent-mine", "Breached"), 2),
        ("mia", ["process-sla", "process-services", "agent-mine"], None, 2),
        ("iris", ["csi-steps", "csi-opportunities"], ("csi-opportunities", "Not yet triaged"), 1),
        ("ada", ["admin-worker", "admin-mail"], ("admin-mail", "Given up"), 1),
    ]
    for username, blocks, follow, expected in checks:
        page.context.clear_cookies()
        sign_in(page, live_server.url, username, PASSWORD)
        page.wait_for_url(f"{live_server.url}/")
        for key in blocks:
            assert page.locator(f"#block-{key}").is_visible(), (username, key)
        if follow is None:  # the worst services: the row's link
            link = page.locator("#block-process-services a", has_text="Email").first
        else:
            link = _figure(page, *follow)
            assert link.inner_text().strip() == str(expected), (username, follow)
        link.click()
        page.wait_for_load_state()
        assert _listed(page) == expected, (username, page.url)
