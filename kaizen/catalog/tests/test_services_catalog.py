"""The catalogue's domain services: rules, and the journal row each change writes."""

import pytest
from django.core.exceptions import ValidationError

from kaizen.catalog import services
from kaizen.catalog.models import Service, ServiceDependency
from kaizen.catalog.tests.helpers import last_event
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.testing import make_ci, make_offering, make_service

pytestmark = pytest.mark.django_db


def test_it_creates_a_service_in_the_pipeline_and_journals_every_field(catalog_manager):
    service = services.do_create_service(
        actor=catalog_manager, name="VPN", slug="vpn", summary="Remote access"
    )
    assert service.lifecycle == "pipeline"
    event = last_event(service)
    assert event.event_type == EventType.SERVICE_CREATED
    assert event.actor == catalog_manager
    assert event.changes["name"] == {"old": None, "new": "VPN"}
    assert event.changes["lifecycle"] == {"old": None, "new": "pipeline"}


def test_it_journals_old_and_new_values_on_update(mail, catalog_manager, owner):
    services.do_update_service(mail, actor=catalog_manager, summary="Email", owner=None)
    event = last_event(mail)
    assert event.event_type == EventType.SERVICE_UPDATED
    assert event.changes == {
        "summary": {"old": "Mailboxes and calendars", "new": "Email"},
        "owner": {"old": {"id": owner.pk, "repr": "Olga Owner"}, "new": None},
    }


def test_it_writes_no_event_when_nothing_changes(mail):
    before = JournalEvent.objects.count()
    services.do_update_service(mail, actor=None, summary=mail.summary)
    assert JournalEvent.objects.count() == before


def test_it_refuses_invalid_values_on_the_field_and_writes_nothing(mail):
    before = JournalEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.do_update_service(mail, actor=None, criticality="apocalyptic")
    assert "criticality" in caught.value.error_dict
    assert JournalEvent.objects.count() == before


@pytest.mark.parametrize(
    ("start", "target"),
    [("pipeline", "live"), ("pipeline", "retired"), ("live", "retired"), ("retired", "live")],
)
def test_it_allows_the_lifecycle_transitions(start, target, owner):
    service = make_service("VPN", lifecycle=start, owner=owner)
    services.do_change_service_lifecycle(service, target, actor=owner, reason="review board")
    service.refresh_from_db()
    assert service.lifecycle == target
    event = last_event(service)
    assert event.event_type == EventType.SERVICE_LIFECYCLE_CHANGED
    assert event.changes == {"lifecycle": {"old": start, "new": target}}
    assert event.data == {"reason": "review board"}


@pytest.mark.parametrize(
    ("start", "target"),
    [("live", "pipeline"), ("retired", "pipeline"), ("live", "live"), ("pipeline", "sunset")],
)
def test_it_refuses_illegal_lifecycle_transitions(start, target, owner):
    service = make_service("VPN", lifecycle=start, owner=owner)
    with pytest.raises(ValidationError) as caught:
        services.do_change_service_lifecycle(service, target, actor=owner)
    assert "lifecycle" in caught.value.error_dict
    assert Service.objects.get(pk=service.pk).lifecycle == start


def test_it_needs_an_owner_before_going_live(pipeline_service):
    with pytest.raises(ValidationError, match="needs an owner"):
        services.do_change_service_lifecycle(pipeline_service, "live", actor=None)
    pipeline_service.refresh_from_db()
    assert pipeline_service.lifecycle == "pipeline"


def test_it_offers_only_the_allowed_lifecycle_targets(pipeline_service, mail):
    assert services.allowed_lifecycle_targets(pipeline_service) == ["live", "retired"]
    assert services.allowed_lifecycle_targets(mail) == ["retired"]


def test_it_journals_offerings_and_refuses_a_duplicate_name_on_the_name_field(mail):
    offering = make_offering(mail, "Shared mailbox")
    assert last_event(offering).event_type == EventType.OFFERING_CREATED
    services.do_update_offering(offering, actor=None, availability_hours="24x7")
    assert last_event(offering).changes == {"availability_hours": {"old": "", "new": "24x7"}}
    make_offering(mail, "Calendar")
    with pytest.raises(ValidationError) as caught:
        services.do_update_offering(offering, actor=None, name="Calendar")
    assert "name" in caught.value.error_dict


def test_it_records_dependencies_in_the_journal(mail, owner):
    directory = make_service("Directory")
    dependency = services.do_add_service_dependency(
        mail, directory, actor=owner, kind="uses", note="logins"
    )
    added = last_event(mail)
    assert added.event_type == EventType.SERVICE_DEPENDENCY_ADDED
    assert added.data["depends_on"] == {"id": directory.pk, "repr": "Directory"}
    services.do_remove_service_dependency(dependency, actor=owner)
    assert last_event(mail).event_type == EventType.SERVICE_DEPENDENCY_REMOVED
    assert not ServiceDependency.objects.exists()


def test_it_refuses_self_duplicate_and_cyclic_dependencies(mail):
    directory = make_service("Directory")
    network = make_service("Network")
    services.do_add_service_dependency(mail, directory, actor=None)
    services.do_add_service_dependency(directory, network, actor=None)
    for service, depends_on, message in [
        (mail, mail, "itself"),
        (mail, directory, "already depends"),
        (directory, mail, "cycle"),
        (network, mail, "cycle"),  # network -> mail -> directory -> network
    ]:
        with pytest.raises(ValidationError, match=message) as caught:
            services.do_add_service_dependency(service, depends_on, actor=None)
        assert "depends_on" in caught.value.error_dict
    assert ServiceDependency.objects.count() == 2


def test_it_journals_the_services_a_ci_supports(mail, change_manager):
    directory = make_service("Directory")
    ci = make_ci("mx-01", services=[mail])
    assert last_event(ci).changes["services"] == {
        "old": None,
        "new": [{"id": mail.pk, "repr": "Mail"}],
    }
    services.do_update_ci(ci, actor=change_manager, services=[directory], location="DC1")
    event = last_event(ci)
    assert event.event_type == EventType.CI_UPDATED
    assert event.changes == {
        "location": {"old": "", "new": "DC1"},
        "services": {
            "old": [{"id": mail.pk, "repr": "Mail"}],
            "new": [{"id": directory.pk, "repr": "Directory"}],
        },
    }
    before = JournalEvent.objects.count()
    services.do_update_ci(ci, actor=change_manager, services=[directory])
    assert JournalEvent.objects.count() == before
