"""Request types over /api/v1/request-types/: per role, the nested lists written through the
services, the errors named per field, the version check."""

import pytest

from kaizen.people.models import UserKind
from kaizen.requests.models import Audience, RequestType
from kaizen.requests.tests.factories import LAPTOP_FORM, make_request_type
from kaizen.testing import make_offering, make_service, make_team, make_user

pytestmark = pytest.mark.django_db
URL = "/api/v1/request-types/"


def _payload(offering, **extra):
    return {
        "offering": offering.pk,
        "name": "New laptop",
        "form_fields": LAPTOP_FORM,
        **extra,
    }


def test_who_reads_which_types(api, requester, agent):
    open_type = make_request_type(name="Open to all")
    insiders = make_team(members=[make_user()])
    make_request_type(name="Insiders only", audience=Audience.RESTRICTED, allowed_teams=[insiders])
    make_request_type(name="Retired", is_active=False)
    assert api().get(URL).status_code == 401
    names = [row["name"] for row in api(requester).get(URL).json()["results"]]
    assert names == ["Open to all"]
    assert api(requester).get(f"{URL}{open_type.pk}/").json()["form_fields"] == []
    every = [row["name"] for row in api(agent).get(URL).json()["results"]]
    assert every == ["Insiders only", "Open to all", "Retired"]


def test_a_catalogue_manager_creates_a_type_with_its_form_steps_and_tasks(api, catalog_manager):
    offering = make_offering(make_service(name="Laptops"))
    stores = make_team("Stores")
    response = api(catalog_manager).post(
        URL,
        _payload(
            offering,
            approval_steps=[{"name": "Line manager", "approver_source": "requester_manager"}],
            tasks=[
                {"position": 1, "title": "Take from stock", "team": stores.pk},
                {"position": 2, "title": "Image it", "team": stores.pk},
            ],
            price="900.00",
        ),
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["form_version"] == 1
    assert [field["key"] for field in body["form_fields"]] == ["model", "reason", "needed_by"]
    assert [step["name"] for step in body["approval_steps"]] == ["Line manager"]
    assert [(task["position"], task["title"]) for task in body["tasks"]] == [
        (1, "Take from stock"),
        (2, "Image it"),
    ]
    assert body["service"] == "laptops"
    assert body["price"] == "900.00"


def test_errors_name_the_list_and_the_item(api, catalog_manager):
    offering = make_offering(make_service())
    client = api(catalog_manager)
    bad_form = [LAPTOP_FORM[0], {"key": "model", "label": "Again", "type": "text"}]
    response = client.post(URL, _payload(offering, form_fields=bad_form), format="json")
    assert response.status_code == 400
    assert response.json() == {
        "form_fields": ["field 2 (model): key: 'model' is used by another field"]
    }
    response = client.post(
        URL,
        _payload(offering, tasks=[{"title": "Image it", "team": 999999}]),
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"tasks": ["task 1: team: choose the active team that does it"]}
    response = client.post(
        URL,
        _payload(offering, approval_steps=[{"name": "Boss", "approver_source": "nobody"}]),
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["approval_steps"]
    assert response.json()["approval_steps"][0].startswith("step 1: approver_source: one of")
    # Nothing half-made stays behind.
    assert not RequestType.objects.exists()
    response = client.post(URL, {"offering": offering.pk, "name": ""}, format="json")
    assert response.status_code == 400 and "name" in response.json()


def test_only_leaders_and_the_service_owner_edit(api, requester, agent, catalog_manager):
    owner = make_user("owen")
    service = make_service(owner=owner)
    offering = make_offering(service)
    other_owner = make_user("otto")
    make_service(owner=other_owner)
    assert api(requester).post(URL, _payload(offering), format="json").status_code == 403
    assert api(agent).post(URL, _payload(offering), format="json").status_code == 403
    assert api(other_owner).post(URL, _payload(offering), format="json").status_code == 403
    created = api(owner).post(URL, _payload(offering), format="json")
    assert created.status_code == 201, created.json()
    url = f"{URL}{created.json()['id']}/"
    assert api(agent).patch(url, {"summary": "x", "version": 1}, format="json").status_code == 403
    assert (
        api(other_owner).patch(url, {"summary": "x", "version": 1}, format="json").status_code
        == 403
    )
    assert api(requester).patch(url, {"summary": "x", "version": 1}, format="json").status_code in (
        403,
        404,
    )
    response = api(catalog_manager).patch(url, {"summary": "A laptop"}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["version"]


def test_a_changed_form_is_a_new_version_and_a_stale_version_is_a_conflict(api, catalog_manager):
    request_type = make_request_type(form=LAPTOP_FORM)
    client = api(catalog_manager)
    url = f"{URL}{request_type.pk}/"
    version = client.get(url).json()["version"]
    response = client.patch(
        url,
        {
            "summary": "Standard or developer",
            "form_fields": [{"key": "colour", "label": "Colour", "type": "text"}],
            "version": version,
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["summary"], body["form_version"]) == ("Standard or developer", 2)
    assert [field["key"] for field in body["form_fields"]] == ["colour"]
    assert body["version"] > version
    stale = client.patch(url, {"summary": "Other", "version": version}, format="json")
    assert stale.status_code == 409
    assert RequestType.objects.get().summary == "Standard or developer"


def test_a_restricted_type_needs_its_audience(api, catalog_manager):
    offering = make_offering(make_service())
    response = api(catalog_manager).post(
        URL, _payload(offering, audience="restricted"), format="json"
    )
    assert response.status_code == 400 and "audience" in response.json()
    person = make_user(kind=UserKind.REQUESTER)
    response = api(catalog_manager).post(
        URL, _payload(offering, audience="restricted", allowed_people=[person.pk]), format="json"
    )
    assert response.status_code == 201 and response.json()["allowed_people"] == [person.pk]


def test_the_list_takes_the_same_queries_whatever_the_number_of_types(api, agent):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    stores = make_team("Stores")
    person = make_user()

    def add_type(number):
        make_request_type(
            name=f"Type {number}",
            form=LAPTOP_FORM,
            steps=[{"name": "Named", "approver_source": "people", "people": [person.pk]}],
            tasks=[{"title": "Do it", "team": stores.pk}],
        )

    add_type(1)
    client = api(agent)
    counts = []
    for more in (2, 3):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        counts.append(len(captured.captured_queries))
        add_type(more)
    assert counts[0] == counts[1]
    assert len(client.get(URL).json()["results"][0]["approval_steps"]) == 1
