"""Requests, approvals and tasks over /api/v1/: submit with answers checked against the form
(errors keyed by answer key), who sees which requests, the moves per role, my requests,
approval decisions and task actions."""

import pytest

from kaizen.people.models import UserKind
from kaizen.requests.models import ServiceRequest, State, TaskState
from kaizen.requests.services import approvals as approval_services
from kaizen.requests.services import tasks as task_services
from kaizen.requests.tests.factories import LAPTOP_FORM, make_request, make_request_type
from kaizen.testing import make_team, make_user

pytestmark = pytest.mark.django_db
URL = "/api/v1/requests/"
TASKS = "/api/v1/request-tasks/"
APPROVALS = "/api/v1/request-approvals/"

needs_task_services = pytest.mark.skipif(
    not hasattr(task_services, "do_start_task"),
    reason="the task services (do_start_task, ...) are being written by the TASKS helper",
)
needs_decide = pytest.mark.skipif(
    not hasattr(approval_services, "do_decide"),
    reason="approvals.do_decide is being written by the APPROVALS helper",
)


def test_a_requester_submits_and_the_answers_are_checked_by_key(api, requester):
    laptop = make_request_type(form=LAPTOP_FORM)
    client = api(requester)
    response = client.post(
        URL,
        {"request_type": laptop.pk, "answers": {"model": "Developer 16-inch"}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"answers": {"reason": ["this field is required"]}}
    response = client.post(
        URL, {"request_type": laptop.pk, "answers": {"colour": "red"}}, format="json"
    )
    assert response.json() == {
        "answers": {
            "colour": ["this form has no such field"],
            "model": ["this field is required"],
        }
    }
    response = client.post(
        URL,
        {
            "request_type": laptop.pk,
            "answers": {
                "model": "Developer 16-inch",
                "reason": "Builds",
                "needed_by": "2026-03-09",
            },
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == State.APPROVED  # no approval steps: approved at once
    assert body["requested_for"] == body["requested_by"] == requester.pk
    assert body["form_version"] == 1
    assert [(line["label"], line["text"]) for line in body["answers_described"]] == [
        ("Model", "Developer 16-inch"),
        ("Why do you need the larger model?", "Builds"),
        ("Needed by", "9 Mar 2026"),
    ]
    assert ServiceRequest.objects.get().channel == "api"
    assert client.post(URL, {"request_type": 999999}, format="json").status_code == 400


def test_only_agents_request_on_someone_s_behalf(api, requester, agent):
    laptop = make_request_type()
    colleague = make_user(kind=UserKind.REQUESTER)
    response = api(requester).post(
        URL, {"request_type": laptop.pk, "requested_for": colleague.pk}, format="json"
    )
    assert response.status_code == 400 and "requested_for" in response.json()
    response = api(agent).post(
        URL, {"request_type": laptop.pk, "requested_for": colleague.pk}, format="json"
    )
    assert response.status_code == 201
    assert (response.json()["requested_for"], response.json()["requested_by"]) == (
        colleague.pk,
        agent.pk,
    )
    # The colleague sees it (it is for them) and so does the agent who made it.
    numbers = [row["number"] for row in api(colleague).get(URL).json()["results"]]
    assert numbers == [response.json()["number"]]
    mine = api(agent).get(f"{URL}mine/").json()["results"]
    assert [row["number"] for row in mine] == numbers


def test_a_requester_sees_only_their_requests(api, requester, agent):
    laptop = make_request_type()
    own = make_request(laptop, requester)
    other = make_request(laptop, make_user(kind=UserKind.REQUESTER))
    assert api().get(URL).status_code == 401
    rows = api(requester).get(URL).json()["results"]
    assert [row["number"] for row in rows] == [own.number]
    assert api(requester).get(f"{URL}{other.number}/").status_code == 404
    assert api(requester).get(f"{URL}{own.number}/").status_code == 200
    assert {row["number"] for row in api(agent).get(URL).json()["results"]} == {
        own.number,
        other.number,
    }
    filtered = api(agent).get(URL, {"requested_for": requester.pk}).json()["results"]
    assert [row["number"] for row in filtered] == [own.number]
    assert api(agent).get(URL, {"state": "open"}).json()["count"] == 2
    assert api(agent).get(URL, {"state": "fulfilled"}).json()["count"] == 0


def test_the_moves_per_role(api, requester, agent):
    laptop = make_request_type()
    request = make_request(laptop, requester)
    url = f"{URL}{request.number}/"
    client = api(requester)
    assert client.post(f"{url}fulfil/", {}, format="json").status_code == 403
    held = client.post(f"{url}hold/", {"reason": "awaiting_stock"}, format="json")
    assert held.status_code == 403
    stranger = api(make_user(kind=UserKind.REQUESTER))
    assert stranger.post(f"{url}cancel/", {}, format="json").status_code == 404
    desk = api(agent)
    bad = desk.post(f"{url}hold/", {"reason": "lunch"}, format="json")
    assert bad.status_code == 400 and "hold_reason" in bad.json()
    held = desk.post(f"{url}hold/", {"reason": "awaiting_stock"}, format="json")
    assert held.status_code == 200 and held.json()["state"] == State.ON_HOLD
    assert desk.post(f"{url}resume/", {}, format="json").json()["state"] == State.APPROVED
    missing = desk.post(f"{url}fail/", {}, format="json")
    assert missing.status_code == 400 and "failure_reason" in missing.json()
    fulfilled = desk.post(f"{url}fulfil/", {}, format="json")
    assert fulfilled.json()["state"] == State.FULFILLED
    # Too late to cancel a fulfilled request: a 409 saying so.
    late = client.post(f"{url}cancel/", {}, format="json")
    assert late.status_code == 409
    version = fulfilled.json()["version"]
    stale = desk.post(f"{url}close/", {"version": version - 1}, format="json")
    assert stale.status_code == 409
    closed = desk.post(f"{url}close/", {"version": version}, format="json")
    assert closed.json()["state"] == State.CLOSED
    assert closed.json()["allowed_transitions"] == []


def test_the_requester_cancels_and_comments(api, requester, agent):
    request = make_request(make_request_type(), requester)
    url = f"{URL}{request.number}/"
    client = api(requester)
    said = client.post(f"{url}comment/", {"body": "Any news?"}, format="json")
    assert said.status_code == 201
    note = client.post(f"{url}comment/", {"body": "x", "is_work_note": True}, format="json")
    assert note.status_code == 403
    api(agent).post(f"{url}comments/", {"body": "Stock Tuesday", "is_work_note": True})
    assert [row["body"] for row in client.get(f"{url}comments/").json()] == ["Any news?"]
    assert len(api(agent).get(f"{url}comments/").json()) == 2
    cancelled = client.post(f"{url}cancel/", {"reason": "found one"}, format="json")
    assert cancelled.status_code == 200
    assert cancelled.json()["state"] == State.CANCELLED
    assert cancelled.json()["cancellation_reason"] == "found one"


def test_an_agent_assigns_with_the_version(api, requester, agent):
    desk = make_team("Desk", members=[agent])
    request = make_request(make_request_type(fulfilment_group=desk), requester)
    url = f"{URL}{request.number}/"
    assert api(requester).patch(url, {"assignee": agent.pk, "version": 1}).status_code == 403
    response = api(agent).patch(url, {"assignee": agent.pk}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["version"]
    version = api(agent).get(url).json()["version"]
    outsider = make_user()
    response = api(agent).patch(url, {"assignee": outsider.pk, "version": version}, format="json")
    assert response.status_code == 400 and "assignee" in response.json()
    response = api(agent).patch(url, {"assignee": agent.pk, "version": version}, format="json")
    assert response.status_code == 200 and response.json()["assignee"] == agent.pk
    assert response.json()["assignment_group"] == "desk"


def test_tasks_are_read_by_agents_and_shown_on_the_request(api, requester, agent):
    stores = make_team("Stores")
    laptop = make_request_type(
        tasks=[
            {"position": 1, "title": "Take from stock", "team": stores.pk},
            {"position": 2, "title": "Image it", "team": stores.pk},
        ]
    )
    request = make_request(laptop, requester)
    assert api(requester).get(TASKS).status_code == 403
    rows = api(agent).get(TASKS, {"assignment_group": "stores", "state": "open"}).json()
    assert [row["title"] for row in rows["results"]] == ["Take from stock"]
    assert api(agent).get(TASKS, {"state": "unfinished"}).json()["count"] == 2
    detail = api(requester).get(f"{URL}{request.number}/").json()
    assert [(task["title"], task["state"]) for task in detail["tasks"]] == [
        ("Take from stock", TaskState.OPEN),
        ("Image it", TaskState.WAITING),
    ]


@needs_task_services
def test_task_actions_move_the_task_and_the_request(api, requester):
    worker = make_user("wanda")
    stores = make_team("Stores", members=[worker])
    request = make_request(
        make_request_type(tasks=[{"title": "Hand it over", "team": stores.pk}]), requester
    )
    task = request.tasks.get()
    client = api(worker)
    url = f"{TASKS}{task.number}/"
    assigned = client.patch(url, {"assignee": worker.pk, "version": task.version}, format="json")
    assert assigned.status_code == 200 and assigned.json()["assignee"] == worker.pk
    assert client.post(f"{url}start/", {}, format="json").json()["state"] == TaskState.IN_PROGRESS
    held = client.post(f"{url}hold/", {"reason": "awaiting_stock"}, format="json")
    assert held.json()["state"] == TaskState.ON_HOLD
    assert client.post(f"{url}resume/", {}, format="json").status_code == 200
    done = client.post(f"{url}complete/", {"note": "Given at desk"}, format="json")
    assert done.json()["state"] == TaskState.DONE
    request.refresh_from_db()
    assert request.state == State.FULFILLED


@needs_task_services
def test_a_failed_task_fails_the_request(api, requester, agent):
    stores = make_team("Stores", members=[agent])
    request = make_request(
        make_request_type(tasks=[{"title": "Hand it over", "team": stores.pk}]), requester
    )
    url = f"{TASKS}{request.tasks.get().number}/"
    failed = api(agent).post(f"{url}fail/", {"reason": "Model discontinued"}, format="json")
    assert failed.status_code == 200
    request.refresh_from_db()
    assert request.state == State.FAILED


def test_an_approver_reads_their_inbox_and_a_requester_cannot_decide(api, requester):
    boss = make_user("boss")
    requester.manager = boss
    requester.save(update_fields=["manager"])
    laptop = make_request_type(
        steps=[{"name": "Line manager", "approver_source": "requester_manager"}]
    )
    request = make_request(laptop, requester)
    assert request.state == State.AWAITING_APPROVAL
    inbox = api(boss).get(APPROVALS, {"state": "pending"}).json()["results"]
    assert [(row["request"], row["name"]) for row in inbox] == [(request.number, "Line manager")]
    assert [vote["approver"] for vote in inbox[0]["votes"]] == [boss.pk]
    # The approver reads the request they are asked about, though it is not theirs.
    assert api(boss).get(f"{URL}{request.number}/").status_code == 200
    assert api(requester).get(APPROVALS).json()["count"] == 0
    step_url = f"{APPROVALS}{inbox[0]['id']}/decide/"
    refused = api(requester).post(step_url, {"decision": "approve"}, format="json")
    assert refused.status_code == 404
    bad = api(boss).post(step_url, {"decision": "maybe"}, format="json")
    assert bad.status_code == 400 and "decision" in bad.json()


@needs_decide
def test_the_manager_approves_and_the_request_moves_on(api, requester):
    boss = make_user("boss")
    requester.manager = boss
    requester.save(update_fields=["manager"])
    laptop = make_request_type(
        steps=[{"name": "Line manager", "approver_source": "requester_manager"}]
    )
    request = make_request(laptop, requester)
    step = request.approvals.get()
    response = api(boss).post(
        f"{APPROVALS}{step.pk}/decide/", {"decision": "approve", "comment": "ok"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "approved"
    request.refresh_from_db()
    assert request.state == State.APPROVED


@pytest.mark.parametrize("url", [URL, TASKS, APPROVALS])
def test_lists_take_the_same_queries_whatever_the_number_of_rows(api, agent, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    boss = make_user("boss")
    stores = make_team("Stores", members=[agent])
    laptop = make_request_type(
        steps=[{"name": "Line manager", "approver_source": "requester_manager"}]
    )
    monitor = make_request_type(name="Monitor", tasks=[{"title": "Give", "team": stores.pk}])

    def add_requests():
        requester = make_user(kind=UserKind.REQUESTER, manager=boss)
        make_request(laptop, requester)
        make_request(monitor, requester)

    add_requests()
    client = api(agent)
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured.captured_queries))
        add_requests()
    assert counts[0] == counts[1]
