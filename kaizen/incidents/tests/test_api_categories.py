"""/api/v1/categories/: agents read; the incident process owner and manager create and change."""

import pytest

from kaizen.incidents import services
from kaizen.incidents.models import Category
from kaizen.incidents.tests.helpers import assert_constant_queries, make_incident
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent

pytestmark = pytest.mark.django_db

URL = "/api/v1/categories/"


def detail(category: Category) -> str:
    return f"{URL}{category.pk}/"


def names(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["full_name"] for row in response.json()["results"]]


@pytest.fixture
def hardware(db):
    return services.do_create_category(actor=None, name="Hardware")


@pytest.fixture
def printer(hardware):
    return services.do_create_category(actor=None, name="Printer", parent=hardware)


@pytest.fixture
def network(db):
    return services.do_create_category(actor=None, name="Network")


def test_it_answers_401_403_404_to_anonymous_and_requesters(api, requester, hardware):
    assert api().get(URL).status_code == 401
    assert api(requester).get(URL).status_code == 403
    assert api(requester).get(detail(hardware)).status_code == 404
    assert api(requester).post(URL, {"name": "Mine"}).status_code == 403


def test_it_lists_categories_with_their_counts_for_agents(api, agent, hardware, printer, network):
    make_incident(category=hardware, subcategory=printer)
    response = api(agent).get(URL)
    assert response.json()["results"] == [
        {
            "id": hardware.pk,
            "name": "Hardware",
            "parent": None,
            "full_name": "Hardware",
            "is_active": True,
            "incident_count": 1,
        },
        {
            "id": network.pk,
            "name": "Network",
            "parent": None,
            "full_name": "Network",
            "is_active": True,
            "incident_count": 0,
        },
        {
            "id": printer.pk,
            "name": "Printer",
            "parent": hardware.pk,
            "full_name": "Hardware › Printer",
            "is_active": True,
            "incident_count": 1,
        },
    ]
    assert api(agent).get(detail(printer)).json()["incident_count"] == 1


def test_it_filters_by_parent_and_status(api, agent, hardware, printer, network):
    services.do_update_category(network, actor=None, is_active=False)
    client = api(agent)
    assert names(client.get(URL, {"parent": hardware.pk})) == ["Hardware › Printer"]
    assert names(client.get(URL, {"parent": "null"})) == ["Hardware", "Network"]
    assert names(client.get(URL, {"active": "false"})) == ["Network"]
    assert names(client.get(URL, {"active": "true", "parent": "null"})) == ["Hardware"]
    response = client.get(URL, {"parent": 999999})
    assert response.status_code == 400 and list(response.json()) == ["parent"]


def test_it_refuses_changes_by_agents(api, agent, hardware):
    assert api(agent).post(URL, {"name": "Kit"}).status_code == 403
    assert api(agent).patch(detail(hardware), {"name": "Kit"}).status_code == 403
    hardware.refresh_from_db()
    assert hardware.name == "Hardware"


def test_it_creates_through_the_service_journaled(api, incident_manager, hardware):
    response = api(incident_manager).post(URL, {"name": "Monitor", "parent": hardware.pk})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["full_name"], body["is_active"], body["incident_count"]) == (
        "Hardware › Monitor",
        True,
        0,
    )
    event = JournalEvent.objects.for_subject(Category.objects.get(pk=body["id"])).get()
    assert (event.event_type, event.actor) == (EventType.CATEGORY_CREATED, incident_manager)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "hardware"}, "name"),
        ({"name": ""}, "name"),
        ({"name": "Toner", "parent": "printer"}, "parent"),
        ({"name": "Toner", "parent": 999999}, "parent"),
        ({"name": "Later", "is_active": False}, "is_active"),
    ],
)
def test_it_answers_400_naming_the_field_on_create(
    api, incident_manager, hardware, printer, payload, field
):
    if payload.get("parent") == "printer":
        payload = {**payload, "parent": printer.pk}
    response = api(incident_manager).post(URL, payload)
    assert response.status_code == 400
    assert list(response.json()) == [field], response.json()
    assert Category.objects.count() == 2


def test_it_renames_and_deactivates_with_the_subcategories(
    api, incident_manager, hardware, printer
):
    client = api(incident_manager)
    response = client.patch(detail(hardware), {"name": "Devices", "is_active": False})
    assert response.status_code == 200, response.json()
    assert (response.json()["name"], response.json()["is_active"]) == ("Devices", False)
    printer.refresh_from_db()
    assert not printer.is_active
    event = JournalEvent.objects.for_subject(printer).latest("id")
    assert (event.event_type, event.actor) == (EventType.CATEGORY_UPDATED, incident_manager)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"parent": None}, "parent"),
        ({"name": "Printer"}, "name"),
        ({"is_active": True}, "is_active"),
    ],
)
def test_it_answers_400_naming_the_field_on_patch(
    api, incident_manager, hardware, printer, payload, field
):
    scanner = services.do_create_category(actor=None, name="Scanner", parent=hardware)
    services.do_update_category(hardware, actor=None, is_active=False)
    response = api(incident_manager).patch(detail(scanner), payload)
    assert response.status_code == 400
    assert list(response.json()) == [field], response.json()


def test_it_has_no_delete(api, admin_user, hardware):
    assert api(admin_user).delete(detail(hardware)).status_code == 405


def test_it_lists_in_a_constant_number_of_queries(api, agent):
    # The page's count, the categories with their parents and incident counts.
    client = api(agent)
    rounds = iter(range(1, 100))

    def add_rows():
        number = next(rounds)
        top = services.do_create_category(actor=None, name=f"Category {number}")
        for sub in range(2):
            child = services.do_create_category(actor=None, name=f"Sub {sub}", parent=top)
            make_incident(category=top, subcategory=child)

    add_rows()
    assert_constant_queries("api_category_list", lambda: client.get(URL), add_rows)
