"""The agents' queues: tabs, filters, sorting (SLA due, nulls last), bulk actions."""

import datetime as dt

import pytest
from django.utils import timezone

from kaizen.incidents import services
from kaizen.incidents.models import Incident
from kaizen.incidents.tests.helpers import assert_constant_queries, make_incident, move
from kaizen.testing import make_team, make_user

pytestmark = pytest.mark.django_db


def url(queue: str) -> str:
    return f"/incidents/queues/{queue}/"


def numbers(response) -> list[str]:
    assert response.status_code == 200
    return [row["number"] for row in response.context["object_list"]]


def set_sla(incident: Incident, due: dt.datetime | None, state: str = "ok") -> None:
    """What the SLA engine would have stored for the incident's running clocks."""
    Incident.objects.filter(pk=incident.pk).update(sla_due_at=due, sla_state=state)


@pytest.fixture
def board(agent, service_desk, network, network_agent, requester):
    """One incident per queue situation (numbers in creation order)."""
    now = timezone.now()
    mine = make_incident(
        requester, short_description="Mine", assignment_group=service_desk, assignee=agent
    )
    desk = make_incident(requester, short_description="Desk queue", assignment_group=service_desk)
    net = make_incident(
        requester, short_description="Network's", assignment_group=network, assignee=network_agent
    )
    new = make_incident(requester, short_description="Nobody's", impact=1, urgency=1)
    done = move(
        make_incident(
            requester, short_description="Done", assignment_group=service_desk, assignee=agent
        ),
        "resolved",
    )
    late = make_incident(requester, short_description="Breached in spring", assignee=agent)
    set_sla(desk, now + dt.timedelta(hours=2))
    set_sla(net, now + dt.timedelta(days=2), "warning")
    set_sla(mine, now + dt.timedelta(days=1))
    # Breached two months ago and still open: the due time is long past, so "due within 4
    # hours" alone would count it as breaching soon.
    set_sla(late, now - dt.timedelta(days=60), "breached")
    return {"mine": mine, "desk": desk, "net": net, "new": new, "done": done, "late": late}


def test_it_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(url("mine"))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_it_sends_agents_to_their_queue_and_requesters_to_their_incidents(web, agent, requester):
    assert web(agent).get("/incidents/")["Location"] == url("mine")
    assert web(requester).get("/incidents/")["Location"] == "/incidents/mine/"


def test_it_refuses_the_queues_to_requesters(web, requester, board):
    for queue in ("mine", "all"):
        assert web(requester).get(url(queue)).status_code == 403


def test_it_answers_404_for_an_unknown_queue(web, agent):
    assert web(agent).get(url("everything")).status_code == 404


@pytest.mark.parametrize(
    ("queue", "expected"),
    [
        ("mine", ["mine", "late"]),
        ("team", ["mine", "desk"]),
        ("unassigned", ["desk", "new"]),
        ("breaching", ["desk", "net"]),
        ("breached", ["late"]),
        ("all", ["mine", "desk", "net", "new", "done", "late"]),
    ],
)
def test_it_shows_each_queue(web, agent, board, queue, expected):
    shown = set(numbers(web(agent).get(url(queue))))
    assert shown == {board[key].number for key in expected}


def test_it_counts_the_open_incidents_of_each_tab(web, agent, board):
    tabs = {tab["name"]: tab["count"] for tab in web(agent).get(url("all")).context["tabs"]}
    assert tabs == {
        "mine": 2,
        "team": 2,
        "unassigned": 2,
        "breaching": 2,
        "breached": 1,
        "all": None,
    }


def test_it_sorts_by_sla_due_with_incidents_without_a_clock_last(web, agent, board):
    client = web(agent)
    ascending = numbers(client.get(url("all"), {"sort": "sla_due"}))
    assert ascending[:4] == [board[k].number for k in ("late", "desk", "mine", "net")]
    assert set(ascending[4:]) == {board["new"].number, board["done"].number}
    descending = numbers(client.get(url("all"), {"sort": "-sla_due"}))
    assert descending[:4] == [board[k].number for k in ("net", "mine", "desk", "late")]


def test_it_puts_the_most_urgent_first_by_default(web, agent, board):
    assert numbers(web(agent).get(url("unassigned")))[0] == board["new"].number
    assert numbers(web(agent).get(url("breaching")))[0] == board["desk"].number


def test_it_filters_and_searches(web, agent, board, network, email):
    client = web(agent)
    assert numbers(client.get(url("all"), {"state": "resolved"})) == [board["done"].number]
    assert len(numbers(client.get(url("all"), {"state": "open"}))) == 5
    assert numbers(client.get(url("all"), {"assignment_group": "network"})) == [board["net"].number]
    assert numbers(client.get(url("all"), {"priority": "1"})) == [board["new"].number]
    assert numbers(client.get(url("all"), {"q": "nobody"})) == [board["new"].number]
    assert numbers(client.get(url("all"), {"q": board["net"].number})) == [board["net"].number]
    services.do_update_incident(
        board["desk"], actor=None, expected_version=None, major_incident=True
    )
    assert numbers(client.get(url("all"), {"major_incident": "true"})) == [board["desk"].number]
    page = client.get(url("all"), {"state": "frozen"}).content.decode()
    assert "Select a valid choice" in page


def test_it_filters_by_category_including_its_subcategories(web, agent, requester):
    hardware = services.do_create_category("Hardware", actor=None)
    printer = services.do_create_category("Printer", actor=None, parent=hardware)
    on_sub = make_incident(requester, category=hardware, subcategory=printer)
    on_top = make_incident(requester, category=hardware)
    make_incident(requester)
    shown = numbers(web(agent).get(url("all"), {"category": hardware.pk}))
    assert set(shown) == {on_sub.number, on_top.number}


def test_it_renders_the_rows_with_their_badges_and_bulk_controls(web, agent, board):
    page = web(agent).get(url("all")).content.decode()
    assert 'id="bulk-form"' in page and f'name="version_{board["mine"].pk}" value="1"' in page
    assert "1 - Critical" in page and "Resolved" in page and "Unassigned" in page
    assert 'name="new_on_hold_reason"' in page and 'value="hold_reason"' in page


def test_it_bulk_assigns_from_the_queue_and_reports_failures(web, agent, board, service_desk):
    stale = board["net"]
    services.do_update_incident(stale, actor=None, expected_version=None, urgency=1)
    data = {
        "action": "assign",
        "incidents": [board["new"].pk, stale.pk, board["done"].pk],
        f"version_{board['new'].pk}": "1",
        f"version_{stale.pk}": "1",
        f"version_{board['done'].pk}": str(board["done"].version),
        "assignment_group": service_desk.pk,
        "assignee": agent.pk,
        "next": "/incidents/queues/all/?sort=number",
    }
    response = web(agent).post("/incidents/bulk/", data, follow=True)
    assert response.redirect_chain[-1][0] == "/incidents/queues/all/?sort=number"
    page = response.content.decode()
    assert "Assigned 1 incident." in page
    assert f"{stale.number}: {stale.number} was changed by the system" in page
    assert f"{board['done'].number}: assignment group: " in page
    assert Incident.objects.get(pk=board["new"].pk).assignee == agent


def test_it_bulk_resolves_with_the_inputs_and_needs_a_state(web, agent, board):
    client = web(agent)
    data = {"action": "state", "incidents": [board["new"].pk, board["desk"].pk]}
    response = client.post("/incidents/bulk/", data, follow=True)
    assert "choose the state" in response.content.decode()
    data.update(state="resolved", resolution_code="solved", resolution_notes="Outage over.")
    response = client.post("/incidents/bulk/", data, follow=True)
    assert "Moved 2 incidents." in response.content.decode()
    assert set(Incident.objects.filter(state="resolved").values_list("number", flat=True)) == {
        board["new"].number,
        board["desk"].number,
        board["done"].number,
    }


def test_it_bulk_changes_the_hold_reason_and_reports_the_incidents_not_on_hold(web, agent, board):
    client = web(agent)
    held = [move(board["new"], "on_hold", on_hold_reason="awaiting_vendor")]
    held.append(move(board["desk"], "on_hold", on_hold_reason="awaiting_problem"))
    data = {"action": "hold_reason", "incidents": [*(i.pk for i in held), board["mine"].pk]}
    response = client.post("/incidents/bulk/", data, follow=True)
    assert "choose what the incidents now wait for" in response.content.decode()
    data["new_on_hold_reason"] = "awaiting_caller"
    response = client.post("/incidents/bulk/", data, follow=True)
    page = response.content.decode()
    assert "Changed the on-hold reason of 2 incidents." in page
    assert f"{board['mine'].number}: on hold reason: only an incident that is on hold" in page
    reasons = dict(Incident.objects.values_list("number", "on_hold_reason"))
    assert [reasons[i.number] for i in held] == ["awaiting_caller", "awaiting_caller"]
    assert Incident.objects.get(pk=board["mine"].pk).state == "assigned"


def test_it_refuses_bulk_actions_to_requesters_and_ignores_unsafe_next(
    web, agent, requester, board
):
    assert web(requester).post("/incidents/bulk/", {"action": "state"}).status_code == 403
    data = {
        "action": "state",
        "state": "cancelled",
        "incidents": [board["new"].pk],
        "next": "https://evil.example.com/",
    }
    response = web(agent).post("/incidents/bulk/", data)
    assert response["Location"] == url("mine")


@pytest.mark.parametrize("queue", ["mine", "team", "unassigned", "breaching", "breached", "all"])
def test_it_renders_each_queue_in_a_constant_number_of_queries(web, agent, service_desk, queue):
    client = web(agent)
    now = timezone.now()

    def add_rows():
        hardware = services.do_create_category(f"Hardware {make_user().pk}", actor=None)
        team = make_team()
        for number in range(6):
            caller = make_user()
            incident = make_incident(
                caller,
                assignment_group=service_desk if number % 2 else team,
                assignee=agent if number % 2 else None,
                category=hardware,
                impact=1 + number % 3,
            )
            set_sla(incident, now + dt.timedelta(hours=number), ("warning", "breached")[number % 2])

    add_rows()
    assert_constant_queries(f"queue_{queue}", lambda: client.get(url(queue)), add_rows)


def test_it_sorts_by_sla_due_in_a_constant_number_of_queries(web, agent):
    client = web(agent)
    make_incident()  # an empty page skips the row query
    assert_constant_queries(
        "queue_all",
        lambda: client.get(url("all"), {"sort": "sla_due"}),
        lambda: [make_incident() for _ in range(5)],
    )


def test_it_counts_a_breaching_incident_once_whichever_half_it_is_in(web, agent, board):
    """The badge counts the queue's OR as two disjoint halves (selectors.breaching_halves)."""
    now = timezone.now()
    set_sla(board["desk"], now + dt.timedelta(hours=1), "warning")  # due soon and warning
    set_sla(board["new"], None, "warning")  # warning without a due time
    set_sla(board["done"], now, "warning")  # resolved: in no queue
    tabs = {tab["name"]: tab["count"] for tab in web(agent).get(url("all")).context["tabs"]}
    shown = numbers(web(agent).get(url("breaching")))
    assert tabs["breaching"] == len(shown) == 3
    assert set(shown) == {board[key].number for key in ("desk", "net", "new")}


def test_it_renders_each_cell_of_a_row(web, agent, requester, service_desk, email):
    hardware = services.do_create_category("Hardware", actor=None)
    printer = services.do_create_category("Printer", actor=None, parent=hardware)
    held = move(
        make_incident(
            requester,
            short_description="Printer <jammed> & smoking",
            service=email,
            category=hardware,
            subcategory=printer,
            assignment_group=service_desk,
            assignee=agent,
        ),
        "in_progress",
        "on_hold",
    )
    services.do_update_incident(held, actor=None, expected_version=None, major_incident=True)
    set_sla(held, timezone.now() - dt.timedelta(hours=3), "breached")
    orphan = make_incident(requester, short_description="Nobody's")
    set_sla(orphan, None, "breached")
    page = web(agent).get(url("all"), {"sort": "number"}).content.decode()
    held.refresh_from_db()
    assert f'href="/incidents/{held.number}/">{held.number}</a>' in page
    assert 'title="Major incident">Major</span>' in page
    assert "Printer &lt;jammed&gt; &amp; smoking" in page
    assert f"{requester} · Email · Printer</div>" in page
    assert '<div class="small text-secondary">Awaiting caller</div>' in page
    assert '<div class="kz-incident-team" title="Service Desk">Service Desk</div>' in page
    assert f'name="version_{held.pk}" value="{held.version}"' in page
    assert 'late</span> <i class="bi bi-exclamation-octagon" title="Breached"></i>' in page
    # No group, nobody, a breached clock without a due time.
    assert '<div class="kz-incident-team" title="">—</div>' in page
    assert ">Unassigned</div>" in page and ">Breached</td>" in page


def test_it_lists_agents_and_teams_in_both_bars_from_one_query_each(web, agent, service_desk):
    page = web(agent).get(url("all"), {"assignment_group": "service-desk"}).content.decode()
    filter_bar, bulk_bar = page.split('id="bulk-form"')
    # The filter bar selects teams by slug, the bulk bar by id; each with its own empty choice.
    assert '<option value="service-desk" selected>Service Desk</option>' in filter_bar
    assert f'<option value="{service_desk.pk}">Service Desk</option>' in bulk_bar
    assert '<option value="" selected>No group</option>' in bulk_bar
    assert f'<option value="{agent.pk}">{agent}</option>' in filter_bar
    assert f'<option value="{agent.pk}">{agent}</option>' in bulk_bar


def test_it_pages_in_order_loading_only_the_page_s_rows(web, agent):
    opened = [make_incident() for _ in range(27)]
    client = web(agent)
    first = numbers(client.get(url("all"), {"sort": "number", "per_page": 25}))
    second = client.get(url("all"), {"sort": "number", "per_page": 25, "page": 2})
    assert first + numbers(second) == [incident.number for incident in opened]
    assert "26–27 of 27" in second.content.decode()


@pytest.mark.parametrize("tab", ["due_soon", "warning", "breached"])
def test_it_counts_the_sla_tabs_from_the_sla_state_index_on_sqlite(agent, tab):
    """The badges of "Breaching soon" (its two halves) and "Breached" are ranges of the
    incident_sla_state index (sla_state, state, sla_due_at), never a scan of the incidents:
    with thousands of incidents breached months ago, a scan would read them all."""
    from django.db import connection

    from kaizen.incidents.selectors import breaching_halves, incidents_for, queue

    if connection.vendor != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    visible = incidents_for(agent)
    due_soon, warning = breaching_halves(visible)
    rows = {"due_soon": due_soon, "warning": warning, "breached": queue(visible, "breached", agent)}
    sql, params = rows[tab].order_by().values("pk")[:1000].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN SELECT COUNT(*) FROM ({sql}) capped", params)
        plan = [row[-1] for row in cursor.fetchall()]
    searches = [step for step in plan if "incidents_incident" in step]
    assert len(searches) == 1, plan
    assert searches[0].startswith(
        "SEARCH incidents_incident USING COVERING INDEX incident_sla_state"
    )
