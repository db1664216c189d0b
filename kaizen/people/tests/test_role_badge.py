"""The header's badge calls people by the roles they hold, not by requester/agent alone."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from kaizen.people.models import Process, Role, User, UserKind
from kaizen.people.roles import role_badge
from kaizen.people.services import do_grant_process_role
from kaizen.people.tests.helpers import signed_in
from kaizen.testing import make_user

pytestmark = pytest.mark.django_db


def agent_with(*roles: tuple[Process, Role]):
    user = make_user()
    for process, role in roles:
        do_grant_process_role(user, process, role, actor=None)
    return User.objects.get(pk=user.pk)  # with no roles cached from the grants


def test_an_administrator_is_called_administrator(admin_user):
    badge = role_badge(admin_user)
    assert (badge.label, badge.tone, badge.roles) == ("Administrator", "dark", ())


def test_a_requester_is_called_requester(requester):
    assert role_badge(requester).label == "Requester"


def test_an_agent_who_only_practises_is_called_agent(agent):
    badge = role_badge(agent)
    assert (badge.label, badge.roles) == ("Agent", ("Incident practitioner",))


def test_the_csi_manager_is_called_so():
    badge = role_badge(agent_with((Process.IMPROVEMENT, Role.MANAGER)))
    assert (badge.label, badge.tone, badge.roles) == ("CSI manager", "primary", ("CSI manager",))


def test_the_most_senior_role_leads_and_the_others_are_counted():
    # The demo's head of service management: owner of four processes, and practitioner.
    badge = role_badge(
        agent_with(
            (Process.IMPROVEMENT, Role.OWNER),
            (Process.INCIDENT, Role.PRACTITIONER),
            (Process.SERVICE_LEVEL, Role.OWNER),
            (Process.INCIDENT, Role.OWNER),
            (Process.PROBLEM, Role.OWNER),
        )
    )
    assert badge.label == "Incident process owner +3"
    assert badge.roles == (
        "Incident process owner",
        "Problem process owner",
        "Service level process owner",
        "CSI process owner",
        "Incident practitioner",
    )


def test_a_cab_member_ranks_after_managers_and_before_practice():
    assert role_badge(agent_with((Process.CHANGE, Role.CAB_MEMBER))).label == "CAB member"
    badge = role_badge(
        agent_with(
            (Process.CHANGE, Role.CAB_MEMBER),
            (Process.CATALOG, Role.MANAGER),
            (Process.CHANGE, Role.PRACTITIONER),
        )
    )
    assert badge.label == "Catalogue manager +1"
    assert badge.roles == ("Catalogue manager", "CAB member", "Change practitioner")


def test_a_superuser_made_by_django_is_still_shown_as_administrator():
    # `createsuperuser` leaves kind at requester; the badge goes by what the person may do.
    admin = make_user("root", kind=UserKind.REQUESTER, is_superuser=True, is_staff=True)
    assert role_badge(admin).label == "Administrator"


def badge_in_header(client: Client) -> tuple[str, list[str]]:
    page = client.get(reverse("people:profile")).content.decode()
    label = re.search(r'<span class="badge [^"]*" id="role-badge"[^>]*>([^<]*)</span>', page)
    return label.group(1), re.findall(r"<span [^>]*data-role>([^<]*)</span>", page)


def test_the_header_shows_the_badge_and_the_menu_lists_every_role(client):
    manager = agent_with((Process.INCIDENT, Role.MANAGER), (Process.REQUEST, Role.MANAGER))
    assert badge_in_header(signed_in(client, manager)) == (
        "Incident manager +1",
        ["Incident manager", "Request manager"],
    )


def test_the_header_of_an_administrator_and_of_a_requester(admin_user, requester):
    assert badge_in_header(signed_in(Client(), admin_user)) == ("Administrator", [])
    assert badge_in_header(signed_in(Client(), requester)) == ("Requester", [])
