"""Inputs that once answered 500: each is a 400 naming the field, or an honest answer."""

import pytest

from kaizen.people.models import UserKind
from kaizen.people.services import do_grant_process_role
from kaizen.sla.tests.config_helpers import make_calendar, make_definition
from kaizen.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(db):
    """The incident and service level process manager: may change the matrix and the SLAs."""
    person = make_user("greta")
    for process in ("incident", "service_level"):
        do_grant_process_role(person, process=process, role="manager", actor=None)
    return person


def test_a_matrix_cell_missing_a_key_in_a_patch_is_a_400_naming_it(api, manager):
    response = api(manager).patch(
        "/api/v1/priority-matrix/", {"cells": [{"impact": 1, "urgency": 1}]}, format="json"
    )
    assert response.status_code == 400, response.content
    assert response.json() == {"cells": {"0": {"priority": ["This field is required."]}}}


def test_options_of_the_priority_matrix_describes_what_the_caller_may_do(api, manager):
    url = "/api/v1/priority-matrix/"
    assert api(make_user("emma", kind=UserKind.REQUESTER)).options(url).status_code == 403
    agent = api(make_user("tom")).options(url)
    assert agent.status_code == 200 and "actions" not in agent.json()
    changes = api(manager).options(url)
    assert changes.status_code == 200
    assert set(changes.json()["actions"]["PUT"]["cells"]["child"]["children"]) == {
        "impact",
        "urgency",
        "priority",
    }


def test_a_calendar_period_or_closure_missing_a_key_is_a_400_naming_it(api, manager):
    calendar = make_calendar()
    url = f"/api/v1/calendars/{calendar.slug}/"
    periods = [{"weekday": 0, "start_time": "09:00"}]
    response = api(manager).patch(url, {"periods": periods}, format="json")
    assert response.status_code == 400, response.content
    assert response.json() == {"periods": {"0": {"end_time": ["This field is required."]}}}
    response = api(manager).patch(url, {"closures": [{"date": "2026-12-24"}]}, format="json")
    assert response.status_code == 400, response.content
    assert response.json() == {"closures": {"0": {"name": ["This field is required."]}}}


def test_an_escalation_step_missing_a_key_is_a_400_naming_it(api, manager):
    definition = make_definition(make_calendar())
    response = api(manager).patch(
        f"/api/v1/sla-definitions/{definition.pk}/", {"escalations": [{"at": 75}]}, format="json"
    )
    assert response.status_code == 400, response.content
    assert response.json() == {"escalations": {"0": {"action": ["This field is required."]}}}


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/api/v1/incidents/", "caller"),
        ("/api/v1/process-roles/", "user"),
        ("/api/v1/services/", "owner"),
        ("/api/v1/actions/", "initiative"),
    ],
)
def test_an_id_filter_beyond_any_key_is_a_400_naming_the_filter(api, admin_user, url, name):
    client = api(admin_user)
    for value in ("99999999999999999999999", "-99999999999999999999999", "0"):
        response = client.get(url, {name: value})
        assert response.status_code == 400, (value, response.content)
        assert list(response.json()) == [name]
    assert client.get(url, {name: str(2**63 - 1)}).status_code == 200  # the largest key


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ({"page": "0"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page": "two"}, "page"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "-5"}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
    ],
)
def test_a_page_or_page_size_that_is_not_a_whole_number_from_1_is_a_400(api, query, name):
    response = api(make_user("tom")).get("/api/v1/services/", query)
    assert response.status_code == 400, response.content
    assert list(response.json()) == [name]


def test_pages_that_exist_and_sizes_above_the_most_still_answer(api):
    client = api(make_user("tom"))
    assert client.get("/api/v1/services/", {"page": "1", "page_size": "1000"}).status_code == 200
    assert client.get("/api/v1/services/", {"page": "last"}).status_code == 200
    assert client.get("/api/v1/services/", {"page": "9"}).status_code == 404  # after the last


def test_an_oversized_body_is_a_json_400_saying_so(api, admin_user):
    response = api(admin_user).post("/api/v1/services/", {"name": "x" * 3_000_000}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The request body is larger than 2.5 MB. Send files as multipart uploads to "
        "an attachments endpoint."
    }


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/incidents/INC9999999/",
        "/api/v1/incidents/INC9999999/comments/",
        "/api/v1/services/nothing/",
        "/api/v1/calendars/nothing/",
        "/api/v1/sla-definitions/999/",
        "/api/v1/initiatives/999/",
        "/api/v1/kpis/nothing/",
        "/api/v1/no-such-endpoint/",
    ],
)
def test_every_404_says_not_found_the_same_way(api, admin_user, url):
    response = api(admin_user).get(url)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
