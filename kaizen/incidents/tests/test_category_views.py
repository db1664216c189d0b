"""The category pages: agents read the tree; the incident process owner and manager change it."""

import pytest

from kaizen.incidents import services
from kaizen.incidents.models import Category
from kaizen.incidents.tests.helpers import assert_constant_queries, make_incident
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent

pytestmark = pytest.mark.django_db

LIST = "/incidents/categories/"
NEW = "/incidents/categories/new/"


def edit(category: Category) -> str:
    return f"/incidents/categories/{category.pk}/edit/"


@pytest.fixture
def hardware(db):
    return services.do_create_category(actor=None, name="Hardware")


@pytest.fixture
def printer(hardware):
    return services.do_create_category(actor=None, name="Printer", parent=hardware)


def test_it_refuses_every_page_to_requesters(web, requester, hardware):
    client = web(requester)
    for url in (LIST, NEW, edit(hardware)):
        assert client.get(url).status_code == 403, url
    assert client.post(NEW, {"name": "Mine"}).status_code == 403
    assert web(requester).get(LIST).status_code == 403


def test_it_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(LIST)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_it_shows_agents_the_tree_with_counts_read_only(web, agent, hardware, printer):
    scanner = services.do_create_category(actor=None, name="Scanner", parent=hardware)
    services.do_update_category(scanner, actor=None, is_active=False)
    make_incident(category=hardware, subcategory=printer)
    make_incident(category=hardware)
    page = web(agent).get(LIST).content.decode()
    assert page.index("Hardware") < page.index("Printer") < page.index("Scanner")
    tree = [(c.name, [s.name for s in subs]) for c, subs in get_tree(web(agent))]
    assert tree == [("Hardware", ["Printer", "Scanner"])]
    counts = {c.name: c.incident_count for c, subs in get_tree(web(agent)) for c in (c, *subs)}
    assert counts == {"Hardware": 2, "Printer": 1, "Scanner": 0}
    assert "Inactive" in page and "New category" not in page and "/edit/" not in page
    for url in (NEW, edit(hardware)):
        assert web(agent).get(url).status_code == 403
    assert web(agent).post(edit(hardware), {"name": "Kit"}).status_code == 403


def get_tree(client, query: str = ""):
    return client.get(LIST + query).context["tree"]


def test_it_filters_by_status_showing_a_parent_for_context(web, agent, hardware, printer):
    services.do_update_category(printer, actor=None, is_active=False)
    response = web(agent).get(LIST + "?active=false")
    [(parent, subs)] = response.context["tree"]
    assert (parent, parent.listed, subs) == (hardware, False, [printer])
    [(parent, subs)] = get_tree(web(agent), "?active=true")
    assert (parent, parent.listed, subs) == (hardware, True, [])
    assert get_tree(web(agent), "?q=print")[0][1] == [printer]


def test_it_lets_the_incident_manager_create_a_category_and_a_subcategory(
    web, incident_manager, hardware
):
    client = web(incident_manager)
    page = client.get(LIST).content.decode()
    assert "New category" in page and f"{NEW}?parent={hardware.pk}" in page
    form = client.get(f"{NEW}?parent={hardware.pk}").content.decode()
    assert f'<option value="{hardware.pk}" selected>' in form
    response = client.post(NEW, {"name": "Monitor", "parent": hardware.pk}, follow=True)
    assert "Category Hardware › Monitor created." in response.content.decode()
    monitor = Category.objects.get(name="Monitor")
    event = JournalEvent.objects.for_subject(monitor).get()
    assert (event.event_type, event.actor) == (EventType.CATEGORY_CREATED, incident_manager)
    assert client.post(NEW, {"name": "Network"}).status_code == 302
    assert Category.objects.get(name="Network").parent is None


def test_it_names_the_field_and_keeps_the_input(web, incident_manager, hardware, printer):
    response = web(incident_manager).post(NEW, {"name": "printer", "parent": hardware.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_name_errors"' in page and "exists already under Hardware" in page
    assert 'value="printer"' in page
    assert Category.objects.count() == 2


def test_it_offers_only_active_top_level_categories_as_parents(web, incident_manager, printer):
    old = services.do_create_category(actor=None, name="Old")
    services.do_update_category(old, actor=None, is_active=False)
    page = web(incident_manager).get(NEW).content.decode()
    assert "Hardware</option>" in page
    assert "Old</option>" not in page and "Printer</option>" not in page


def test_it_renames_and_deactivates_with_the_subcategories(
    web, incident_manager, hardware, printer
):
    client = web(incident_manager)
    page = client.get(edit(hardware)).content.decode()
    assert 'value="Hardware"' in page and 'id="subcategories"' in page and "Printer" in page
    assert 'id="timeline"' in page and "Category created" in page
    response = client.post(edit(hardware), {"name": "Devices"}, follow=True)
    assert "Category Devices saved." in response.content.decode()
    hardware.refresh_from_db()
    printer.refresh_from_db()
    assert (hardware.name, hardware.is_active, printer.is_active) == ("Devices", False, False)
    event = JournalEvent.objects.for_subject(hardware).latest("id")
    assert (event.event_type, event.actor) == (EventType.CATEGORY_UPDATED, incident_manager)
    assert event.changes == {
        "name": {"old": "Hardware", "new": "Devices"},
        "is_active": {"old": True, "new": False},
    }


def test_it_explains_a_refused_activation(web, incident_manager, hardware, printer):
    services.do_update_category(hardware, actor=None, is_active=False)
    response = web(incident_manager).post(edit(printer), {"name": "Printer", "is_active": "on"})
    assert response.status_code == 200
    assert "Hardware is no longer used: activate it first" in response.content.decode()


def test_it_lets_administrators_manage_and_answers_404_for_an_unknown_category(
    web, admin_user, hardware
):
    client = web(admin_user)
    assert client.get(edit(hardware)).status_code == 200
    assert client.get("/incidents/categories/999999/edit/").status_code == 404


def test_it_links_the_categories_from_the_queue(web, agent):
    assert f'href="{LIST}"' in web(agent).get("/incidents/queues/mine/").content.decode()


def test_it_renders_the_tree_in_a_constant_number_of_queries(web, incident_manager):
    # Session, user, the categories with their incident counts, the manager's roles, the
    # filter's parent choices.
    client = web(incident_manager)
    rounds = iter(range(1, 100))

    def add_rows():
        number = next(rounds)
        top = services.do_create_category(actor=None, name=f"Category {number}")
        for sub in range(2):
            child = services.do_create_category(actor=None, name=f"Sub {sub}", parent=top)
            make_incident(category=top, subcategory=child)
        services.do_update_category(child, actor=None, is_active=False)

    add_rows()
    assert_constant_queries("category_list", lambda: client.get(LIST), add_rows)
