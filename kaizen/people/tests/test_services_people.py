import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.people import services
from kaizen.people.models import ApiToken, ProcessRole, User, UserKind, hash_token
from kaizen.people.tests.helpers import events_for
from kaizen.testing import PASSWORD, make_team, make_user

pytestmark = pytest.mark.django_db


def journal_text() -> str:
    return json.dumps(list(JournalEvent.objects.values("changes", "data", "subject_repr")))


def test_it_creates_a_user_and_journals_the_fields_but_not_the_password(admin_user):
    user = services.do_create_user(
        actor=admin_user, username="nina", first_name="Nina", kind="agent", password=PASSWORD
    )
    [event] = events_for(user)
    assert event.event_type == EventType.USER_CREATED
    assert event.actor == admin_user
    assert event.changes["first_name"] == {"old": None, "new": "Nina"}
    assert user.check_password(PASSWORD)
    assert PASSWORD not in journal_text()
    assert user.password not in journal_text()


def test_it_creates_a_user_without_a_password_who_cannot_sign_in():
    user = services.do_create_user(actor=None, username="sso.user")
    assert not user.has_usable_password()


def test_it_refuses_a_weak_password_naming_the_field():
    with pytest.raises(ValidationError) as caught:
        services.do_create_user(actor=None, username="weak", password="123")
    assert set(caught.value.error_dict) == {"password"}
    assert not User.objects.filter(username="weak").exists()


def test_it_journals_old_and_new_values_of_an_update(admin_user, agent):
    services.do_update_user(agent, actor=admin_user, job_title="Team lead", kind="agent")
    event = events_for(agent)[-1]
    assert event.event_type == EventType.USER_UPDATED
    assert event.changes == {"job_title": {"old": "", "new": "Team lead"}}


def test_it_writes_no_event_when_nothing_changed(agent):
    before = JournalEvent.objects.count()
    services.do_update_user(agent, actor=None, first_name=agent.first_name)
    assert JournalEvent.objects.count() == before


def test_it_refuses_an_unknown_time_zone(agent):
    with pytest.raises(ValidationError) as caught:
        services.do_update_user(agent, actor=None, time_zone="Mars/Olympus")
    assert "time_zone" in caught.value.error_dict


def test_it_lets_an_administrator_set_a_new_password_with_the_update(admin_user, agent):
    services.do_update_user(agent, actor=admin_user, phone="123", password="a-new-long-secret-9")
    agent.refresh_from_db()
    assert agent.check_password("a-new-long-secret-9")
    assert [event.event_type for event in events_for(agent)[-2:]] == [
        EventType.USER_UPDATED,
        EventType.USER_PASSWORD_CHANGED,
    ]
    assert "a-new-long-secret-9" not in journal_text()


def test_it_updates_a_profile_but_only_the_persons_own_fields(requester):
    services.do_update_profile(
        requester, actor=requester, phone="+351 555", time_zone="Europe/Lisbon"
    )
    assert events_for(requester)[-1].changes["time_zone"] == {"old": "", "new": "Europe/Lisbon"}
    for field, value in [("kind", UserKind.AGENT), ("is_superuser", True), ("department", "IT")]:
        with pytest.raises(ValueError, match=field):
            services.do_update_profile(requester, actor=requester, **{field: value})
    requester.refresh_from_db()
    assert requester.kind == UserKind.REQUESTER and not requester.is_superuser


def test_it_changes_a_password_and_journals_only_that_it_changed(agent):
    services.do_change_password(agent, "another-long-secret-7", actor=agent)
    agent.refresh_from_db()
    assert agent.check_password("another-long-secret-7")
    event = events_for(agent)[-1]
    assert event.event_type == EventType.USER_PASSWORD_CHANGED
    assert event.changes == {} and event.data == {}
    assert "another-long-secret-7" not in journal_text()


def test_it_refuses_a_password_like_the_username(agent):
    with pytest.raises(ValidationError) as caught:
        services.do_change_password(agent, "alan", actor=agent)
    assert "password" in caught.value.error_dict
    agent.refresh_from_db()
    assert agent.check_password(PASSWORD)


def test_it_creates_a_team_with_members_and_journals_them(admin_user, agent, manager):
    team = services.do_create_team(
        actor=admin_user, name="Network", slug="network", manager=manager, members=[agent]
    )
    [event] = events_for(team)
    assert event.event_type == EventType.TEAM_CREATED
    assert event.changes["members"] == {"old": [], "new": [{"id": agent.pk, "repr": "Alan Agent"}]}
    assert event.changes["manager"]["new"] == {"id": manager.pk, "repr": "Mo Manager"}


def test_it_refuses_a_requester_as_manager_or_member(requester):
    with pytest.raises(ValidationError) as caught:
        make_team("Desk", manager=requester)
    assert "manager" in caught.value.error_dict
    team = make_team("Desk")
    with pytest.raises(ValidationError) as caught:
        services.do_add_team_member(team, requester, actor=None)
    assert "user" in caught.value.error_dict


def test_it_journals_an_update_to_a_team(team, admin_user):
    services.do_update_team(team, actor=admin_user, email="desk@example.com")
    event = events_for(team)[-1]
    assert event.event_type == EventType.TEAM_UPDATED
    assert event.changes == {"email": {"old": "", "new": "desk@example.com"}}


def test_it_adds_and_removes_members_once_each(team, manager):
    newcomer = make_user("nia")
    assert services.do_add_team_member(team, newcomer, actor=manager) is True
    assert services.do_add_team_member(team, newcomer, actor=manager) is False
    assert services.do_remove_team_member(team, newcomer, actor=manager) is True
    assert services.do_remove_team_member(team, newcomer, actor=manager) is False
    added, removed = events_for(team)[-2:]
    assert added.event_type == EventType.TEAM_MEMBER_ADDED
    assert added.data == {"member": {"id": newcomer.pk, "repr": "Nia"}}
    assert removed.event_type == EventType.TEAM_MEMBER_REMOVED
    assert not team.members.filter(pk=newcomer.pk).exists()


def test_it_grants_and_revokes_a_role_with_journal_events(admin_user, agent):
    grant = services.do_grant_process_role(agent, "change", "cab_member", actor=admin_user)
    assert services.do_grant_process_role(agent, "change", "cab_member", actor=admin_user) == grant
    services.do_revoke_process_role(grant, actor=admin_user)
    granted, revoked = events_for(agent)[-2:]
    assert granted.event_type == EventType.PROCESS_ROLE_GRANTED
    assert granted.data == {"process": "change", "role": "cab_member"}
    assert revoked.event_type == EventType.PROCESS_ROLE_REVOKED
    assert not ProcessRole.objects.filter(pk=grant.pk).exists()


@pytest.mark.parametrize("process", ["incident", "problem", "request", "improvement"])
def test_it_allows_cab_membership_only_in_change(agent, process):
    with pytest.raises(ValidationError) as caught:
        services.do_grant_process_role(agent, process, "cab_member", actor=None)
    assert "role" in caught.value.error_dict


def test_it_enforces_the_cab_rule_in_the_database_too(agent):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProcessRole.objects.create(user=agent, process="incident", role="cab_member")


def test_it_refuses_unknown_processes_and_roles_naming_the_field(agent):
    for process, role, field in [("payroll", "owner", "process"), ("change", "boss", "role")]:
        with pytest.raises(ValidationError) as caught:
            services.do_grant_process_role(agent, process, role, actor=None)
        assert field in caught.value.error_dict


def test_it_lets_requesters_practise_but_not_lead(requester):
    services.do_grant_process_role(requester, "request", "practitioner", actor=None)
    with pytest.raises(ValidationError) as caught:
        services.do_grant_process_role(requester, "request", "owner", actor=None)
    assert "user" in caught.value.error_dict


def test_it_stores_only_the_hash_of_a_new_token(agent):
    token, secret = services.do_create_api_token(agent, "monitoring", actor=agent)
    assert secret.startswith(services.TOKEN_PREFIX) and len(secret) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == hash_token(secret)
    assert secret not in {stored.key_hash, stored.prefix, stored.name}
    assert secret.startswith(stored.prefix)
    event = events_for(agent)[-1]
    assert event.event_type == EventType.API_TOKEN_CREATED
    assert event.data == {"token": "monitoring", "prefix": stored.prefix}
    assert secret not in journal_text()


def test_it_refuses_a_nameless_or_already_expired_token(agent):
    for name, expires_at, field in [
        ("  ", None, "name"),
        ("ci", timezone.now() - timedelta(minutes=1), "expires_at"),
    ]:
        with pytest.raises(ValidationError) as caught:
            services.do_create_api_token(agent, name, actor=agent, expires_at=expires_at)
        assert field in caught.value.error_dict


def test_it_revokes_a_token_once(agent):
    token, _ = services.do_create_api_token(agent, "ci", actor=agent)
    services.do_revoke_api_token(token, actor=agent)
    services.do_revoke_api_token(token, actor=agent)
    token.refresh_from_db()
    assert token.revoked_at is not None and token.status == "revoked"
    revoked = [e for e in events_for(agent) if e.event_type == EventType.API_TOKEN_REVOKED]
    assert len(revoked) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [({"is_active": False}, "is_active"), ({"is_superuser": False}, "is_superuser")],
)
def test_the_last_active_administrator_is_never_deactivated_or_demoted(admin_user, change, field):
    with pytest.raises(ValidationError) as refused:
        services.do_update_user(admin_user, actor=admin_user, **change)
    assert refused.value.message_dict == {
        field: ["Ada Admin is the last active administrator: make someone else one first."]
    }
    admin_user.refresh_from_db()
    assert admin_user.is_active and admin_user.is_superuser
    assert [e.event_type for e in events_for(admin_user)] == [EventType.USER_CREATED]


def test_an_administrator_is_demoted_once_another_active_one_exists(admin_user):
    make_user("inactive-admin", is_superuser=True, is_active=False)  # does not count
    with pytest.raises(ValidationError):
        services.do_update_user(admin_user, actor=admin_user, is_superuser=False)
    grace = make_user("grace", is_superuser=True)
    services.do_update_user(admin_user, actor=grace, is_superuser=False, first_name="Ada")
    admin_user.refresh_from_db()
    assert not admin_user.is_superuser
    with pytest.raises(ValidationError):  # now grace is the last one
        services.do_update_user(grace, actor=grace, is_active=False)


def test_a_password_needs_at_least_twelve_characters():
    with pytest.raises(ValidationError) as refused:
        services.do_create_user(actor=None, username="short", password="tr0ub4dor&3")  # 11
    assert refused.value.message_dict["password"] == [
        "This password is too short. It must contain at least 12 characters."
    ]
    services.do_create_user(actor=None, username="long", password="tr0ub4dor&33")  # 12
