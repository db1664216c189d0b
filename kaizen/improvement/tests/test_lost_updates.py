"""No lost update in the improvement register, and the journal equals the data afterwards.

Two people edit the same initiative from the same read, changing *different* fields: the
second edit is refused (a version conflict: 409 in the API, the conflict said on the form,
which keeps the person's input), and the first one stays. An edit without a version (the
system's) applies to the stored row, never to a stale copy. Folding an initiative's journal
gives its stored fields (`kaizen journal verify`).
"""

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kaizen.improvement import services
from kaizen.improvement.models import Action, Gap, Initiative, InitiativeKPI, Status
from kaizen.improvement.services.base import OutputChanged
from kaizen.improvement.tests.helpers import (
    add_kpi,
    ensure_history,
    implement,
    make_goal,
    make_initiative,
    walk_to_step,
)
from kaizen.journal.tracking import VersionConflict
from kaizen.journal.verify import verify_journal
from kaizen.testing import make_service

pytestmark = pytest.mark.django_db


def fresh(initiative: Initiative) -> Initiative:
    return Initiative.objects.get(pk=initiative.pk)


def initiative_mismatches() -> list[str]:
    reports = {report.kind: report for report in verify_journal()}
    report = reports["improvement.initiative"]
    assert report.records >= 1
    return [str(mismatch) for mismatch in report.mismatches]


def test_a_stale_edit_of_another_field_is_refused_and_nothing_is_lost(process_owner):
    initiative = make_initiative(owner=process_owner)
    mine, theirs = fresh(initiative), fresh(initiative)
    services.do_update_initiative(mine, actor=process_owner, expected_version=1, priority=1)
    with pytest.raises(VersionConflict) as caught:
        services.do_update_initiative(
            theirs, actor=process_owner, expected_version=1, justification="Costs a day a week"
        )
    assert caught.value.current_version == 2
    assert f"{initiative.reference} was changed by {process_owner}" in str(caught.value)
    assert "version 2, you had version 1" in str(caught.value)
    stored = fresh(initiative)
    assert (stored.priority, stored.justification, stored.version) == (1, "", 2)
    assert initiative_mismatches() == []


def test_an_edit_without_a_version_applies_to_the_stored_row(process_owner):
    initiative = make_initiative(owner=process_owner)
    mine, theirs = fresh(initiative), fresh(initiative)
    services.do_update_initiative(mine, actor=None, priority=1)
    returned = services.do_update_initiative(theirs, actor=None, justification="Costs a day")
    stored = fresh(initiative)
    assert (stored.priority, stored.justification, stored.version) == (1, "Costs a day", 3)
    # The caller's copy shows what was saved, the other edit included.
    assert (returned.priority, returned.version) == (1, 3)
    assert initiative_mismatches() == []


def test_the_edit_writes_only_the_changed_columns(process_owner):
    initiative = make_initiative(owner=process_owner)
    table = Initiative._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        services.do_update_initiative(
            fresh(initiative), actor=None, expected_version=1, justification="Costs a day"
        )
    updates = [q["sql"] for q in queries if q["sql"].startswith(f'UPDATE "{table}" SET')]
    assert len(updates) == 1
    assigned = updates[0].split(" SET ", 1)[1].split(" WHERE ", 1)[0]
    assert set(re.findall(r'"(\w+)" = ', assigned)) == {"justification", "version", "updated_at"}


def test_a_step_moved_since_the_read_is_a_conflict_too(process_owner):
    """Moving a step (or a decision, the evaluation window, the evaluation) changes the
    initiative: an edit read before it is told."""
    initiative = make_initiative(owner=process_owner)
    walk_to_step(initiative, 2, actor=process_owner)
    stale = fresh(initiative)
    services.do_return_to_step(fresh(initiative), 1, actor=process_owner, reason="Wrong KPI")
    with pytest.raises(VersionConflict):
        services.do_update_initiative(
            stale, actor=process_owner, expected_version=stale.version, priority=1
        )
    stored = fresh(initiative)
    assert (stored.current_step, stored.priority, stored.version) == (1, 3, stale.version + 1)


def test_two_api_edits_of_different_fields_from_the_same_read(api, process_owner, csi_manager):
    initiative = make_initiative(owner=process_owner)
    url = f"/api/v1/initiatives/{initiative.pk}/"
    read = api(process_owner).get(url).json()["version"]
    first = api(process_owner).patch(url, {"priority": 1, "version": read}, format="json")
    assert first.status_code == 200 and first.json()["version"] == read + 1
    second = api(csi_manager).patch(
        url, {"expected_benefit": "Half the waiting", "version": read}, format="json"
    )
    assert second.status_code == 409, second.content
    assert second.json()["current_version"] == read + 1
    assert "you had version 1" in second.json()["detail"]
    stored = fresh(initiative)
    assert (stored.priority, stored.expected_benefit) == (1, "")
    # Read again, the second person applies their change on top of the first.
    again = api(csi_manager).patch(
        url, {"expected_benefit": "Half the waiting", "version": read + 1}, format="json"
    )
    assert again.status_code == 200
    stored = fresh(initiative)
    assert (stored.priority, stored.expected_benefit, stored.version) == (1, "Half the waiting", 3)
    assert initiative_mismatches() == []


def test_an_api_edit_without_a_version_is_refused(api, process_owner):
    initiative = make_initiative(owner=process_owner)
    response = api(process_owner).patch(
        f"/api/v1/initiatives/{initiative.pk}/", {"priority": 1}, format="json"
    )
    assert response.status_code == 400 and "version" in response.json()
    assert fresh(initiative).priority == 3


def form_data(initiative: Initiative, **changed) -> dict:
    return {
        "title": initiative.title,
        "problem_statement": initiative.problem_statement,
        "justification": initiative.justification,
        "expected_benefit": initiative.expected_benefit,
        "process": initiative.process,
        "owner": initiative.owner_id,
        "priority": initiative.priority,
        "origin": initiative.origin,
        "gate_mode": initiative.gate_mode,
        "evaluation_window_days": initiative.evaluation_window_days,
        "version": initiative.version,
        **changed,
    }


def test_two_form_edits_from_the_same_read_the_second_is_told_and_keeps_its_input(
    client, web, process_owner, csi_manager
):
    initiative = make_initiative(owner=process_owner)
    edit = f"/improvement/{initiative.pk}/edit/"
    page = web(process_owner).get(edit).content.decode()
    assert re.search(r'<input type="hidden" name="version" value="1"', page)
    read = fresh(initiative)
    assert web(process_owner).post(edit, form_data(read, priority=1)).status_code == 302
    response = web(csi_manager).post(edit, form_data(read, justification="Costs a day a week"))
    assert response.status_code == 409
    page = html.unescape(response.content.decode())
    assert f"{initiative.reference} was changed by {process_owner}" in page
    assert "Your input is kept below: save again to apply it." in page
    assert "Costs a day a week" in page  # the person's input, kept
    assert re.search(r'name="version" value="2"', page)  # saving again is deliberate
    stored = fresh(initiative)
    assert (stored.priority, stored.justification, stored.version) == (1, "", 2)
    # Saving again (the form now carries version 2) applies it on top of the first edit.
    resubmitted = form_data(stored, justification="Costs a day a week")
    assert web(csi_manager).post(edit, resubmitted).status_code == 302
    stored = fresh(initiative)
    assert (stored.priority, stored.justification, stored.version) == (1, "Costs a day a week", 3)
    assert initiative_mismatches() == []


def test_the_journal_of_initiatives_equals_their_data_through_every_step(process_owner):
    """Edits, steps, a decision, actions opening the evaluation window, the evaluation and
    the next cycle: folding each initiative's events gives its stored fields."""
    ensure_history()
    initiative = make_initiative(owner=process_owner, goals=[make_goal()])
    services.do_update_initiative(
        initiative, actor=process_owner, services=[make_service("Email")], due_on=None
    )
    add_kpi(initiative, target=15, warning=None)
    walk_to_step(initiative, 7, actor=process_owner)
    services.do_update_initiative(initiative, actor=process_owner, evaluation_window_days=28)
    implement(initiative, actor=process_owner)
    assert initiative.status == Status.EVALUATING
    services.do_evaluate_initiative(initiative, actor=process_owner, today=dt.date(2026, 5, 4))
    following = services.do_open_next_cycle(initiative, actor=process_owner)
    services.do_update_initiative(following, actor=process_owner, goals=[])
    assert initiative_mismatches() == []
    # And a change the journal does not hold is found.
    Initiative.objects.filter(pk=following.pk).update(priority=1)
    (mismatch,) = initiative_mismatches()
    assert mismatch.startswith(f"improvement.initiative {following.title} (id {following.pk})")
    assert mismatch.endswith(": priority: journal Priority.MEDIUM, stored 1")


# -- corrective actions -------------------------------------------------------------------------


@pytest.fixture
def action(process_owner, agent):
    initiative = walk_to_step(make_initiative(owner=process_owner), 7, actor=process_owner)
    return services.do_create_action(
        initiative,
        actor=process_owner,
        title="Route network incidents to the network team",
        owner=agent,
        due_on=dt.date(2026, 4, 10),
    )


def fresh_action(action: Action) -> Action:
    return Action.objects.select_related("initiative").get(pk=action.pk)


def test_a_stale_edit_of_an_action_is_refused_and_nothing_is_lost(action, agent, process_owner):
    mine, theirs = fresh_action(action), fresh_action(action)
    services.do_update_action(mine, actor=agent, expected_version=1, status="in_progress")
    with pytest.raises(OutputChanged) as caught:
        services.do_update_action(
            theirs, actor=process_owner, expected_version=1, description="Ask the desk first"
        )
    assert caught.value.current_version == 2
    assert f"was changed by {agent}" in str(caught.value)
    stored = fresh_action(action)
    assert (stored.status, stored.description, stored.version) == ("in_progress", "", 2)


def test_an_action_edit_without_a_version_applies_to_the_stored_row(action, process_owner):
    mine, theirs = fresh_action(action), fresh_action(action)
    services.do_update_action(mine, actor=None, status="in_progress")
    returned = services.do_update_action(theirs, actor=None, description="Ask the desk first")
    stored = fresh_action(action)
    assert (stored.status, stored.description, stored.version) == (
        "in_progress",
        "Ask the desk first",
        3,
    )
    assert (returned.status, returned.version) == ("in_progress", 3)


def test_an_action_edit_writes_only_the_changed_columns(action):
    table = Action._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        services.do_update_action(
            fresh_action(action), actor=None, expected_version=1, description="Ask first"
        )
    updates = [q["sql"] for q in queries if q["sql"].startswith(f'UPDATE "{table}" SET')]
    assert len(updates) == 1
    assigned = updates[0].split(" SET ", 1)[1].split(" WHERE ", 1)[0]
    assert set(re.findall(r'"(\w+)" = ', assigned)) == {"description", "version", "updated_at"}


def test_two_api_edits_of_an_action_from_the_same_read(api, action, agent, process_owner):
    url = f"/api/v1/actions/{action.pk}/"
    read = api(agent).get(url).json()["version"]
    first = api(agent).patch(url, {"status": "in_progress", "version": read}, format="json")
    assert first.status_code == 200, first.content
    second = api(process_owner).patch(url, {"due_on": "2026-04-20", "version": read}, format="json")
    assert second.status_code == 409, second.content
    assert second.json()["current_version"] == read + 1
    stored = fresh_action(action)
    assert (stored.status, stored.due_on) == ("in_progress", dt.date(2026, 4, 10))


def test_two_form_edits_of_an_action_the_second_is_told_and_keeps_its_input(
    web, action, agent, process_owner
):
    edit = f"/improvement/{action.initiative_id}/actions/{action.pk}/"
    progress = {"status": "in_progress", "done_on": "", "change_reference": "", "version": 1}
    assert web(agent).post(edit, progress).status_code == 302
    whole = {
        "title": action.title,
        "description": "Ask the desk first",
        "owner": agent.pk,
        "due_on": "2026-04-10",
        "change_reference": "",
        "status": "open",
        "done_on": "",
        "version": 1,
    }
    response = web(process_owner).post(edit, whole)
    assert response.status_code == 409
    page = html.unescape(response.content.decode())
    assert f"was changed by {agent}" in page and "Your input is kept below" in page
    assert "Ask the desk first" in page
    assert re.search(r'name="version" value="2"', page)
    stored = fresh_action(action)
    assert (stored.status, stored.description) == ("in_progress", "")


# -- an initiative's KPIs -----------------------------------------------------------------------


@pytest.fixture
def ikpi(process_owner):
    return add_kpi(make_initiative(owner=process_owner), target=12, warning=16)


def fresh_kpi(ikpi: InitiativeKPI) -> InitiativeKPI:
    return InitiativeKPI.objects.select_related("initiative").get(pk=ikpi.pk)


def test_a_stale_edit_of_a_kpi_is_refused_and_nothing_is_lost(ikpi, process_owner):
    mine, theirs = fresh_kpi(ikpi), fresh_kpi(ikpi)
    version = mine.version
    services.do_update_initiative_kpi(
        mine, actor=process_owner, expected_version=version, target=10
    )
    with pytest.raises(OutputChanged) as caught:
        services.do_update_initiative_kpi(
            theirs, actor=process_owner, expected_version=version, schedule="daily"
        )
    assert caught.value.current_version == version + 1
    assert f"was changed by {process_owner}" in str(caught.value)
    stored = fresh_kpi(ikpi)
    assert (stored.target, stored.schedule, stored.version) == (10, "", version + 1)


def test_a_kpi_edit_without_a_version_applies_to_the_stored_row(ikpi):
    mine, theirs = fresh_kpi(ikpi), fresh_kpi(ikpi)
    services.do_update_initiative_kpi(mine, actor=None, target=10)
    returned = services.do_update_initiative_kpi(theirs, actor=None, schedule="daily")
    stored = fresh_kpi(ikpi)
    assert (stored.target, stored.schedule) == (10, "daily")
    assert (returned.target, returned.version) == (10, stored.version)


def test_two_api_edits_of_a_kpi_from_the_same_read(api, ikpi, process_owner, csi_manager):
    url = f"/api/v1/initiative-kpis/{ikpi.pk}/"
    read = api(process_owner).get(url).json()["version"]
    first = api(process_owner).patch(url, {"target": 10, "version": read}, format="json")
    assert first.status_code == 200, first.content
    second = api(csi_manager).patch(url, {"schedule": "daily", "version": read}, format="json")
    assert second.status_code == 409, second.content
    assert second.json()["current_version"] == read + 1
    stored = fresh_kpi(ikpi)
    assert (stored.target, stored.schedule) == (10, "")


def test_two_form_edits_of_a_kpi_on_a_step_page_the_second_is_told(web, process_owner, csi_manager):
    initiative = walk_to_step(make_initiative(owner=process_owner), 3, actor=process_owner)
    kpi = initiative.kpis.get()
    step_3 = f"/improvement/{initiative.pk}/step/3/"
    page = web(process_owner).get(step_3).content.decode()
    read = re.search(rf'name="kpi{kpi.pk}-version" value="(\d+)"', page)
    assert read, "the step page's KPI form carries the version read"
    edit = f"/improvement/{initiative.pk}/kpis/{kpi.pk}/"
    prefix = f"kpi{kpi.pk}"
    first = {
        "section": "collection",
        f"{prefix}-source_description": "The incident journal",
        f"{prefix}-schedule": kpi.schedule,
        f"{prefix}-version": read.group(1),
    }
    assert web(process_owner).post(edit, first).status_code == 302
    second = {
        **first,
        f"{prefix}-source_description": kpi.source_description,
        f"{prefix}-schedule": "weekly",
    }
    response = web(csi_manager).post(edit, second)
    assert response.status_code == 409
    page = html.unescape(response.content.decode())
    assert f"was changed by {process_owner}" in page and "Your input is kept below" in page
    stored = fresh_kpi(kpi)
    assert (stored.source_description, stored.schedule) == ("The incident journal", kpi.schedule)


# -- measurement gaps (step 2) ------------------------------------------------------------------


@pytest.fixture
def gap(process_owner):
    initiative = walk_to_step(make_initiative(owner=process_owner), 2, actor=process_owner)
    return Gap.objects.create(
        initiative=initiative, kpi_key="incident.opened", code="small_samples", description="Few"
    )


def test_a_stale_edit_of_a_gap_is_refused_and_nothing_is_lost(gap, process_owner, agent):
    mine, theirs = Gap.objects.get(pk=gap.pk), Gap.objects.get(pk=gap.pk)
    services.do_update_gap(mine, actor=process_owner, expected_version=1, owner=agent)
    with pytest.raises(OutputChanged) as caught:
        services.do_update_gap(
            theirs, actor=process_owner, expected_version=1, action="Record categories"
        )
    assert caught.value.current_version == 2
    stored = Gap.objects.get(pk=gap.pk)
    assert (stored.owner, stored.action, stored.version) == (agent, "", 2)


def test_two_api_edits_of_a_gap_from_the_same_read(api, gap, process_owner, csi_manager, agent):
    url = f"/api/v1/gaps/{gap.pk}/"
    first = api(process_owner).patch(url, {"owner": agent.pk, "version": 1}, format="json")
    assert first.status_code == 200, first.content
    second = api(csi_manager).patch(url, {"status": "accepted", "version": 1}, format="json")
    assert second.status_code == 409 and second.json()["current_version"] == 2
    stored = Gap.objects.get(pk=gap.pk)
    assert (stored.owner, stored.status) == (agent, "open")


def test_a_stale_gap_form_is_told_and_keeps_its_input(web, gap, process_owner, csi_manager):
    edit = f"/improvement/{gap.initiative_id}/gaps/{gap.pk}/"
    prefix = f"gap{gap.pk}"
    base = {f"{prefix}-action": "", f"{prefix}-owner": "", f"{prefix}-status": "open"}
    first = {**base, f"{prefix}-status": "accepted", f"{prefix}-version": 1}
    assert web(process_owner).post(edit, first).status_code == 302
    second = {**base, f"{prefix}-action": "Record categories", f"{prefix}-version": 1}
    response = web(csi_manager).post(edit, second)
    assert response.status_code == 409
    page = html.unescape(response.content.decode())
    assert "was changed by" in page and "Record categories" in page
    stored = Gap.objects.get(pk=gap.pk)
    assert (stored.status, stored.action) == ("accepted", "")
