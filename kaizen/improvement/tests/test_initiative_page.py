"""An initiative: creating and editing it, its page (header, step strip, gate, details,
timeline), and moving it forward or back a step."""

from itertools import count

import pytest

from kaizen.improvement import services
from kaizen.improvement.models import GateMode, Initiative, Status
from kaizen.improvement.tests.helpers import (
    add_kpi,
    implement,
    make_goal,
    make_initiative,
    walk_to_step,
)
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.kpis.tests.helpers import make_custom_kpi
from kaizen.testing import assert_constant_queries, make_service, make_user

pytestmark = pytest.mark.django_db

NEW = "/improvement/new/"
_numbers = count(1)


def url(initiative: Initiative, action: str = "") -> str:
    return f"/improvement/{initiative.pk}/{action}"


def events(initiative: Initiative, event_type: str) -> list[JournalEvent]:
    return list(JournalEvent.objects.for_subject(initiative).filter(event_type=event_type))


def ready(owner, **fields) -> Initiative:
    """At step 1 with a goal and a KPI with a target: its gate passes."""
    initiative = make_initiative(owner=owner, goals=[make_goal()], **fields)
    add_kpi(initiative, target=12)
    return initiative


# -- creating and editing -------------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(NEW)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_it_lets_only_process_leaders_raise_initiatives(web, requester, agent, process_owner):
    assert web(requester).get(NEW).status_code == 403
    assert web(agent).get(NEW).status_code == 403
    assert web(agent).post(NEW, {"title": "x"}).status_code == 403
    assert not Initiative.objects.exists()
    assert web(process_owner).get(NEW).status_code == 200


def test_it_creates_an_initiative_with_its_services_goals_and_origin(web, process_owner):
    email, vpn = make_service("Email", slug="email"), make_service("VPN", slug="vpn")
    goal = make_goal()
    response = web(process_owner).post(
        NEW,
        {
            "title": "Faster password resets",
            "problem_statement": "Resets wait half a day.",
            "justification": "Lost work time",
            "process": "incident",
            "owner": process_owner.pk,
            "priority": 2,
            "services": [email.pk, vpn.pk],
            "goals": [goal.pk],
            "origin": "problem",
            "origin_reference": "PRB0042",
            "gate_mode": "advisory",
            "evaluation_window_days": 14,
        },
    )
    initiative = Initiative.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/improvement/{initiative.pk}/step/1/"
    assert set(initiative.services.all()) == {email, vpn}
    assert list(initiative.goals.all()) == [goal]
    assert (initiative.origin, initiative.origin_reference) == ("problem", "PRB0042")
    assert (initiative.gate_mode, initiative.evaluation_window_days) == ("advisory", 14)
    assert events(initiative, EventType.INITIATIVE_CREATED)[0].actor == process_owner


def test_it_uses_the_registers_gate_mode_when_none_is_chosen(web, process_owner):
    web(process_owner).post(
        NEW,
        {
            "title": "T",
            "problem_statement": "P",
            "process": "incident",
            "owner": process_owner.pk,
            "priority": 3,
            "origin": "manual",
            "gate_mode": "",
            "evaluation_window_days": 28,
        },
    )
    assert Initiative.objects.get().gate_mode == GateMode.STRICT


def test_it_shows_field_errors_beside_the_fields(web, process_owner):
    response = web(process_owner).post(
        NEW,
        {
            "title": "",
            "problem_statement": "P",
            "process": "incident",
            "owner": process_owner.pk,
            "priority": 3,
            "origin": "manual",
            "starts_on": "2026-05-01",
            "due_on": "2026-04-01",
            "evaluation_window_days": 28,
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_title_errors"' in page
    assert not Initiative.objects.exists()
    # the service's own rule (due after start) lands on its field too
    response = web(process_owner).post(
        NEW,
        {
            "title": "T",
            "problem_statement": "P",
            "process": "incident",
            "owner": process_owner.pk,
            "priority": 3,
            "origin": "manual",
            "starts_on": "2026-05-01",
            "due_on": "2026-04-01",
            "evaluation_window_days": 28,
        },
    )
    assert 'id="id_due_on_errors"' in response.content.decode()
    assert "on or after the day it starts" in response.content.decode()


def test_it_lets_the_owner_and_the_csi_manager_edit(web, agent, process_owner, csi_manager):
    initiative = make_initiative(owner=process_owner)
    assert web(agent).get(url(initiative, "edit/")).status_code == 403
    assert web(csi_manager).get(url(initiative, "edit/")).status_code == 200
    response = web(process_owner).post(
        url(initiative, "edit/"),
        {
            "title": "Faster resolution, renamed",
            "problem_statement": initiative.problem_statement,
            "process": "incident",
            "owner": process_owner.pk,
            "priority": 1,
            "origin": "manual",
            "gate_mode": "strict",
            "evaluation_window_days": 42,
            "version": 1,
        },
    )
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert (initiative.title, initiative.priority, initiative.evaluation_window_days) == (
        "Faster resolution, renamed",
        1,
        42,
    )
    (updated,) = events(initiative, EventType.INITIATIVE_UPDATED)
    assert updated.changes["evaluation_window_days"] == {"old": 28, "new": 42}


def test_it_answers_404_for_a_missing_initiative(web, csi_manager):
    assert web(csi_manager).get("/improvement/999/").status_code == 404
    assert web(csi_manager).get("/improvement/999/edit/").status_code == 404
    assert web(csi_manager).post("/improvement/999/advance/").status_code == 404


# -- the page -------------------------------------------------------------------------------------


def test_it_forbids_requesters_the_page(web, requester, process_owner):
    initiative = make_initiative(owner=process_owner)
    assert web(requester).get(url(initiative)).status_code == 403


def test_it_shows_the_header_strip_gate_details_and_timeline(web, agent, csi_manager):
    email = make_service("Email", slug="email")
    goal = make_goal("Resolve incidents faster")
    initiative = make_initiative(
        owner=csi_manager,
        services=[email],
        goals=[goal],
        justification="Callers lose a day.",
        origin="review",
        origin_reference="PIR 2026-03",
    )
    walk_to_step(initiative, 3, actor=csi_manager)
    response = web(agent).get(url(initiative))
    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        initiative.reference,
        "Faster incident resolution",
        "Cycle 1",
        "Post-implementation review: PIR 2026-03",
        "Callers lose a day.",
        "Email",
        "Resolve incidents faster",
        "Gate of step 3",
        "Improvement step changed",
    ):
        assert text in page, text
    assert [item["state"] for item in response.context["strip"]] == [
        "done",
        "done",
        "current",
        "todo",
        "todo",
        "todo",
        "todo",
    ]
    assert f'href="/improvement/{initiative.pk}/step/5/"' in page


def test_it_links_the_cycles_to_each_other(web, agent, csi_manager):
    first = walk_to_step(make_initiative(owner=csi_manager), 7, actor=csi_manager)
    implement(first, actor=csi_manager)
    services.do_evaluate_initiative(first, actor=csi_manager)
    first.refresh_from_db()
    second = services.do_open_next_cycle(first, actor=csi_manager)
    assert f'href="/improvement/{second.pk}/"' in web(agent).get(url(first)).content.decode()
    page = web(agent).get(url(second)).content.decode()
    assert 'id="previous-cycle"' in page and f'href="/improvement/{first.pk}/"' in page
    assert "Cycle 2" in page


def test_it_shows_agents_the_gate_but_no_forms(web, agent, process_owner):
    initiative = ready(process_owner)
    page = web(agent).get(url(initiative)).content.decode()
    assert "Gate of step 1" in page
    assert 'id="advance-form"' not in page and "/edit/" not in page


def test_it_offers_the_owner_to_advance_when_the_gate_passes(web, process_owner):
    initiative = ready(process_owner)
    page = web(process_owner).get(url(initiative)).content.decode()
    assert 'id="advance-form"' in page and "Advance to step 2: What we can measure" in page


# -- advancing and returning ----------------------------------------------------------------------


def test_it_advances_a_step_whose_gate_passes(web, process_owner):
    initiative = ready(process_owner)
    response = web(process_owner).post(url(initiative, "advance/"))
    assert response.status_code == 302
    assert response["Location"] == f"/improvement/{initiative.pk}/step/2/"
    initiative.refresh_from_db()
    assert initiative.current_step == 2
    (moved,) = events(initiative, EventType.INITIATIVE_STEP_CHANGED)
    assert moved.actor == process_owner and moved.data["to"] == 2


def test_it_refuses_to_pass_a_strict_gate_and_says_what_is_missing(web, process_owner):
    initiative = make_initiative(owner=process_owner)
    response = web(process_owner).post(url(initiative, "advance/"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Step 1 (What we should measure) cannot pass yet." in page
    assert "Choose at least one KPI to measure" in page
    initiative.refresh_from_db()
    assert initiative.current_step == 1


def test_it_asks_for_a_reason_to_pass_an_advisory_gate(web, process_owner):
    initiative = make_initiative(owner=process_owner, gate_mode="advisory")
    page = web(process_owner).get(url(initiative)).content.decode()
    assert 'name="override_reason"' in page and "anyway" in page
    response = web(process_owner).post(url(initiative, "advance/"), {"override_reason": ""})
    assert 'id="id_override_reason_errors"' in response.content.decode()
    response = web(process_owner).post(
        url(initiative, "advance/"), {"override_reason": "The board wants figures now."}
    )
    assert response.status_code == 302
    (moved,) = events(initiative, EventType.INITIATIVE_STEP_CHANGED)
    assert moved.data["override_reason"] == "The board wants figures now."


def test_it_shows_a_failed_advance_on_the_step_page_it_came_from(web, process_owner):
    initiative = make_initiative(owner=process_owner)
    response = web(process_owner).post(url(initiative, "advance/"), {"from_step": 1})
    assert response.status_code == 200
    assert response.context["step"] == 1
    assert "cannot pass yet" in response.content.decode()


def test_it_returns_to_an_earlier_step_with_a_reason(web, csi_manager):
    initiative = walk_to_step(make_initiative(owner=csi_manager), 3, actor=csi_manager)
    response = web(csi_manager).post(url(initiative, "return/"), {"step": 1, "reason": ""})
    assert 'id="id_reason_errors"' in response.content.decode()
    response = web(csi_manager).post(
        url(initiative, "return/"), {"step": 1, "reason": "A KPI is missing."}
    )
    assert response["Location"] == f"/improvement/{initiative.pk}/step/1/"
    initiative.refresh_from_db()
    assert initiative.current_step == 1
    moved = events(initiative, EventType.INITIATIVE_STEP_CHANGED)[-1]
    assert moved.data["reason"] == "A KPI is missing."


def test_it_forbids_agents_to_move_someone_elses_initiative(web, agent, process_owner):
    initiative = ready(process_owner)
    assert web(agent).post(url(initiative, "advance/")).status_code == 403
    assert web(agent).post(url(initiative, "return/"), {"step": 1}).status_code == 403
    initiative.refresh_from_db()
    assert initiative.current_step == 1
    assert events(initiative, EventType.INITIATIVE_STEP_CHANGED) == []


def test_it_answers_405_to_a_get_of_a_move(web, process_owner):
    initiative = ready(process_owner)
    assert web(process_owner).get(url(initiative, "advance/")).status_code == 405
    assert web(process_owner).get(url(initiative, "return/")).status_code == 405


def test_it_hides_editing_on_a_closed_initiative(web, csi_manager):
    initiative = make_initiative(owner=csi_manager)
    Initiative.objects.filter(pk=initiative.pk).update(status=Status.STOPPED)
    page = web(csi_manager).get(url(initiative)).content.decode()
    assert "/edit/" not in page and 'id="advance-form"' not in page


def test_it_reads_the_page_in_a_constant_number_of_queries(web, agent, process_owner):
    """The initiative's services, goals and KPIs (custom ones too), its latest decision and
    evaluation and its timeline: one query per kind, however many of each."""
    initiative = make_initiative(owner=process_owner)
    names = []

    def add_rows():
        number = next(_numbers)
        names.append(f"Custom KPI {number}")
        person = make_user()
        goal = make_goal(f"Goal {number}")
        services.do_update_initiative(
            initiative,
            actor=person,
            goals=[*initiative.goals.all(), goal],
            services=[*initiative.services.all(), make_service(f"Service {number}")],
        )
        make_custom_kpi(key=f"custom.page-{number}", name=f"Custom KPI {number}")
        add_kpi(initiative, f"custom.page-{number}", actor=person, goal=goal, target=4)

    add_rows()
    client = web(agent)
    assert_constant_queries(
        "improvement", "initiative_page", lambda: client.get(url(initiative)), add_rows
    )
    page = client.get(url(initiative)).content.decode()
    assert len(names) == 2 and all(name in page for name in names)
