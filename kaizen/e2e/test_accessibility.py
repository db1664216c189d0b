"""Every page checked with axe-core (WCAG 2.1 A and AA rules) in Chromium, over the demo data,
as an administrator and as a requester: no serious or critical violation. And the main paths
work from the keyboard alone: past the navigation, through a form, from a queue to a ticket."""

import json
import re
from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command

from kaizen.catalog.models import ConfigurationItem, Service
from kaizen.e2e.conftest import sign_in
from kaizen.improvement.models import Goal, Initiative, Opportunity
from kaizen.improvement.tests.helpers import add_kpi, make_goal, make_initiative
from kaizen.incidents.models import Incident
from kaizen.kpis import library
from kaizen.people.models import Team, User, UserKind
from kaizen.requests.models import FulfilmentTask, RequestType, ServiceRequest
from kaizen.servicelevels.models import Agreement, ServiceReview, Supplier
from kaizen.sla.models import BusinessCalendar, SLADefinition
from kaizen.surveys.models import SurveyDefinition
from kaizen.testing import PASSWORD, make_user

pytestmark = pytest.mark.browser

WCAG_21_AA = {"runOnly": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
BLOCKING = ("serious", "critical")


def _first(queryset, attribute: str = "pk") -> str | None:
    found = queryset.order_by("pk").first()
    return None if found is None else str(getattr(found, attribute))


def _staff_pages() -> list[str]:
    """Every page an administrator can open without submitting anything, with one record of
    each kind from the demo; detail pages of kinds the demo lacks are left out."""
    incident = _first(Incident.objects, "number")
    service = _first(Service.objects, "slug")
    initiative = _first(Initiative.objects)
    kpi = library.LIBRARY[0].key
    pages = [
        "/",
        "/teams/",
        f"/teams/{_first(Team.objects, 'slug')}/",
        "/people/",
        f"/people/{_first(User.objects)}/",
        "/profile/",
        "/profile/tokens/",
        "/password/",
        "/notifications/preferences/",
        "/catalog/",
        f"/catalog/services/{service}/",
        f"/catalog/services/{service}/edit/",
        "/catalog/services/new/",
        "/catalog/cis/",
        f"/catalog/cis/{_first(ConfigurationItem.objects)}/",
        "/incidents/",
        "/incidents/queues/all/",
        "/incidents/queues/breached/",
        "/incidents/new/",
        "/incidents/priority-matrix/",
        "/incidents/categories/",
        f"/incidents/{incident}/",
        f"/incidents/{incident}/edit/",
        "/sla/",
        f"/sla/definitions/{_first(SLADefinition.objects)}/",
        "/sla/definitions/new/",
        "/sla/calendars/",
        f"/sla/calendars/{_first(BusinessCalendar.objects, 'slug')}/",
        "/availability/",
        "/availability/outages/",
        "/availability/outages/new/",
        f"/availability/services/{service}/",
        "/service-levels/",
        "/service-levels/agreements/new/?kind=sla",
        "/service-levels/customers/",
        "/service-levels/suppliers/",
        "/service-levels/customers/new/",
        *[
            f"/service-levels/agreements/{number}/"
            for number in Agreement.objects.order_by("number").values_list("number", flat=True)[:2]
        ],
        f"/service-levels/suppliers/{_first(Supplier.objects)}/",
        "/service-levels/agreements/SLA00001/report/",
        "/service-levels/reviews/",
        f"/service-levels/reviews/{_first(ServiceReview.objects, 'number')}/",
        "/kpis/",
        f"/kpis/{kpi}/",
        "/kpis/custom/new/",
        "/improvement/",
        "/improvement/board/",
        "/improvement/new/",
        "/improvement/goals/",
        f"/improvement/goals/{_first(Goal.objects)}/",
        "/improvement/opportunities/",
        f"/improvement/opportunities/{_first(Opportunity.objects)}/",
        "/imports/",
        "/imports/new/",
        "/audit/",
        "/requests/",
        "/requests/catalogue/",
        "/requests/mine/",
        "/requests/approvals/",
        "/requests/tasks/",
        "/requests/types/",
        f"/requests/types/{_first(RequestType.objects)}/",
        f"/requests/types/{_first(RequestType.objects)}/form/",
        f"/requests/catalogue/{_first(RequestType.objects)}/",
        f"/requests/{_first(ServiceRequest.objects, 'number')}/",
        f"/requests/tasks/{_first(FulfilmentTask.objects, 'number')}/",
        "/surveys/",
        "/surveys/definitions/",
        "/surveys/invitations/",
        "/surveys/follow-ups/",
        f"/surveys/definitions/{_first(SurveyDefinition.objects, 'slug')}/",
        f"/surveys/definitions/{_first(SurveyDefinition.objects, 'slug')}/results/",
        "/mail/mailboxes/",
    ]
    if initiative is not None:
        pages += [f"/improvement/{initiative}/", f"/improvement/{initiative}/report/"]
        pages += [f"/improvement/{initiative}/step/{step}/" for step in range(1, 8)]
    return [page for page in pages if "/None/" not in page]


def _violations(page, url: str) -> list[str]:
    response = page.goto(url)
    assert response is not None and response.status == 200, (url, response and response.status)
    results = Axe().run(page, options=WCAG_21_AA).response
    return [
        f"{url}: {violation['id']} ({violation['impact']}) at "
        f"{json.dumps([node['target'] for node in violation['nodes'][:3]])}: {violation['help']}"
        for violation in results["violations"]
        if violation["impact"] in BLOCKING
    ]


@pytest.fixture
def demo(live_server):
    call_command("load_demo", "--without-servicenow", verbosity=0)
    admin = User.objects.get(username="admin")
    admin.set_password(PASSWORD)
    admin.save(update_fields=["password"])
    requester = User.objects.filter(kind=UserKind.REQUESTER, incidents_called__isnull=False)
    caller = requester.order_by("pk").first()
    caller.set_password(PASSWORD)
    caller.save(update_fields=["password"])
    # The demo's own initiatives need the real history (a longer load): one at step 1, with a
    # KPI, shows the register's pages.
    initiative = make_initiative(owner=admin, goals=[make_goal()])
    add_kpi(initiative)
    return caller


def test_no_page_has_a_serious_or_critical_accessibility_violation(
    page, browser, live_server, demo
):
    base = live_server.url
    found: list[str] = []
    found += _violations(page, f"{base}/login/")
    sign_in(page, base, "admin", PASSWORD)
    pages = _staff_pages()
    assert len(pages) > 35  # the demo has a record of nearly every kind
    for path in pages:
        found += _violations(page, f"{base}{path}")

    requester_context = browser.new_context(viewport={"width": 1280, "height": 900})
    requester = requester_context.new_page()
    sign_in(requester, base, demo.username, PASSWORD)
    their_incident = Incident.objects.filter(caller=demo).order_by("pk").first()
    for path in (
        "/",
        "/incidents/mine/",
        "/incidents/report/",
        "/catalog/",
        "/profile/",
        "/requests/catalogue/",
        "/requests/mine/",
        "/requests/approvals/",
        "/surveys/mine/",
    ):
        found += _violations(requester, f"{base}{path}")
    found += _violations(requester, f"{base}/incidents/{their_incident.number}/")
    requester_context.close()

    assert found == []


def _tab_until(page, is_there: Callable[[], bool], most: int = 80) -> None:
    for _ in range(most):
        page.keyboard.press("Tab")
        if is_there():
            return
    raise AssertionError("never reached by the Tab key")


def _focused(page, selector: str) -> bool:
    return page.evaluate(
        "(selector) => document.activeElement && document.activeElement.matches(selector)",
        selector,
    )


def test_the_main_paths_work_from_the_keyboard_alone(page, live_server):
    """Skip the navigation, report an incident, then as an agent go from the queue to it."""
    make_user("emma", kind=UserKind.REQUESTER, first_name="Emma", last_name="Jones")
    make_user("tom", first_name="Tom", last_name="Baker")
    base = live_server.url
    sign_in(page, base, "emma", PASSWORD)
    page.goto(f"{base}/incidents/report/")

    page.keyboard.press("Tab")  # the first stop of every page: past the navigation
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert _focused(page, "main")
    _tab_until(page, lambda: _focused(page, "#id_short_description"))
    page.keyboard.type("The printer on floor 3 jams")
    _tab_until(page, lambda: _focused(page, "#id_description"))
    page.keyboard.type("Every second page since Monday.")
    _tab_until(page, lambda: _focused(page, "#id_urgency"))
    page.keyboard.press("ArrowDown")  # a native select moves its choice with the arrows
    chosen = page.eval_on_selector("#id_urgency", "select => select.value")
    _tab_until(page, lambda: _focused(page, "main form button[type=submit]"))
    page.keyboard.press("Enter")
    # The skip link's #content stays on the URL through the redirect, as browsers keep it.
    page.wait_for_url(re.compile(r"/incidents/INC\d+/(#content)?$"))
    incident = Incident.objects.get(short_description="The printer on floor 3 jams")
    assert str(incident.urgency) == chosen and incident.caller.username == "emma"

    page.context.clear_cookies()
    sign_in(page, base, "tom", PASSWORD)
    page.goto(f"{base}/incidents/queues/all/")
    link = f'main a[href="/incidents/{incident.number}/"]'
    _tab_until(page, lambda: _focused(page, link), most=200)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/incidents/{incident.number}/")
    assert incident.short_description in page.locator("h1").inner_text()
