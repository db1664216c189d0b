"""The chain check on a hand-made chain: a customer's 8 office hours for priority 1, a team's
4 office hours, a supplier's hours round the clock, a team working weekdays 8-12 only."""

import datetime as dt

import pytest

from kaizen.servicelevels.chain import MINUTE_US, chain_check, worst_case_us
from kaizen.servicelevels.tests.helpers import commitment
from kaizen.sla.services import do_create_calendar
from kaizen.sla.targets import calendar_index

H = 60 * MINUTE_US
MONDAY = dt.date(2026, 3, 2)


@pytest.fixture
def round_the_clock(db):
    return do_create_calendar(
        actor=None,
        name="24x7",
        slug="always",
        time_zone="Europe/London",
        periods=[(day, dt.time(0), dt.time(0)) for day in range(7)],
    )


@pytest.fixture
def mornings(db):
    return do_create_calendar(
        actor=None,
        name="Mornings",
        slug="mornings",
        time_zone="Europe/London",
        periods=[(day, dt.time(8), dt.time(12)) for day in range(5)],
    )


def test_a_link_on_the_same_hours_costs_its_own_time(calendar):
    office = calendar_index(calendar)
    assert worst_case_us(office, 240, office, MONDAY) == 4 * H


def test_round_the_clock_hours_cost_at_most_their_length_in_office_time(calendar, round_the_clock):
    # 4 hours round the clock started at 13:00 end at 17:00: all 4 in office time.
    assert worst_case_us(
        calendar_index(round_the_clock), 240, calendar_index(calendar), MONDAY
    ) == (4 * H)


def test_mornings_only_spill_into_the_afternoon_of_office_hours(calendar, mornings):
    # 4 morning hours (weekdays 8-12) asked for at 12:00: counted 8-12 the next day, and being
    # done at 12:00 they may finish by 8:00 the day after. In office hours (9-17): 12:00-17:00
    # (5 h) and the whole next day (8 h): 13 hours.
    assert worst_case_us(calendar_index(mornings), 240, calendar_index(calendar), MONDAY) == 13 * H


def test_the_chain_adds_the_links_and_the_hand_overs(
    mail_sla, slm, mail, calendar, network_team, acme, round_the_clock
):
    commitment(slm, network_team, calendar, [mail], minutes=240, name="Network support")
    commitment(
        slm,
        acme,
        round_the_clock,
        [mail],
        minutes=200,
        name="Acme line",
        priority=None,
        attainment=99,
    )
    (target,) = chain_check(mail_sla, MONDAY)
    (chain,) = target.services
    assert chain.service == mail
    assert [link.agreement.name for link in chain.links] == ["Network support", "Acme line"]
    assert [link.worst_us for link in chain.links] == [4 * H, 200 * MINUTE_US]
    # 240 + 200 minutes + one hand-over of 15: 455 of the customer's 480 minutes.
    assert chain.used_us == 455 * MINUTE_US
    assert (chain.fits, chain.margin_us) == (True, 25 * MINUTE_US)


def test_a_chain_that_does_not_fit_and_one_with_no_links(
    mail_sla, slm, mail, network_team, mornings
):
    (alone,) = chain_check(mail_sla, MONDAY)
    assert (alone.services[0].links, alone.fits, alone.unsupported) == ([], None, [mail])
    commitment(slm, network_team, mornings, [mail], minutes=300, name="Morning desk")
    (target,) = chain_check(mail_sla, MONDAY)
    (chain,) = target.services
    # 5 morning hours started on a weekday at 11:00: 11-12, then 8-12 the next day; done at
    # 12:00 they may finish by 8:00 the day after and still be within their 5 hours. In office
    # hours that is 11:00-17:00 (6 h) and a whole day (8 h): 14 hours > 8.
    assert chain.used_us == 14 * H
    assert (chain.fits, chain.margin_us, target.fits) == (False, -6 * H, False)


def test_a_draft_link_does_not_support_the_chain(mail_sla, slm, mail, calendar, network_team):
    commitment(
        slm, network_team, calendar, [mail], minutes=60, name="Not yet agreed", status="draft"
    )
    (target,) = chain_check(mail_sla, MONDAY)
    assert target.services[0].links == []


def test_each_service_has_its_own_chain(mail_sla, slm, mail, calendar, network_team, acme):
    """An SLA on two services: a supplier behind only one of them is not a link of the other's
    chain."""
    from kaizen.servicelevels.services import do_add_terms
    from kaizen.testing import make_service

    crm = make_service("CRM", slug="crm")
    do_add_terms(
        mail_sla,
        actor=None,
        valid_from=dt.date(2026, 2, 2),
        note="CRM too",
        services=[mail, crm],
        at=dt.datetime(2026, 2, 1, tzinfo=dt.UTC),
    )
    commitment(
        slm, acme, calendar, [crm], minutes=300, name="Acme line", priority=None, attainment=99
    )
    (target,) = chain_check(mail_sla, MONDAY)
    by_service = {chain.service.name: chain for chain in target.services}
    assert by_service["Mail"].links == []
    assert [link.agreement.name for link in by_service["CRM"].links] == ["Acme line"]
    assert (target.fits, target.unsupported) == (True, [mail])
