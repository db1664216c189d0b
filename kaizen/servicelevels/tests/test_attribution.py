"""A breached priority 1 incident attributed to the link that used up the time, on a hand-made
chain: the customer's 8 office hours, the network team's OLA (2 hours), the supplier's
contract (3 hours), all on office hours (Mon-Fri 9-17, London)."""

import pytest

from kaizen.incidents.tests.helpers import make_incident, move
from kaizen.servicelevels.attribution import breaches
from kaizen.servicelevels.chain import MINUTE_US
from kaizen.servicelevels.tests.helpers import commitment
from kaizen.sla.tests.config_helpers import london
from kaizen.testing import make_user

pytestmark = pytest.mark.django_db
H = 60 * MINUTE_US


@pytest.fixture
def chain(mail_sla, slm, mail, calendar, network_team, acme):
    commitment(slm, network_team, calendar, [mail], minutes=120, name="Network support")
    commitment(
        slm, acme, calendar, [mail], minutes=180, name="Acme line", priority=None, attainment=99
    )
    return mail_sla


def _incident(mail, team, opened: str):
    return make_incident(
        service=mail, impact=1, urgency=1, assignment_group=team, at=london(opened)
    )


def test_the_link_that_overran_most_is_named(chain, mail, network_team):
    incident = _incident(mail, network_team, "2026-03-02 09:00")
    move(incident, "in_progress", at=london("2026-03-02 09:30"))
    move(incident, "on_hold", on_hold_reason="awaiting_vendor", at=london("2026-03-02 13:00"))
    move(incident, "in_progress", at=london("2026-03-03 10:00"))
    move(incident, "resolved", at=london("2026-03-03 12:00"))
    (breach,) = breaches(chain, london("2026-03-01 00:00"), london("2026-04-01 00:00"))
    assert breach.number == incident.number
    # 8 office hours from Monday 9:00 run out at 17:00: breached when the clock next counts.
    assert breach.breached_at == london("2026-03-03 09:00")
    held = {holding.holder: (holding.held_us, holding.overrun_us) for holding in breach.holdings}
    # The team: Mon 9-13 and Tue 10-12 (6 h against 2); Acme: Mon 13-17, Tue 9-10 (5 h
    # against 3).
    assert held == {"Network": (6 * H, 4 * H), "Acme Networks": (5 * H, 2 * H)}
    assert breach.verdict == "Network overran its commitment"


def test_time_no_agreement_covers(chain, mail, network_team):
    desk = make_user("dora").teams.create(name="Desk", slug="desk")
    incident = _incident(mail, desk, "2026-03-02 09:00")
    move(incident, "resolved", at=london("2026-03-03 10:00"))
    (breach,) = breaches(chain, london("2026-03-01 00:00"), london("2026-04-01 00:00"))
    ((holding),) = breach.holdings
    assert (holding.holder, holding.held_us, holding.link) == ("Desk", 9 * H, None)
    assert breach.verdict == "Desk: no agreement covers this time"


def test_no_breach_in_another_period(chain, mail, network_team):
    incident = _incident(mail, network_team, "2026-03-02 09:00")
    move(incident, "resolved", at=london("2026-03-03 10:00"))
    assert breaches(chain, london("2026-04-01 00:00"), london("2026-05-01 00:00")) == []
