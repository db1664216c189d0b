"""Creating, renaming, deactivating and activating categories, each journaled."""

import pytest
from django.core.exceptions import ValidationError

from kaizen.incidents import services
from kaizen.incidents.forms import IncidentForm
from kaizen.incidents.models import Category
from kaizen.incidents.services.categories import do_ensure_categories
from kaizen.incidents.tests.helpers import make_incident
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent

pytestmark = pytest.mark.django_db


def events(category: Category) -> list[JournalEvent]:
    return list(JournalEvent.objects.for_subject(category).order_by("id"))


def fields_of(error: pytest.ExceptionInfo) -> list[str]:
    return list(error.value.message_dict)


@pytest.fixture
def hardware(incident_manager):
    return services.do_create_category(actor=incident_manager, name="Hardware")


@pytest.fixture
def printer(hardware, incident_manager):
    return services.do_create_category(actor=incident_manager, name="Printer", parent=hardware)


def test_it_creates_categories_and_subcategories_journaled(incident_manager, hardware, printer):
    assert (printer.parent, str(printer)) == (hardware, "Hardware › Printer")
    [created] = events(printer)
    assert created.event_type == EventType.CATEGORY_CREATED
    assert created.actor == incident_manager
    assert created.changes == {
        "name": {"old": None, "new": "Printer"},
        "parent": {"old": None, "new": {"id": hardware.pk, "repr": "Hardware"}},
    }


def test_it_trims_the_name_and_refuses_an_empty_one(incident_manager):
    assert services.do_create_category(actor=None, name="  Network ").name == "Network"
    with pytest.raises(ValidationError) as error:
        services.do_create_category(actor=incident_manager, name="   ")
    assert fields_of(error) == ["name"]


def test_it_keeps_names_unique_per_parent_whatever_their_case(hardware, printer):
    for name, parent in (("hardware", None), ("PRINTER", hardware)):
        with pytest.raises(ValidationError) as error:
            services.do_create_category(actor=None, name=name, parent=parent)
        assert fields_of(error) == ["name"]
    network = services.do_create_category(actor=None, name="Network")
    assert services.do_create_category(actor=None, name="Printer", parent=network).pk


def test_it_allows_one_level_of_subcategories_under_an_active_parent(hardware, printer):
    with pytest.raises(ValidationError) as error:
        services.do_create_category(actor=None, name="Toner", parent=printer)
    assert fields_of(error) == ["parent"]
    services.do_update_category(hardware, actor=None, is_active=False)
    with pytest.raises(ValidationError) as error:
        services.do_create_category(actor=None, name="Scanner", parent=hardware)
    assert "activate it first" in str(error.value)


def test_it_renames_journaling_old_and_new(incident_manager, printer):
    renamed = services.do_update_category(printer, actor=incident_manager, name="Printers")
    assert renamed.name == printer.name == "Printers"
    event = events(printer)[-1]
    assert (event.event_type, event.actor) == (EventType.CATEGORY_UPDATED, incident_manager)
    assert event.changes == {"name": {"old": "Printer", "new": "Printers"}}


def test_it_refuses_a_name_a_sibling_has_and_allows_a_change_of_case(hardware, printer):
    scanner = services.do_create_category(actor=None, name="Scanner", parent=hardware)
    with pytest.raises(ValidationError) as error:
        services.do_update_category(scanner, actor=None, name="printer")
    assert fields_of(error) == ["name"]
    assert services.do_update_category(printer, actor=None, name="PRINTER").name == "PRINTER"


def test_it_writes_nothing_when_nothing_changes(printer):
    before = len(events(printer))
    services.do_update_category(printer, actor=None, name="Printer", is_active=True)
    assert len(events(printer)) == before


def test_it_deactivates_the_subcategories_with_their_category(incident_manager, hardware, printer):
    scanner = services.do_create_category(actor=None, name="Scanner", parent=hardware)
    services.do_update_category(scanner, actor=None, is_active=False)
    scanner_events = len(events(scanner))
    services.do_update_category(hardware, actor=incident_manager, is_active=False)
    assert list(Category.objects.filter(is_active=True)) == []
    event = events(printer)[-1]
    assert (event.event_type, event.actor) == (EventType.CATEGORY_UPDATED, incident_manager)
    assert event.changes == {"is_active": {"old": True, "new": False}}
    assert event.data == {"reason": "Hardware was deactivated"}
    assert len(events(scanner)) == scanner_events  # it was inactive already


def test_it_activates_a_subcategory_only_under_an_active_parent(hardware, printer):
    services.do_update_category(hardware, actor=None, is_active=False)
    with pytest.raises(ValidationError) as error:
        services.do_update_category(printer, actor=None, is_active=True)
    assert fields_of(error) == ["is_active"]
    services.do_update_category(hardware, actor=None, is_active=True)
    printer.refresh_from_db()
    assert not printer.is_active  # activating a category leaves its subcategories as they are
    assert services.do_update_category(printer, actor=None, is_active=True).is_active


def test_it_keeps_a_category_under_its_parent(hardware, printer):
    network = services.do_create_category(actor=None, name="Network")
    for parent in (network, None):
        with pytest.raises(ValidationError) as error:
            services.do_update_category(printer, actor=None, parent=parent)
        assert fields_of(error) == ["parent"]
    assert services.do_update_category(printer, actor=None, parent=hardware, name="Printers")


def test_it_takes_inactive_categories_off_the_form_but_keeps_them_on_incidents(
    agent, hardware, printer
):
    incident = make_incident(category=hardware, subcategory=printer)
    services.do_update_category(hardware, actor=None, is_active=False)
    new_form = IncidentForm()
    assert hardware not in new_form.fields["category"].queryset
    assert printer not in new_form.fields["subcategory"].queryset
    edit_form = IncidentForm(instance=incident)
    assert hardware in edit_form.fields["category"].queryset
    assert printer in edit_form.fields["subcategory"].queryset
    updated = services.do_update_incident(
        incident,
        actor=agent,
        expected_version=incident.version,
        category=hardware,
        subcategory=printer,
        short_description="Still jammed",
    )
    assert (updated.category, updated.subcategory) == (hardware, printer)
    with pytest.raises(ValidationError) as error:
        make_incident(category=hardware)
    assert fields_of(error) == ["category"]


def test_an_import_finds_categories_whatever_the_case_its_file_writes(hardware, printer):
    found = do_ensure_categories(
        [("hardware", "PRINTER"), ("HARDWARE", None), ("Network", "VPN"), ("network", "vpn")],
        source="servicenow",
    )
    assert found[("hardware", "PRINTER")] == printer
    assert found[("HARDWARE", None)] == hardware
    network = Category.objects.get(parent=None, name__iexact="network")
    assert network.name == "Network"  # the first spelling in sort order
    vpn = Category.objects.get(parent=network)
    assert found[("Network", "VPN")] == found[("network", "vpn")] == vpn
    assert Category.objects.count() == 4
    created = JournalEvent.objects.filter(
        event_type=EventType.CATEGORY_CREATED, actor_repr="servicenow"
    )
    assert created.count() == 2
    again = do_ensure_categories([("NETWORK", "Vpn")], source="servicenow")
    assert again[("NETWORK", "Vpn")] == vpn and Category.objects.count() == 4
