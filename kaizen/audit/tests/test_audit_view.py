import pytest

from kaizen.people.services import do_grant_process_role
from kaizen.testing import PASSWORD, assert_query_count, make_service

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
    make_service("Mail")
    with assert_query_count("audit", "audit_page") as few:
        assert client.get("/audit/").status_code == 200
    for number in range(10):
        make_service(f"More {number}")
    with assert_query_count("audit", "audit_page") as many:
        assert client.get("/audit/").status_code == 200
    assert len(few.captured_queries) == len(many.captured_queries)
