"""Ranking of the known errors suggested for an incident, on a hand-made set where the order
follows from the rules: text similarity plus a boost for the same CI (0.4), service (0.3) and
category (0.15); below 0.2 nothing is suggested."""

import pytest

from kaizen.problems.services import known_errors
from kaizen.problems.suggestions import IncidentText, suggest_known_errors
from kaizen.problems.tests.known_error_fixtures import make_known_error
from kaizen.testing import make_ci, make_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def kedb(db):
    vpn, mail = make_service("VPN"), make_service("Mail")
    gateway = make_ci("vpn-gw-01")
    made = {
        "tunnel": make_known_error(
            "VPN tunnel drops with a timeout",
            "Remote users lose the VPN connection after a timeout of ten minutes.",
            services=[vpn],
            configuration_items=[gateway],
            category="Network",
        ),
        "install": make_known_error(
            "VPN client will not install",
            "The installer stops with error 1603 on laptops without admin rights.",
            services=[vpn],
            category="Software",
        ),
        "outbox": make_known_error(
            "Outlook leaves messages in the outbox",
            "Mail is not sent: messages stay in the outbox until Outlook restarts.",
            services=[mail],
            category="Email",
        ),
        "printer": make_known_error(
            "Printer jams on the third floor",
            "Paper jams in tray 2 of the third-floor printer.",
            category="Hardware",
        ),
        "draft": make_known_error(
            "VPN timeout on hotel wifi",
            "VPN timeout when the hotel portal intercepts traffic.",
            services=[vpn],
            published=False,
        ),
    }
    return vpn, mail, gateway, made


def numbers(suggestions):
    return [s.known_error.number for s in suggestions]


def test_the_same_ci_service_and_words_rank_first(kedb):
    vpn, _, gateway, made = kedb
    found = suggest_known_errors(
        IncidentText(
            text="VPN timeout when working from home",
            service_id=vpn.pk,
            configuration_item_id=gateway.pk,
        )
    )
    # tunnel: words + CI + service; install: service + the word "vpn"; the draft never; the
    # mail and printer errors share neither scope nor words.
    assert numbers(found) == [made["tunnel"].number, made["install"].number]
    tunnel, install = found
    assert tunnel.reasons[:2] == ("same configuration item", "same service")
    assert tunnel.reasons[2].startswith("words: ")
    assert set(tunnel.reasons[2][len("words: ") :].split(", ")) == {"timeout", "vpn"}
    assert install.reasons == ("same service", "words: vpn")
    assert tunnel.score > install.score > 0.3


def test_text_alone_finds_the_known_error_that_shares_the_words(kedb):
    *_, made = kedb
    found = suggest_known_errors(IncidentText(text="My messages are stuck in the Outlook outbox"))
    assert numbers(found) == [made["outbox"].number]
    assert found[0].reasons[0].startswith("words: ")
    assert "outbox" in found[0].reasons[0]


def test_a_category_alone_is_not_enough_but_adds_to_words(kedb):
    *_, made = kedb
    assert suggest_known_errors(IncidentText(category="Hardware")) == []
    found = suggest_known_errors(IncidentText(text="printer", category="hardware"))
    assert numbers(found) == [made["printer"].number]
    assert found[0].reasons[0] == "same category"


def test_nothing_in_common_suggests_nothing(kedb):
    assert suggest_known_errors(IncidentText(text="The coffee machine is empty")) == []
    assert suggest_known_errors(IncidentText()) == []


def test_the_index_follows_publishing_and_retiring(kedb):
    vpn, *_, made = kedb
    typed = IncidentText(text="VPN timeout at the hotel")
    assert made["draft"].number not in numbers(suggest_known_errors(typed))
    known_errors.do_publish_known_error(made["draft"], actor=None)
    assert numbers(suggest_known_errors(typed))[0] == made["draft"].number
    known_errors.do_retire_known_error(made["draft"], actor=None)
    assert made["draft"].number not in numbers(suggest_known_errors(typed))


def test_the_limit_keeps_the_best(kedb):
    vpn, _, gateway, made = kedb
    typed = IncidentText(text="VPN", service_id=vpn.pk, configuration_item_id=gateway.pk)
    assert numbers(suggest_known_errors(typed, limit=1)) == [made["tunnel"].number]
