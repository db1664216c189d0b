"""The fulfilment queue and a task's page per role: who sees and does what, what an agent
reads, the errors a refused action names, and the queries each page costs."""

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from kaizen.people.models import UserKind
from kaizen.requests.lead_time import breakdown
from kaizen.requests.models import FulfilmentTask, State, TaskState
from kaizen.requests.services.tasks import do_add_task_note, do_start_task
from kaizen.requests.task_selectors import tasks_of
from kaizen.requests.tests.factories import LAPTOP_FORM, make_request, make_request_type
from kaizen.testing import assert_constant_queries, make_team, make_user

pytestmark = pytest.mark.django_db
QUEUE = "/requests/tasks/"


@pytest.fixture
def desk(agent):
    return make_team("Desk", members=[agent])


@pytest.fixture
def stores():
    return make_team("Stores", members=[make_user("sam", first_name="Sam")])


def order(desk, stores, *, title="New laptop", answers=None):
    """A laptop request: stores take it from stock (open), the desk images it (waiting)."""
    request_type = make_request_type(
        name=title,
        form=LAPTOP_FORM,
        tasks=[
            {"position": 1, "title": "Take from stock", "team": stores.pk},
            {"position": 2, "title": "Image it", "team": desk.pk},
        ],
    )
    requester = make_user(kind=UserKind.REQUESTER, first_name="Rita")
    request = make_request(request_type, requester, answers or {"model": "Standard 14-inch"})
    return request, list(request.tasks.order_by("position"))


def test_requesters_and_strangers_see_no_tasks(client, requester, desk, stores):
    _, (stock, _) = order(desk, stores)
    response = client.get(QUEUE)
    assert response.status_code == 302 and "/login" in response["Location"]
    client.force_login(requester)
    assert client.get(QUEUE).status_code == 403
    assert client.get(stock.get_absolute_url()).status_code == 403
    response = client.post(f"{stock.get_absolute_url()}start/", {"version": 1})
    assert response.status_code == 403
    assert FulfilmentTask.objects.get(pk=stock.pk).state == TaskState.OPEN


def test_the_queue_shows_the_tasks_to_work_nearest_due_first(client, agent, desk, stores):
    _, (stock, image) = order(desk, stores)
    _, (later_stock, _) = order(desk, stores)
    now = timezone.now()
    FulfilmentTask.objects.filter(pk=stock.pk).update(sla_due_at=now + dt.timedelta(hours=5))
    FulfilmentTask.objects.filter(pk=later_stock.pk).update(
        sla_due_at=now + dt.timedelta(hours=1), sla_state="warning"
    )
    client.force_login(agent)
    html = client.get(QUEUE).content.decode()
    # Waiting tasks are not to be worked yet: only the two open ones, the nearest due first.
    assert image.number not in html
    assert html.index(later_stock.number) < html.index(stock.number)
    assert "for Rita" in html
    waiting = client.get(QUEUE, {"state": "waiting"}).content.decode()
    assert image.number in waiting and stock.number not in waiting
    assert "Waiting for earlier tasks" in waiting
    warned = client.get(QUEUE, {"sla": "warning"}).content.decode()
    assert later_stock.number in warned and stock.number not in warned


def test_the_queue_filters_my_tasks_and_my_teams(client, agent, desk, stores):
    _, (stock, image) = order(desk, stores)
    client.force_login(agent)
    teams = client.get(QUEUE, {"scope": "my_teams", "state": "any"}).content.decode()
    assert image.number in teams and stock.number not in teams  # the agent is on the desk
    assert stock.number not in client.get(QUEUE, {"scope": "mine"}).content.decode()
    sam = stores.members.get()
    do_start_task(stock, actor=sam)  # taken by whoever starts it
    client.force_login(sam)
    assert stock.number in client.get(QUEUE, {"scope": "mine"}).content.decode()
    by_team = client.get(QUEUE, {"team": "stores"}).content.decode()
    assert stock.number in by_team and image.number not in by_team
    bad = client.get(QUEUE, {"state": "sleeping"})
    assert bad.status_code == 200 and "Select a valid choice" in bad.content.decode()


def test_the_queue_costs_the_same_queries_however_many_tasks(client, agent, desk, stores):
    order(desk, stores)
    client.force_login(agent)
    assert_constant_queries(
        "requests",
        "task_queue",
        lambda: client.get(QUEUE, {"state": "any"}),
        lambda: [order(desk, stores) for _ in range(3)],
    )


def test_the_task_page_shows_the_request_its_clocks_and_notes(client, agent, desk, stores):
    request, (stock, image) = order(
        desk, stores, answers={"model": "Developer 16-inch", "reason": "Builds"}
    )
    do_add_task_note(stock, "Checked the shelf", actor=agent)
    client.force_login(agent)
    html = client.get(stock.get_absolute_url()).content.decode()
    assert request.number in html and "Rita" in html
    assert "Developer 16-inch" in html and "Builds" in html  # the form's answers
    assert "Checked the shelf" in html
    assert 'id="sla-clocks"' in html and "No SLA applies to this task." in html
    assert image.number in html  # the request's other tasks
    assert f"/requests/tasks/{stock.number}/start/" in html
    assert f"/requests/tasks/{stock.number}/complete/" in html


def test_an_agent_works_a_task_from_its_page(client, agent, desk, stores):
    request, (stock, image) = order(desk, stores)
    sam = stores.members.get()
    client.force_login(sam)
    url = stock.get_absolute_url()
    response = client.post(f"{url}start/", {"version": 1})
    assert response.status_code == 302 and response["Location"] == url
    stock.refresh_from_db()
    assert (stock.state, stock.assignee) == (TaskState.IN_PROGRESS, sam)
    response = client.post(f"{url}hold/", {"version": stock.version, "hold_reason": "lunch"})
    assert response.status_code == 400 and "hold_reason_errors" in response.content.decode()
    response = client.post(f"{url}complete/", {"version": stock.version, "note": "From shelf B"})
    assert response.status_code == 302
    image.refresh_from_db()
    assert image.state == TaskState.OPEN
    client.force_login(agent)
    response = client.post(f"{image.get_absolute_url()}fail/", {"version": image.version})
    assert response.status_code == 400 and "reason_errors" in response.content.decode()
    response = client.post(
        f"{image.get_absolute_url()}fail/", {"version": image.version, "reason": "Broken"}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.state, request.failure_reason) == (State.FAILED, "Image it: Broken")


def test_a_stale_or_refused_action_says_why(client, agent, desk, stores):
    _, (stock, image) = order(desk, stores)
    client.force_login(agent)
    response = client.post(f"{stock.get_absolute_url()}start/", {"version": 7})
    assert response.status_code == 409
    assert "while you were working on it" in response.content.decode()
    response = client.post(f"{image.get_absolute_url()}start/", {"version": 1})
    assert response.status_code == 409
    assert "it cannot become in progress from there" in response.content.decode()
    assert client.post(f"{image.get_absolute_url()}dance/", {}).status_code == 404


def test_assigning_names_the_refused_assignee_and_notes_are_added(client, agent, desk, stores):
    _, (stock, _) = order(desk, stores)
    client.force_login(agent)
    url = stock.get_absolute_url()
    response = client.post(
        f"{url}assign/", {"version": 1, "assignment_group": stores.pk, "assignee": agent.pk}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "assignee_errors" in html and "is not a member of Stores" in html
    response = client.post(
        f"{url}assign/", {"version": 1, "assignment_group": desk.pk, "assignee": agent.pk}
    )
    assert response.status_code == 302
    stock.refresh_from_db()
    assert (stock.assignment_group, stock.assignee) == (desk, agent)
    assert client.post(f"{url}note/", {"note": "  "}).status_code == 400
    response = client.post(f"{url}note/", {"note": "Asked stores"})
    assert response.status_code == 302 and response["Location"].endswith("#notes")


def test_the_task_page_costs_the_same_queries_however_many_notes(client, agent, desk, stores):
    _, (stock, _) = order(desk, stores)
    client.force_login(agent)
    assert_constant_queries(
        "requests",
        "task_detail",
        lambda: client.get(stock.get_absolute_url()),
        lambda: [do_add_task_note(stock, f"Note {n}", actor=agent) for n in range(3)],
    )


def test_the_request_page_partials(agent, desk, stores, rf):
    request, (stock, image) = order(desk, stores)
    do_start_task(stock, actor=stores.members.get())
    http = rf.get("/")
    http.user = agent
    tasks_html = render_to_string(
        "requests/_tasks_panel.html",
        {"request": request, "tasks": tasks_of(request), "user": agent},
        request=http,
    )
    assert stock.number in tasks_html and "In progress" in tasks_html
    assert "Waiting for earlier tasks" in tasks_html
    assert stock.get_absolute_url() in tasks_html  # an agent may open the task
    requester_html = render_to_string(
        "requests/_tasks_panel.html",
        {"request": request, "tasks": tasks_of(request), "user": request.requested_for},
    )
    assert stock.number in requester_html and stock.get_absolute_url() not in requester_html
    lead_html = render_to_string(
        "requests/_lead_time_panel.html", {"lead_time": breakdown(request)}
    )
    assert "Where the time went" in lead_html and "Worked" in lead_html and "so far" in lead_html
