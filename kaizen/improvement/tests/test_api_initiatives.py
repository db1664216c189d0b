"""/api/v1/initiatives/: the CSI register, moving through the steps and their gates, and one
initiative walked through all seven steps through the API alone."""

from itertools import count

import pytest

from kaizen.improvement.models import (
    Baseline,
    BaselineSource,
    GateMode,
    Initiative,
    Status,
)
from kaizen.improvement.services import do_update_initiative
from kaizen.improvement.tests.facts import seed_resolution_history
from kaizen.improvement.tests.helpers import (
    add_kpi,
    add_output_rows,
    implement,
    make_goal,
    make_initiative,
    walk_to_step,
)
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.testing import assert_constant_queries, assert_query_count, make_service, make_user

pytestmark = pytest.mark.django_db

LIST = "/api/v1/initiatives/"
_titles = count(1)


def detail(initiative, action=""):
    return f"{LIST}{initiative.pk}/{action + '/' if action else ''}"


def body(**overrides):
    return {
        "title": "Faster incident resolution",
        "problem_statement": "Callers wait a working day for a fix.",
        "process": "incident",
        **overrides,
    }


# -- who may do what ----------------------------------------------------------------------------


def test_it_answers_401_without_credentials_and_403_to_requesters(api, requester, process_owner):
    initiative = make_initiative(owner=process_owner)
    assert api().get(LIST).status_code == 401
    for url in (LIST, detail(initiative), detail(initiative, "gates")):
        assert api(requester).get(url).status_code == 403, url
    assert api(requester).post(LIST, body()).status_code == 403


def test_it_answers_404_for_a_missing_initiative(api, agent, csi_manager):
    assert api(agent).get(f"{LIST}999/").status_code == 404
    assert api(csi_manager).post(f"{LIST}999/advance/", {}).status_code == 404
    assert api(csi_manager).patch(f"{LIST}999/", {"title": "x"}).status_code == 404


def test_it_lets_process_leaders_raise_initiatives_owned_by_them(api, agent, process_owner):
    assert api(agent).post(LIST, body()).status_code == 403
    response = api(process_owner).post(LIST, body(priority=2))
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["owner"] == process_owner.pk and data["priority"] == 2
    assert data["status"] == "active" and data["current_step"] == 1 and data["cycle"] == 1
    assert data["reference"] == Initiative.objects.get().reference
    assert data["gate"]["step"] == 1 and data["gate"]["passed"] is False
    assert JournalEvent.objects.filter(
        event_type=EventType.INITIATIVE_CREATED, actor=process_owner
    ).exists()


def test_it_lets_the_csi_manager_raise_one_for_someone_else(api, csi_manager, agent):
    service, goal = make_service("Email"), make_goal()
    response = api(csi_manager).post(
        LIST, body(owner=agent.pk, services=["email"], goals=[goal.pk], gate_mode="advisory")
    )
    assert response.status_code == 201, response.json()
    initiative = Initiative.objects.get()
    assert initiative.owner == agent and initiative.gate_mode == GateMode.ADVISORY
    assert list(initiative.services.all()) == [service]
    assert list(initiative.goals.all()) == [goal]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ""}, "title"),
        ({"problem_statement": "  "}, "problem_statement"),
        ({"process": "payroll"}, "process"),
        ({"priority": 9}, "priority"),
        ({"starts_on": "2026-05-01", "due_on": "2026-04-01"}, "due_on"),
        ({"services": ["no-such-service"]}, "services"),
        ({"owner": "requester"}, "owner"),
    ],
)
def test_it_names_the_field_of_bad_input(api, csi_manager, requester, overrides, field):
    if overrides.get("owner") == "requester":
        overrides = {"owner": requester.pk}
    response = api(csi_manager).post(LIST, body(**overrides))
    assert response.status_code == 400 and field in response.json(), response.json()


def test_it_lets_the_owner_and_the_csi_manager_edit_and_no_other_agent(
    api, agent, process_owner, csi_manager
):
    initiative = make_initiative(owner=process_owner)
    assert api(agent).patch(detail(initiative), {"title": "Mine now"}).status_code == 403
    response = api(process_owner).patch(
        detail(initiative), {"justification": "Cost of waiting", "version": 1}
    )
    assert response.status_code == 200 and response.json()["justification"] == "Cost of waiting"
    assert response.json()["version"] == 2
    response = api(csi_manager).patch(
        detail(initiative), {"evaluation_window_days": 14, "version": 2}
    )
    assert response.status_code == 200 and response.json()["evaluation_window_days"] == 14
    initiative.refresh_from_db()
    assert initiative.title == "Faster incident resolution"
    assert api(csi_manager).put(detail(initiative), body()).status_code == 405
    assert api(csi_manager).delete(detail(initiative)).status_code == 405


def test_it_moves_steps_only_through_their_endpoints(api, csi_manager, process_owner):
    initiative = make_initiative(owner=process_owner)
    response = api(csi_manager).patch(
        detail(initiative), {"current_step": 5, "status": "completed", "version": 1}
    )
    assert response.status_code == 400
    assert {"current_step", "status"} <= set(response.json())
    initiative.refresh_from_db()
    assert initiative.current_step == 1 and initiative.status == Status.ACTIVE


# -- reading the register -----------------------------------------------------------------------


def test_it_shows_where_an_initiative_stands(api, agent, process_owner):
    goal = make_goal()
    initiative = make_initiative(owner=process_owner, goals=[goal])
    ikpi = add_kpi(initiative, target=12, warning=16)
    data = api(agent).get(detail(initiative)).json()
    assert data["goals"] == [goal.pk] and data["owner_name"] == str(process_owner)
    assert data["current_step_label"] == "What we should measure"
    assert data["gate"] == {
        "step": 1,
        "label": "What we should measure",
        "passed": True,
        "missing": [],
        "done": data["gate"]["done"],
    }
    assert data["kpis"][0]["id"] == ikpi.pk and data["kpis"][0]["target"] == 12
    assert data["kpis"][0]["kpi"]["name"] == "Median time to resolve"
    assert data["latest_decision"] is None and data["share_link"] is None
    assert data["action_counts"] == {
        "open": 0,
        "in_progress": 0,
        "done": 0,
        "cancelled": 0,
        "overdue": 0,
    }


def test_it_filters_and_orders_the_register(api, agent, process_owner, csi_manager):
    email, goal = make_service("Email"), make_goal()
    mine = make_initiative(owner=process_owner, title="Email outages", priority=1)
    do_update_initiative(mine, actor=None, services=[email], goals=[goal])
    theirs = make_initiative(owner=csi_manager, title="Slow password resets", priority=4)
    client = api(agent)

    def ids(query):
        response = client.get(f"{LIST}?{query}")
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids(f"owner={process_owner.pk}") == [mine.pk]
    assert ids("service=email") == [mine.pk]
    assert ids(f"goal={goal.pk}") == [mine.pk]
    assert ids("priority=4") == [theirs.pk]
    assert ids("q=password") == [theirs.pk]
    assert ids("status=open&current_step=1&process=incident") == [theirs.pk, mine.pk]
    assert ids("status=completed") == []
    assert ids("ordering=priority") == [mine.pk, theirs.pk]
    assert client.get(f"{LIST}?status=bogus").status_code == 400


# -- steps and gates ----------------------------------------------------------------------------


def test_it_answers_409_with_what_a_strict_gate_misses(api, process_owner):
    initiative = make_initiative(owner=process_owner)
    response = api(process_owner).post(detail(initiative, "advance"), {})
    assert response.status_code == 409
    data = response.json()
    assert "Step 1" in data["detail"]
    assert "Choose at least one KPI to measure" in data["missing"]
    assert "Link the initiative to at least one goal it serves" in data["missing"]
    initiative.refresh_from_db()
    assert initiative.current_step == 1


def test_it_advances_when_the_gate_passes(api, agent, process_owner):
    initiative = make_initiative(owner=process_owner, goals=[make_goal()])
    add_kpi(initiative, target=12)
    assert api(agent).post(detail(initiative, "advance"), {}).status_code == 403
    response = api(process_owner).post(detail(initiative, "advance"), {})
    assert response.status_code == 200, response.json()
    assert response.json()["current_step"] == 2 and response.json()["gate"]["step"] == 2
    assert JournalEvent.objects.filter(event_type=EventType.INITIATIVE_STEP_CHANGED).exists()


def test_it_passes_an_advisory_gate_only_with_a_reason(api, process_owner):
    initiative = make_initiative(owner=process_owner, gate_mode=GateMode.ADVISORY)
    client = api(process_owner)
    response = client.post(detail(initiative, "advance"), {})
    assert response.status_code == 409 and response.json()["missing"]
    assert "reason" in response.json()["detail"]
    response = client.post(detail(initiative, "advance"), {"override_reason": "Pilot first"})
    assert response.status_code == 200 and response.json()["current_step"] == 2
    event = JournalEvent.objects.filter(event_type=EventType.INITIATIVE_STEP_CHANGED).get()
    assert event.data["override_reason"] == "Pilot first" and event.data["missing"]


def test_it_returns_to_an_earlier_step_with_a_reason(api, csi_manager, process_owner):
    initiative = make_initiative(owner=process_owner, goals=[make_goal()])
    add_kpi(initiative, target=12)
    client = api(csi_manager)
    client.post(detail(initiative, "advance"), {})
    response = client.post(detail(initiative, "return"), {"step": 3, "reason": "x"})
    assert response.status_code == 400 and "step" in response.json()
    response = client.post(detail(initiative, "return"), {"step": 1, "reason": ""})
    assert response.status_code == 400 and "reason" in response.json()
    response = client.post(detail(initiative, "return"), {"step": 1, "reason": "Wrong KPI"})
    assert response.status_code == 200 and response.json()["current_step"] == 1


def test_it_shows_the_gate_of_every_step(api, agent, process_owner):
    initiative = make_initiative(owner=process_owner)
    response = api(agent).get(detail(initiative, "gates"))
    assert response.status_code == 200
    gates = response.json()
    assert [gate["step"] for gate in gates] == [1, 2, 3, 4, 5, 6, 7]
    assert gates[5]["label"] == "Present and use the information"
    assert all(not gate["passed"] and gate["missing"] for gate in gates)
    assert "Record the decision: implement, keep measuring or stop" in gates[5]["missing"]


def test_it_reads_the_seven_gates_in_a_fixed_number_of_queries(api, agent, process_owner):
    """Seven gates from one read of the outputs: the initiative, then each kind of output once
    (KPIs, goals, gaps, assessments, the journal's changes, measurements, decisions to keep
    measuring, analyses, baselines, decisions, actions, evaluations), however many KPIs and
    actions."""
    initiative = make_initiative(owner=process_owner, goals=[make_goal()])
    for key in ("incident.resolution_hours_median", "incident.opened"):
        add_kpi(initiative, key, target=12)
    walk_to_step(initiative, 7, actor=process_owner)
    implement(initiative, actor=process_owner)
    client = api(agent)
    with assert_query_count("improvement", "api_initiative_gates"):
        response = client.get(detail(initiative, "gates"))
    assert response.status_code == 200
    step_7 = response.json()[6]
    assert step_7["step"] == 7 and "1 action done" in step_7["done"]
    assert step_7["missing"][-1].startswith("Evaluate the initiative after ")


def test_it_lists_the_register_in_a_constant_number_of_queries(api, agent, process_owner):
    """Each row's gate, KPIs, latest decision and action counts: one query per kind of output
    for the whole page, whichever steps its rows are at."""
    email = make_service("Email")

    def add_rows():
        walked = make_initiative(owner=process_owner, title=f"Initiative {next(_titles)}")
        walk_to_step(walked, 7, actor=process_owner)
        implement(walked, actor=process_owner)
        fresh = make_initiative(
            owner=make_user(), title=f"Initiative {next(_titles)}", goals=[make_goal()]
        )
        do_update_initiative(fresh, actor=None, services=[email])
        add_kpi(fresh, target=12)

    add_rows()
    client = api(agent)
    assert_constant_queries(
        "improvement", "api_initiative_list", lambda: client.get(LIST), add_rows
    )


def test_it_reads_an_initiative_in_a_constant_number_of_queries(api, agent, csi_manager):
    """One initiative with its services, goals, KPIs (custom ones too) and their latest
    baselines, its latest decision, its action counts and its gate, however many of each."""
    initiative = walk_to_step(make_initiative(owner=csi_manager), 7, actor=csi_manager)
    implement(initiative, actor=csi_manager)

    def add_rows():
        add_output_rows(initiative)
        do_update_initiative(
            initiative,
            actor=None,
            services=[*initiative.services.all(), make_service(f"Service {next(_titles)}")],
        )

    add_rows()
    client = api(agent)
    assert_constant_queries(
        "improvement", "api_initiative_detail", lambda: client.get(detail(initiative)), add_rows
    )
    data = client.get(detail(initiative)).json()
    assert len(data["kpis"]) == 3 and len(data["services"]) == 2
    assert data["action_counts"]["done"] == 3


# -- the seven steps, through the API alone -----------------------------------------------------

KPI = "incident.resolution_hours_median"


def test_it_walks_an_initiative_through_the_seven_steps(api, csi_manager, process_owner):
    """Seeded incident history: resolution times drop from about 20 to 10 hours on 6 April
    2026. The owner measures it, decides, acts, and the evaluation adopts a new baseline."""
    seed_resolution_history()
    manager, owner = api(csi_manager), api(process_owner)

    def ok(response, code=200):
        assert response.status_code == code, response.json()
        return response.json()

    def advance(initiative_id, to_step):
        moved = ok(owner.post(f"{LIST}{initiative_id}/advance/", {}))
        assert moved["current_step"] == to_step, moved["gate"]
        return moved

    goal = ok(
        manager.post(
            "/api/v1/goals/",
            {"level": "operational", "title": "Resolve incidents within a working day"},
        ),
        201,
    )
    initiative = ok(
        owner.post(
            LIST,
            body(goals=[goal["id"]], expected_benefit="Callers back at work sooner"),
        ),
        201,
    )
    pk = initiative["id"]
    url = f"{LIST}{pk}/"

    # 1. What we should measure: the median resolution time, below 15 hours.
    ikpi = ok(
        owner.post(
            f"{url}kpis/", {"kpi_key": KPI, "goal": goal["id"], "target": 15, "warning": 20}
        ),
        201,
    )
    kpi_url = f"/api/v1/initiative-kpis/{ikpi['id']}/"
    assert ok(owner.get(url))["gate"]["passed"] is True
    advance(pk, 2)

    # 2. What we can measure: weekly over the seeded half-year, then assess and settle gaps.
    ok(
        owner.patch(
            kpi_url,
            {
                "period_kind": "week",
                "analysis_starts_on": "2026-01-05",
                "analysis_ends_on": "2026-06-28",
                "version": ok(owner.get(kpi_url))["version"],
            },
        )
    )
    assessment = ok(owner.post(f"{url}assessments/"), 201)
    assert assessment["results"][0]["kpi_key"] == KPI and assessment["results"][0]["measurable"]
    for gap in ok(owner.get(f"{url}gaps/")):
        if gap["status"] == "open" and gap["still_present"]:
            ok(
                owner.patch(
                    f"/api/v1/gaps/{gap['id']}/",
                    {"status": "accepted", "version": gap["version"]},
                )
            )
    advance(pk, 3)

    # 3. Gather: where the data comes from and how often.
    ok(
        owner.patch(
            kpi_url,
            {
                "source_description": "Kaizen's own incident records",
                "schedule": "daily",
                "version": ok(owner.get(kpi_url))["version"],
            },
        )
    )
    collection = ok(owner.get(f"{kpi_url}collection/"))
    assert collection["status"] in ("ok", "stale") and collection["last_data_at"]
    advance(pk, 4)

    # 4. Process: a recorded cleaning rule, the breakdown, confirmed.
    ok(
        owner.post(
            f"{kpi_url}cleaning-rules/",
            {
                "kind": "cap",
                "column": "resolution_hours",
                "value": 500,
                "reason": "Tickets left open over a holiday are not resolution work",
            },
        ),
        201,
    )
    read = ok(owner.get(kpi_url))["version"]
    ok(
        owner.patch(
            kpi_url, {"breakdown": "category", "processing_confirmed": True, "version": read}
        )
    )
    advance(pk, 5)

    # 5. Analyse around the change, and record the baseline from it.
    ok(owner.patch(kpi_url, {"change_on": "2026-04-06", "version": read + 1}))
    analysis = ok(owner.post(f"{kpi_url}analyses/"), 201)
    result = ok(owner.get(f"/api/v1/analyses/{analysis['id']}/"))["result"]
    assert result["before_after"]["outcome"] == "improved"
    assert result["baseline"]["mean"] > 15 and result["pareto"]["items"][0]["label"] == "network"
    baseline = ok(owner.post(f"{kpi_url}baselines/", {"analysis": analysis["id"]}), 201)
    assert baseline["version"] == 1 and baseline["source"] == "measured"
    advance(pk, 6)

    # 6. Present: share the report, decide to implement (on to step 7).
    shared = ok(owner.post(f"{url}share/"))
    assert shared["url"].endswith(f"/improvement/shared/{shared['token']}/")
    decision = ok(
        owner.post(
            f"{url}decisions/",
            {"decision": "implement", "rationale": "Network tickets carry most of the time"},
        ),
        201,
    )
    assert decision["decided_by"] == str(process_owner)
    assert ok(owner.get(url))["current_step"] == 7

    # 7. Act: one action, done the day before the change; the window then runs 28 days.
    action = ok(
        owner.post(
            f"{url}actions/",
            {
                "title": "Route network incidents to the network team",
                "owner": process_owner.pk,
                "due_on": "2026-04-05",
            },
        ),
        201,
    )
    done = ok(
        owner.patch(
            f"/api/v1/actions/{action['id']}/",
            {"status": "done", "done_on": "2026-04-05", "version": action["version"]},
        )
    )
    assert done["on_time"] is True
    evaluating = ok(owner.get(url))
    assert evaluating["status"] == "evaluating"
    assert evaluating["evaluation_starts_on"] == "2026-04-06"
    evaluation = ok(owner.post(f"{url}evaluate/", {}), 201)
    assert evaluation["target_met"] is True and evaluation["baseline_adopted"] is True
    assert evaluation["results"][0]["met"] is True
    closed = ok(owner.get(url))
    assert closed["status"] == "completed" and closed["closed_at"]
    adopted = ok(owner.get(f"{kpi_url}baselines/"))[0]
    assert adopted["version"] == 2 and adopted["source"] == "adopted"
    assert adopted["value"] < 15 < baseline["value"]

    # ...and the next cycle starts from the adopted baseline.
    following = ok(owner.post(f"{url}next-cycle/"), 201)
    assert following["cycle"] == 2 and following["previous"] == pk
    carried = Baseline.objects.get(initiative_kpi__initiative_id=following["id"])
    assert carried.source == BaselineSource.CARRIED and carried.value == adopted["value"]
