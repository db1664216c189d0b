"""A person's manager (who approves their service requests where a manager must), set by an
administrator on the person form and through the API."""

import pytest

from kaizen.people.models import User
from kaizen.people.tests.helpers import api_client, events_for, signed_in
from kaizen.testing import make_user

pytestmark = pytest.mark.django_db


def test_an_administrator_sets_a_manager_on_the_person_form(client, admin_user, requester):
    boss = make_user("boss", first_name="Bea", last_name="Boss")
    signed_in(client, admin_user)
    page = client.get(f"/people/{requester.pk}/edit/")
    form = page.context["form"]
    assert "manager" in form.fields
    # Anyone active but the person themselves.
    choices = set(form.fields["manager"].queryset)
    assert boss in choices and requester not in choices
    assert "No manager" in page.content.decode()
    data = {name: value for name, value in form.initial.items() if value not in (None, False)}
    data["manager"] = boss.pk
    response = client.post(f"/people/{requester.pk}/edit/", data)
    assert response.status_code == 302
    requester.refresh_from_db()
    assert requester.manager == boss
    assert set(events_for(requester)[-1].changes) == {"manager"}


def test_the_api_reads_and_sets_the_manager(admin_user, requester):
    boss = make_user("boss")
    client = api_client(admin_user)
    assert client.get(f"/api/v1/users/{requester.pk}/").json()["manager"] is None
    response = client.patch(f"/api/v1/users/{requester.pk}/", {"manager": boss.pk, "version": 1})
    assert response.status_code == 200, response.content
    assert response.json()["manager"] == boss.pk
    requester.refresh_from_db()
    assert requester.manager == boss
    cleared = client.patch(
        f"/api/v1/users/{requester.pk}/", {"manager": None, "version": 2}, format="json"
    )
    assert cleared.status_code == 200 and cleared.json()["manager"] is None


def test_nobody_is_their_own_manager_and_the_error_names_the_field(admin_user, requester):
    client = api_client(admin_user)
    response = client.patch(
        f"/api/v1/users/{requester.pk}/", {"manager": requester.pk, "version": 1}
    )
    assert response.status_code == 400
    assert "manager" in response.json()
    gone = make_user("gone", is_active=False)
    response = client.patch(f"/api/v1/users/{requester.pk}/", {"manager": gone.pk, "version": 1})
    assert response.status_code == 400 and "manager" in response.json()
    assert User.objects.get(pk=requester.pk).manager is None
