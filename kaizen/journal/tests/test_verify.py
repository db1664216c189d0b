"""`kaizen journal verify`: folding each record's events in order gives its stored fields; any
change the journal does not hold is reported by record, field, journal and stored value."""

import datetime as dt
import re
from io import StringIO

import pytest
from django.core.management import call_command

from kaizen.catalog.models import ConfigurationItem, Service
from kaizen.incidents.models import Incident
from kaizen.incidents.tests.helpers import make_incident, move
from kaizen.people import services as people
from kaizen.sla import services as sla
from kaizen.sla.tests.config_helpers import make_calendar
from kaizen.testing import make_ci, make_service, make_team, make_user

pytestmark = pytest.mark.django_db


def verify() -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("journal", "verify", stdout=out, stderr=err)
    except SystemExit as exit:
        return int(exit.code), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_it_prints_the_counts_of_each_kind_when_the_journal_matches():
    make_service("Mail", slug="mail")  # with its owner, a person
    status, out, _ = verify()
    assert status == 0
    *kinds, chain = out.splitlines()
    assert re.fullmatch(
        r"The journal's hash chain is unbroken: 2 events; head [0-9a-f]{64} \(event \d+\)\.",
        chain,
    )
    assert kinds == [
        "availability.outage: 0 records, 0 events: the journal matches",
        "availability.target: 0 records, 0 events: the journal matches",
        "catalog.ci: 0 records, 0 events: the journal matches",
        "catalog.offering: 0 records, 0 events: the journal matches",
        "catalog.service: 1 record, 1 event: the journal matches",
        "changes.change: 0 records, 0 events: the journal matches",
        "improvement.initiative: 0 records, 0 events: the journal matches",
        "incidents.category: 0 records, 0 events: the journal matches",
        "incidents.incident: 0 records, 0 events: the journal matches",
        "kpis.custom_kpi: 0 records, 0 events: the journal matches",
        "mailin.mailbox: 0 records, 0 events: the journal matches",
        "people.team: 0 records, 0 events: the journal matches",
        "people.user: 1 record, 1 event: the journal matches",
        "problems.knownerror: 0 records, 0 events: the journal matches",
        "problems.problem: 0 records, 0 events: the journal matches",
        "requests.request: 0 records, 0 events: the journal matches",
        "requests.request_type: 0 records, 0 events: the journal matches",
        "requests.task: 0 records, 0 events: the journal matches",
        "servicelevels.agreement: 0 records, 0 events: the journal matches",
        "servicelevels.customer: 0 records, 0 events: the journal matches",
        "servicelevels.review: 0 records, 0 events: the journal matches",
        "servicelevels.review_action: 0 records, 0 events: the journal matches",
        "servicelevels.supplier: 0 records, 0 events: the journal matches",
        "servicelevels.terms: 0 records, 0 events: the journal matches",
        "sla.calendar: 0 records, 0 events: the journal matches",
        "sla.definition: 0 records, 0 events: the journal matches",
        "The journal matches the data: 2 records of 26 kinds.",
    ]


def test_it_names_the_record_field_and_both_values_of_a_change_the_journal_lacks():
    mail = make_service("Mail", slug="mail")
    Service.objects.filter(pk=mail.pk).update(summary="Changed behind the journal")
    status, out, err = verify()
    assert status == 1
    assert "catalog.service: 1 record, 1 event: 1 mismatch" in out.splitlines()
    assert (
        f"  catalog.service Mail (id {mail.pk}): summary: journal 'Mail for everyone', "
        "stored 'Changed behind the journal'"
    ) in out.splitlines()
    assert err == "The journal does not match the data: 1 mismatch over 2 records of 26 kinds.\n"


def test_it_compares_related_records_by_id_and_lists_as_sets():
    desk = make_team("Service Desk")
    ci = make_ci("db-01", support_team=desk, services=[make_service("Mail", slug="mail")])
    people.do_update_team(desk, actor=None, name="The Service Desk")  # renamed: ids still match
    assert verify()[0] == 0
    ConfigurationItem.services.through.objects.filter(configurationitem_id=ci.pk).delete()
    status, out, _ = verify()
    assert status == 1
    mail = Service.objects.get(slug="mail")
    assert f"  catalog.ci db-01 (id {ci.pk}): services: journal [{mail.pk}], stored []" in out


def test_it_folds_members_added_and_removed_one_by_one():
    alan, bea = make_user("alan"), make_user("bea")
    team = make_team("Network", members=[alan])
    people.do_add_team_member(team, bea, actor=None)
    people.do_remove_team_member(team, alan, actor=None)
    assert verify()[0] == 0
    team.members.add(alan)  # not journaled
    status, out, _ = verify()
    assert status == 1
    expected = sorted([alan.pk, bea.pk], key=str)
    assert f"  people.team Network (id {team.pk}): members: journal [{bea.pk}], " in out
    assert f"stored {expected}" in out


def test_it_reports_events_of_a_record_no_longer_stored():
    ci = make_ci("db-01")
    ConfigurationItem.objects.filter(pk=ci.pk).delete()
    status, out, _ = verify()
    assert status == 1
    assert f"  catalog.ci id {ci.pk}: (record): journal 'journaled', stored 'not stored'" in out


def test_it_compares_calendar_hours_and_incident_fields():
    calendar = make_calendar()
    sla.do_update_calendar(
        calendar,
        actor=None,
        periods=[(day, dt.time(8), dt.time(18)) for day in range(5)],
        closures=[],
    )
    incident = make_incident()
    move(incident, "in_progress", "resolved")
    assert verify()[0] == 0
    Incident.objects.filter(pk=incident.pk).update(urgency=1)
    status, out, _ = verify()
    assert status == 1
    assert f"  incidents.incident {incident.number} (id {incident.pk}): urgency: journal 3, " in out
