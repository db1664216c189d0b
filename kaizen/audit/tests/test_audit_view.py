import re

import pytest
from django.db import transaction

from kaizen.journal.events import EventType
from kaizen.journal.services import record_event
from kaizen.people.services import do_grant_process_role
from kaizen.testing import (
    PASSWORD,
    assert_constant_queries,
    assert_query_count,
    make_service,
    make_team,
    make_user,
)

pytestmark = pytest.mark.django_db


def test_it_sends_anonymous_visitors_to_sign_in(client):
    response = client.get("/audit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("persona", ["requester", "agent"])
def test_it_is_forbidden_without_an_audit_role(client, request, persona):
    user = request.getfixturevalue(persona)
    client.login(username=user.username, password=PASSWORD)
    assert client.get("/audit/").status_code == 403


def test_it_shows_changes_with_old_and_new_values_and_filters(client, catalog_manager):
    service = make_service("Mail", slug="mail")
    from kaizen.catalog.services import do_update_service

    do_update_service(service, actor=catalog_manager, summary="Mailboxes for all")
    make_service("Payroll", slug="payroll")
    client.login(username="cara", password=PASSWORD)
    page = client.get("/audit/", {"event_type": "catalog.service.updated"}).content.decode()
    assert "Mailboxes for all" in page
    assert "Payroll" not in page
    page = client.get("/audit/", {"q": "payroll"}).content.decode()
    assert "Payroll" in page and "Mailboxes for all" not in page


def test_it_shows_a_field_error_for_a_bad_date(client, admin_user):
    client.login(username="ada", password=PASSWORD)
    page = client.get("/audit/", {"since": "yesterday-ish"}).content.decode()
    assert "Enter a valid date/time" in page


def test_it_renders_in_a_constant_number_of_queries(client, agent):
    do_grant_process_role(agent, "incident", "owner", actor=None)
    client.login(username="alan", password=PASSWORD)

    def add_services(count: int) -> None:
        for _ in range(count):
            service = make_service()
            with transaction.atomic():  # people and teams stored as bare ids: one query per model
                record_event(
                    EventType.SERVICE_UPDATED,
                    service,
                    actor=agent,
                    changes={
                        "owner": {"old": None, "new": make_user().pk},
                        "support_team": {"old": None, "new": make_team().pk},
                    },
                )

    add_services(1)
    with assert_query_count("audit", "audit_page") as few:
        assert client.get("/audit/").status_code == 200
    add_services(10)
    with assert_query_count("audit", "audit_page") as many:
        assert client.get("/audit/").status_code == 200
    assert len(few.captured_queries) == len(many.captured_queries)


def test_it_reads_changes_with_labels_names_and_local_times(client, admin_user):
    from kaizen.catalog.services import do_update_service

    owner = make_user("lovelace", first_name="Ada", last_name="Lovelace")
    service = make_service("Mail", slug="mail")
    do_update_service(service, actor=admin_user, criticality="critical")
    with transaction.atomic():  # an owner stored as a bare id: named from the people table
        record_event(
            EventType.SERVICE_UPDATED,
            service,
            actor=None,
            changes={"owner": {"old": None, "new": owner.pk}},
        )
    admin_user.time_zone = "Asia/Tokyo"
    admin_user.save(update_fields=["time_zone"])
    client.login(username="ada", password=PASSWORD)
    page = client.get("/audit/", {"q": "mail"}).content.decode()
    text = re.sub(r"<[^>]+>", "", page)
    assert "Criticality: Medium → Critical" in text
    assert "Owner: (none) → Ada Lovelace" in text
    assert '<span class="text-secondary small">Service</span> Mail' in page
    assert "criticality</code>" not in page and ">medium<" not in page
    assert "Ada Admin" in page  # the actor by name, not the username
    assert "+00:00" not in page  # times as every page shows them (kaizen.core.times)


def test_named_data_keeps_the_page_s_queries_constant(client, requester, agent):
    """Comments, KPI keys, gaps, initiatives, dimensions and dependencies named by their
    namers: one call each per page, however many events (no N+1)."""
    from kaizen.improvement.models import Gap
    from kaizen.improvement.tests.helpers import make_initiative
    from kaizen.incidents.services import do_add_incident_comment
    from kaizen.incidents.tests.helpers import make_incident

    do_grant_process_role(agent, "incident", "owner", actor=None)
    client.login(username="alan", password=PASSWORD)
    initiative = make_initiative(owner=agent)

    def add_events() -> None:
        incident = make_incident(requester)
        do_add_incident_comment(incident, "Restarted the VPN client", actor=agent)
        gap = Gap.objects.create(
            initiative=initiative, kpi_key="incident.opened", code=f"c{incident.pk}", description=""
        )
        with transaction.atomic():
            record_event(
                EventType.ASSESSMENT_COMPUTED,
                initiative,
                actor=agent,
                data={"verdicts": {"incident.opened": "good"}, "gaps_new": [gap.pk]},
            )
            record_event(
                EventType.CYCLE_OPENED,
                initiative,
                actor=agent,
                data={"next": initiative.pk, "kpis": [], "cleaning_rules": []},
            )
            record_event(
                EventType.OPPORTUNITY_DETECTED,
                initiative,
                actor=None,
                data={"kpi": "incident.sla_met_pct", "dimension": "category,subcategory"},
            )

    add_events()  # every namer has something to name from the first page on
    assert_constant_queries(
        "audit", "audit_page_named_data", lambda: client.get("/audit/"), lambda: add_events()
    )
    page = re.sub(r"<[^>]+>", "", client.get("/audit/").content.decode())
    assert "Comment: “Restarted the VPN client”" in page
    assert "Data quality: Incidents opened: good" in page
    assert "Breakdown: Category and subcategory" in page
    assert "incident.opened" not in page and "category,subcategory" not in page


def test_every_process_s_records_can_be_chosen_and_filter_the_trail(client, admin_user):
    """The record types offered are every journaled kind of record, the processes' included
    (changes, problems, outages, initiatives), and choosing one keeps only its events."""
    from kaizen.audit.filters import subject_type_choices
    from kaizen.availability.services import do_record_outage

    offered = dict(subject_type_choices())
    for label in (
        "changes.change",
        "problems.problem",
        "availability.outage",
        "improvement.initiative",
        "catalog.service",
    ):
        assert label in offered, label
    mail = make_service("Mail", slug="mail")
    from django.utils import timezone

    do_record_outage(
        actor=None,
        service=mail,
        kind="unplanned",
        started_at=timezone.now() - timezone.timedelta(hours=1),
        title="Mail down",
    )
    client.login(username="ada", password=PASSWORD)
    response = client.get("/audit/", {"subject_type": "availability.outage"})
    shown = {event.event_type for event in response.context["page_obj"].object_list}
    assert shown == {EventType.OUTAGE_RECORDED}
