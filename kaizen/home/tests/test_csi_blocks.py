"""The CSI manager's home: initiatives by step and what holds them at their gate, new
opportunities, KPIs off target."""

import pytest

from kaizen.home.tests.helpers import block, figures, last_month, listed_count, measure
from kaizen.improvement.models import Initiative, Status
from kaizen.improvement.tests.helpers import make_goal, make_initiative
from kaizen.improvement.tests.test_opportunity_views import make_opportunity
from kaizen.people import services as people_services
from kaizen.people.models import Process, Role
from kaizen.testing import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def iris(db):
    user = make_user("iris", first_name="Iris", last_name="Improver")
    people_services.do_grant_process_role(user, Process.IMPROVEMENT, Role.MANAGER, actor=None)
    return user


def test_it_counts_open_initiatives_by_step_and_names_what_holds_them(client, iris):
    goal = make_goal()
    held = make_initiative(owner=iris, title="No goal yet")  # step 1, no goal, no KPI
    linked = make_initiative(owner=iris, title="Has a goal", goals=[goal])  # still no KPI
    at_three = make_initiative(owner=iris, title="At step three")
    Initiative.objects.filter(pk=at_three.pk).update(current_step=3)
    stopped = make_initiative(owner=iris, title="Stopped")
    Initiative.objects.filter(pk=stopped.pk).update(status=Status.STOPPED)
    client.login(username="iris", password=PASSWORD)
    response = client.get("/")
    steps = block(response, "csi-steps")
    assert [row.badge for row in steps.rows] == ["2", "0", "1", "0", "0", "0", "0"]
    assert listed_count(client, steps.rows[0].url) == 2
    assert listed_count(client, steps.rows[2].url) == 1
    gate = block(response, "csi-blocked")
    assert figures(gate) == {"Held": 3}
    assert gate.note.startswith("Out of 3 active initiatives:")
    details = {row.text.split(" ", 1)[1]: row.detail for row in gate.rows}
    assert details[held.title] == (
        "Step 1: Link the initiative to at least one goal it serves (and 1 more)"
    )
    assert details[linked.title] == "Step 1: Choose at least one KPI to measure"
    # The register lists exactly the three held (the stopped one is not active).
    assert gate.link_url == "/improvement/?status=held"
    assert listed_count(client, gate.figures[0].url) == 3


def test_it_counts_the_opportunities_not_yet_triaged(client, iris):
    make_opportunity(strength=20, value="Mail")
    make_opportunity(strength=30, value="VPN")
    make_opportunity(strength=40, value="Old", status="dismissed", user=iris)
    client.login(username="iris", password=PASSWORD)
    shown = block(client.get("/"), "csi-opportunities")
    assert figures(shown) == {"Not yet triaged": 2}
    assert [row.text for row in shown.rows] == [
        "SLA breaches: service VPN at 60 %",
        "SLA breaches: service Mail at 60 %",
    ]
    assert listed_count(client, shown.figures[0].url) == 2


def test_it_lists_every_process_kpi_off_target(client, iris):
    measure("incident.resolution_hours_mean", last_month(), 30)  # the latest finished month
    client.login(username="iris", password=PASSWORD)
    shown = block(client.get("/"), "csi-kpis")
    assert shown.role == "CSI manager"
    assert figures(shown) == {"Off target": 1, "Warning": 0}
    assert [row.text for row in shown.rows] == ["Mean time to resolve (MTTR)"]


def test_it_says_plainly_when_the_register_is_quiet(client, iris):
    client.login(username="iris", password=PASSWORD)
    page = client.get("/").content.decode()
    assert "No improvement initiative is open." in page
    assert "No active initiative is held at its gate" in page
    assert "No new opportunity: everything the data suggested has been triaged." in page
    assert "No KPI has a measured value and a target yet." in page
