import pytest

from kaizen.testing import PASSWORD, make_service

pytestmark = pytest.mark.django_db


def test_it_sends_requesters_from_home_to_the_catalogue(client, requester):
    client.login(username="rita", password=PASSWORD)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/catalog/"


def test_it_shows_agents_an_overview_with_their_services(client, agent):
    make_service("Mail", owner=agent)
    client.login(username="alan", password=PASSWORD)
    page = client.get("/").content.decode()
    assert "Services I own" in page
    assert "Mail" in page
    assert "Audit trail" not in page  # no audit role, no audit link


def test_it_builds_navigation_by_role(client, requester, admin_user):
    client.login(username="rita", password=PASSWORD)
    page = client.get("/catalog/").content.decode()
    assert "Configuration items" not in page and "Administration" not in page
    client.login(username="ada", password=PASSWORD)
    page = client.get("/").content.decode()
    assert "Configuration items" in page and "Audit trail" in page and "Administration" in page
