"""How customer, supplier, agreement and version events read in a history: in words,
recorded by the services themselves."""

import datetime as dt

import pytest

from kaizen.journal.events import EventType
from kaizen.journal.presenting import present
from kaizen.journal.selectors import timeline_for
from kaizen.journal.tests.test_event_texts import lines_of
from kaizen.servicelevels.services import (
    do_correct_terms,
    do_update_agreement,
    do_update_customer,
    do_update_supplier,
)

pytestmark = pytest.mark.django_db
AT = dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC)


def lines_for(subject, event_type) -> list[list[str]]:
    chosen = [event for event in timeline_for(subject) if event.event_type == event_type]
    return [lines_of(event) for event in present(chosen)]


def test_customer_and_supplier_events(finance, acme, slm):
    assert lines_for(finance, EventType.CUSTOMER_CREATED) == [["Name: Finance", "Kind: Department"]]
    do_update_customer(finance, actor=slm, expected_version=1, fields={}, representatives=[slm])
    assert lines_for(finance, EventType.CUSTOMER_UPDATED) == [
        ["Representatives: (none) → Sam Level"]
    ]
    (created,) = lines_for(acme, EventType.SUPPLIER_CREATED)
    assert created[0] == "Name: Acme Networks"
    do_update_supplier(acme, actor=slm, expected_version=1, fields={"is_active": False})
    assert lines_for(acme, EventType.SUPPLIER_UPDATED) == [["Active: Yes → No"]]


def test_agreement_and_version_events(mail_sla, slm):
    (created,) = lines_for(mail_sla, EventType.AGREEMENT_CREATED)
    assert "Kind: Service level agreement" in created
    assert "Customer: Finance" in created
    assert "Service reviews: Quarterly" in created
    do_update_agreement(mail_sla, actor=slm, expected_version=1, fields={"status": "retired"})
    assert lines_for(mail_sla, EventType.AGREEMENT_UPDATED) == [["Status: Active → Retired"]]
    terms = mail_sla.versions.get()
    (made,) = lines_for(terms, EventType.AGREEMENT_TERMS_CREATED)
    assert (
        "Ticket targets: Resolution of priority 1 within its SLA definition's time, "
        "for 95 % of tickets" in made
    )
    assert "Services: Mail" in made
    assert "Availability target (%): 99.5" in made


def test_a_corrected_version_reads_its_targets_in_words(slm, mail, calendar, network_team):
    from kaizen.servicelevels.services import do_create_agreement

    ola = do_create_agreement(
        actor=slm,
        kind="ola",
        name="Network",
        owner=slm,
        provider_team=network_team,
        starts_on=dt.date(2026, 1, 1),
        calendar=calendar,
        services=[mail],
        targets=[{"metric": "response", "priority": None, "minutes": 30, "attainment_percent": 90}],
    )
    terms = ola.versions.get()
    do_correct_terms(
        terms,
        actor=slm,
        expected_version=1,
        fields={
            "targets": [
                {"metric": "response", "priority": None, "minutes": 45, "attainment_percent": 90}
            ]
        },
    )
    assert lines_for(terms, EventType.AGREEMENT_TERMS_UPDATED) == [
        [
            "Ticket targets: Response of any priority within 30 business minutes, for 90 % of "
            "tickets → Response of any priority within 45 business minutes, for 90 % of tickets"
        ]
    ]
