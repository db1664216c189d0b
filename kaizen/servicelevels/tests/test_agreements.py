"""Agreements and their versioned terms: who they are made with, the targets' shape, and the
rule that a version in force is never rewritten."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.servicelevels.services import (
    do_add_terms,
    do_correct_terms,
    do_create_agreement,
    do_update_agreement,
)
from kaizen.servicelevels.targets import clean_targets, describe

AT = dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC)


def test_an_sla_is_made_with_its_first_version_in_force_from_its_start(mail_sla, mail):
    assert mail_sla.number == "SLA00001"
    (terms,) = mail_sla.versions.all()
    assert (terms.sequence, terms.valid_from) == (1, dt.date(2026, 1, 1))
    assert terms.availability_percent == Decimal("99.5")
    assert list(terms.services.all()) == [mail]
    assert terms.targets == [
        {
            "metric": "resolution",
            "priority": 1,
            "sla_definition": terms.targets[0]["sla_definition"],
            "minutes": None,
            "attainment_percent": "95.00",
        }
    ]
    created = JournalEvent.objects.for_subject(terms).get()
    assert created.event_type == EventType.AGREEMENT_TERMS_CREATED
    assert created.changes["services"]["new"] == [{"id": mail.pk, "repr": "Mail"}]


@pytest.mark.parametrize(
    ("kind", "missing"),
    [("sla", "customer"), ("ola", "provider_team"), ("uc", "supplier")],
)
def test_each_kind_names_who_it_is_made_with(slm, mail, calendar, kind, missing):
    with pytest.raises(ValidationError) as raised:
        do_create_agreement(
            actor=slm,
            kind=kind,
            name="X",
            owner=slm,
            starts_on=dt.date(2026, 1, 1),
            calendar=calendar,
            services=[mail],
        )
    assert missing in raised.value.message_dict


def test_targets_name_each_fault_by_its_place(resolution_p1):
    with pytest.raises(ValidationError) as raised:
        clean_targets(
            "sla",
            [
                {
                    "metric": "resolution",
                    "priority": 1,
                    "sla_definition": resolution_p1.pk,
                    "attainment_percent": 95,
                },
                {
                    "metric": "response",
                    "priority": 1,
                    "sla_definition": resolution_p1.pk,
                    "attainment_percent": 95,
                },
                {"metric": "resolution", "priority": 9, "attainment_percent": 95},
                {
                    "metric": "resolution",
                    "priority": 1,
                    "sla_definition": resolution_p1.pk,
                    "attainment_percent": 0,
                },
                {
                    "metric": "resolution",
                    "priority": 1,
                    "sla_definition": resolution_p1.pk,
                    "attainment_percent": 90,
                },
            ],
        )
    assert raised.value.message_dict["targets"] == [
        "target 2: sla_definition: P1 resolution is a resolution target, not a response target",
        "target 3: priority: a priority from 1 to 5, or empty for any",
        "target 4: attainment_percent: more than 0 and at most 100",
        "target 5: a second resolution target for priority 1",
    ]


def test_an_ola_target_is_a_time_the_team_commits_to(resolution_p1):
    assert clean_targets(
        "ola",
        [{"metric": "resolution", "priority": "2", "minutes": "240", "attainment_percent": "90"}],
    ) == [
        {
            "metric": "resolution",
            "priority": 2,
            "sla_definition": None,
            "minutes": 240,
            "attainment_percent": "90.00",
        }
    ]
    with pytest.raises(ValidationError) as raised:
        clean_targets(
            "ola",
            [
                {
                    "metric": "resolution",
                    "sla_definition": resolution_p1.pk,
                    "attainment_percent": 90,
                }
            ],
        )
    assert "only a service level agreement names one" in raised.value.message_dict["targets"][0]
    assert (
        describe(
            {"metric": "resolution", "priority": 2, "minutes": 150, "attainment_percent": "90.00"},
            {},
        )
        == "Resolution of priority 2 within 2 h 30 min of business time, for 90 % of tickets"
    )


def test_a_new_version_applies_from_today_or_later_and_carries_the_rest_over(mail_sla, mail):
    with pytest.raises(ValidationError) as raised:
        do_add_terms(
            mail_sla,
            actor=None,
            valid_from=dt.date(2026, 6, 1),
            note="Back-dated",
            availability_percent="99.9",
            at=AT,
        )
    assert "past periods are judged" in raised.value.message_dict["valid_from"][0]
    second = do_add_terms(
        mail_sla,
        actor=None,
        valid_from=dt.date(2026, 7, 1),
        note="Raised to 99.9 %",
        availability_percent="99.9",
        at=AT,
    )
    assert (second.sequence, second.availability_percent) == (2, Decimal("99.9"))
    assert list(second.services.all()) == [mail]
    assert second.targets == mail_sla.versions.get(sequence=1).targets


def test_a_version_in_force_is_not_corrected_but_a_future_one_is(mail_sla, calendar):
    first = mail_sla.versions.get(sequence=1)
    with pytest.raises(ValidationError) as raised:
        do_correct_terms(
            first, actor=None, expected_version=1, fields={"availability_percent": "90"}, at=AT
        )
    assert "make a new version instead" in raised.value.message_dict["valid_from"][0]
    second = do_add_terms(
        mail_sla,
        actor=None,
        valid_from=dt.date(2026, 7, 1),
        note="More",
        availability_percent="99.9",
        at=AT,
    )
    corrected = do_correct_terms(
        second,
        actor=None,
        expected_version=1,
        fields={"availability_percent": "99.8", "valid_from": dt.date(2026, 8, 1)},
        at=AT,
    )
    assert (corrected.availability_percent, corrected.valid_from) == (
        Decimal("99.8"),
        dt.date(2026, 8, 1),
    )
    assert corrected.version == 2


def test_a_retired_agreement_stays_retired(mail_sla, slm):
    retired = do_update_agreement(
        mail_sla, actor=slm, expected_version=1, fields={"status": "retired"}
    )
    with pytest.raises(ValidationError) as raised:
        do_update_agreement(
            retired, actor=slm, expected_version=retired.version, fields={"status": "active"}
        )
    assert raised.value.message_dict["status"] == ["A retired agreement cannot become active."]


def test_an_ola_and_a_contract(slm, mail, calendar, network_team, acme):
    ola = do_create_agreement(
        actor=slm,
        kind="ola",
        name="Network support",
        owner=slm,
        provider_team=network_team,
        starts_on=dt.date(2026, 1, 1),
        calendar=calendar,
        services=[mail],
        targets=[{"metric": "resolution", "priority": 1, "minutes": 240, "attainment_percent": 95}],
    )
    contract = do_create_agreement(
        actor=slm,
        kind="uc",
        name="Acme line",
        owner=slm,
        supplier=acme,
        starts_on=dt.date(2026, 1, 1),
        calendar=calendar,
        services=[mail],
        targets=[
            {"metric": "resolution", "priority": None, "minutes": 120, "attainment_percent": 99}
        ],
    )
    assert (ola.number, ola.party) == ("OLA00001", "Network")
    assert (contract.number, contract.party) == ("UC00001", "Acme Networks")
