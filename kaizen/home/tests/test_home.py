"""Who sees which blocks: each role its own, several roles all of theirs, nobody a block that
links to what they may not open."""

import pytest

from kaizen.people import services as people_services
from kaizen.people.models import Process, ProcessRole, Role, UserKind
from kaizen.testing import PASSWORD, make_user

pytestmark = pytest.mark.django_db

AGENT = {"agent-mine", "agent-team-breaching", "agent-caller-updated", "agent-team-unassigned"}
INCIDENT_LEADER = {"process-kpis", "process-sla", "process-services"}
CSI = {"csi-steps", "csi-blocked", "csi-opportunities", "csi-kpis"}
REQUESTER = {"requester-tickets", "requester-catalogue"}
ADMIN = {"admin-worker", "admin-analytics", "admin-mail", "admin-imports"}


def keys(client, username):
    client.login(username=username, password=PASSWORD)
    response = client.get("/")
    assert response.status_code == 200
    return {block.key for block in response.context["blocks"]}


def test_it_sends_anonymous_visitors_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_requester_sees_only_the_requester_blocks(client, requester):
    assert keys(client, "rita") == REQUESTER
    page = client.get("/").content.decode()
    assert "/incidents/queues/" not in page and "/kpis/" not in page and "/improvement/" not in page


def test_an_agent_sees_the_agent_blocks(client, agent):
    assert keys(client, "alan") == AGENT


def test_a_catalogue_manager_also_sees_the_catalogue_kpis(client, catalog_manager):
    assert keys(client, "cara") == AGENT | {"process-kpis-catalog"}


def test_a_person_with_several_roles_sees_the_blocks_of_each(client):
    both = make_user("olga", first_name="Olga", last_name="Owner")
    people_services.do_grant_process_role(both, Process.INCIDENT, Role.OWNER, actor=None)
    people_services.do_grant_process_role(both, Process.IMPROVEMENT, Role.MANAGER, actor=None)
    assert keys(client, "olga") == AGENT | INCIDENT_LEADER | CSI


def test_an_administrator_sees_system_health_and_the_agent_blocks(client, admin_user):
    # `kaizen createadmin` makes administrators agent accounts: they work tickets too.
    assert keys(client, "ada") == ADMIN | AGENT


def test_a_superuser_left_a_requester_account_gets_no_agent_blocks(client, admin_user):
    admin_user.kind = UserKind.REQUESTER
    admin_user.save()
    assert keys(client, "ada") == ADMIN


def test_a_requester_holding_a_leading_role_still_sees_no_internal_block(client, requester):
    # Leading roles are granted to agents only; one left behind on a person made a requester
    # again must not show them KPIs or queues.
    ProcessRole.objects.create(user=requester, process=Process.INCIDENT, role=Role.OWNER)
    assert keys(client, "rita") == REQUESTER


def test_the_navigation_has_home_for_everyone(client, requester):
    client.login(username="rita", password=PASSWORD)
    page = client.get("/catalog/").content.decode()
    assert 'href="/"' in page
    assert "Configuration items" not in page and "Administration" not in page
