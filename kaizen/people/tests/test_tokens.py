import datetime
import zoneinfo

import pytest
from django.utils import timezone

from kaizen.journal.events import EventType
from kaizen.people import services
from kaizen.people.models import ApiToken, hash_token
from kaizen.people.tests.helpers import assert_constant_queries, events_for, signed_in
from kaizen.testing import make_user

pytestmark = pytest.mark.django_db


def test_it_lists_only_my_own_tokens(client, agent, catalog_manager):
    services.do_create_api_token(agent, "monitoring", actor=agent)
    services.do_create_api_token(catalog_manager, "cara-script", actor=catalog_manager)
    page = signed_in(client, agent).get("/profile/tokens/").content.decode()
    assert "monitoring" in page and "cara-script" not in page


def test_it_shows_a_new_secret_exactly_once_and_stores_only_its_hash(client, agent):
    signed_in(client, agent)
    response = client.post("/profile/tokens/", {"name": "monitoring"})
    assert response.status_code == 200
    secret = response.context["created"]["secret"]
    assert secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=agent)
    assert token.key_hash == hash_token(secret) and token.expires_at is None
    page = client.get("/profile/tokens/").content.decode()
    assert "monitoring" in page and token.prefix in page and secret not in page
    assert events_for(agent)[-1].event_type == EventType.API_TOKEN_CREATED


def test_it_sets_an_expiry_at_the_end_of_the_chosen_day(client, agent):
    day = timezone.localdate() + datetime.timedelta(days=30)
    signed_in(client, agent).post("/profile/tokens/", {"name": "ci", "expires_at": day.isoformat()})
    expires_at = timezone.localtime(ApiToken.objects.get().expires_at)
    assert (expires_at.date(), expires_at.time()) == (
        day + datetime.timedelta(days=1),
        datetime.time.min,
    )


@pytest.mark.parametrize(
    "data, field",
    [({"name": ""}, "name"), ({"name": "ci", "expires_at": "2001-01-01"}, "expires_at")],
)
def test_it_shows_field_errors_for_a_bad_token(client, agent, data, field):
    page = signed_in(client, agent).post("/profile/tokens/", data).content.decode()
    assert f'id="id_{field}_errors"' in page
    assert not ApiToken.objects.exists()


def test_it_shows_times_in_my_own_time_zone(client, agent):
    services.do_update_profile(agent, actor=agent, time_zone="Pacific/Kiritimati")  # UTC+14
    token, _ = services.do_create_api_token(agent, "ci", actor=agent)
    page = signed_in(client, agent).get("/profile/tokens/").content.decode()
    local = token.created_at.astimezone(zoneinfo.ZoneInfo("Pacific/Kiritimati"))
    assert local.strftime("%H:%M") in page


def test_it_revokes_my_token(client, agent):
    token, _ = services.do_create_api_token(agent, "ci", actor=agent)
    response = signed_in(client, agent).post(f"/profile/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.status == "revoked"
    assert "Revoked" in client.get("/profile/tokens/").content.decode()


def test_it_cannot_revoke_someone_elses_token(client, agent, admin_user):
    token, _ = services.do_create_api_token(agent, "ci", actor=agent)
    signed_in(client, admin_user)
    assert client.post(f"/profile/tokens/{token.pk}/revoke/").status_code == 404
    assert client.get(f"/profile/tokens/{token.pk}/revoke/").status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_it_lists_tokens_in_a_constant_number_of_queries(client, agent):
    services.do_create_api_token(agent, "first", actor=agent)

    def more_tokens():
        for number in range(5):
            services.do_create_api_token(agent, f"token {number}", actor=agent)
        services.do_create_api_token(make_user(), "not mine", actor=None)

    assert_constant_queries(signed_in(client, agent), "/profile/tokens/", "token_list", more_tokens)
