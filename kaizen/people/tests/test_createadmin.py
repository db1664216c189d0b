"""`kaizen createadmin`: an administrator as the people app models one, asked for on a terminal
or given with --noinput."""

import io
from collections.abc import Iterator

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from kaizen.journal.events import EventType
from kaizen.people import permissions
from kaizen.people.models import Process, Role, User, UserKind
from kaizen.people.tests.helpers import events_for

pytestmark = pytest.mark.django_db
PASSWORD = "quiet-meadow-lantern-42"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def answer(monkeypatch, inputs: list[str], passwords: list[str]) -> None:
    """Type `inputs` at the prompts and `passwords` at the password prompts, in order."""
    typed: Iterator[str] = iter(inputs)
    hidden: Iterator[str] = iter(passwords)
    monkeypatch.setattr("builtins.input", lambda prompt="": next(typed))
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(hidden))


def create(*args: str, **options) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("createadmin", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_it_creates_an_administrator_without_asking(monkeypatch):
    monkeypatch.setenv("KAIZEN_ADMIN_PASSWORD", PASSWORD)
    out, _ = create("--noinput", "--username", "root", "--email", "root@example.com")
    assert out == "Administrator root created: sign in at http://127.0.0.1:8000/login/\n"
    admin = User.objects.get(username="root")
    assert (admin.kind, admin.is_superuser, admin.is_staff) == (UserKind.AGENT, True, True)
    assert admin.email == "root@example.com" and admin.check_password(PASSWORD)
    # What an administrator may do follows from that: people, roles and every process.
    assert permissions.is_admin(admin) and permissions.can_manage_people(admin)
    assert permissions.has_process_role(admin, Process.CHANGE, [Role.OWNER])
    assert Client().login(username="root", password=PASSWORD)
    [created] = events_for(admin)
    assert created.event_type == EventType.USER_CREATED and created.actor is None
    assert created.changes["is_superuser"] == {"old": None, "new": True}
    assert created.changes["kind"] == {"old": None, "new": UserKind.AGENT}


def test_it_reads_the_password_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "password"
    secret.write_text(PASSWORD + "\n")
    monkeypatch.setenv("KAIZEN_ADMIN_PASSWORD_FILE", str(secret))
    create("--noinput", "--username", "root")
    assert User.objects.get(username="root").check_password(PASSWORD)


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["--username", "root"], None, "--noinput needs the password in KAIZEN_ADMIN_PASSWORD"),
        ([], PASSWORD, "--noinput needs --username"),
        (["--username", "root"], "password1234", "password: This password is too common."),
        (["--username", "operator"], "operator1", "password: The password is too similar"),
        (["--username", "no spaces"], PASSWORD, "username: Enter a valid username."),
        (["--username", "root", "--email", "root@"], PASSWORD, "email: Enter a valid email"),
    ],
)
def test_without_input_it_names_what_is_wrong_and_writes_nothing(
    monkeypatch, args, password, message
):
    if password:
        monkeypatch.setenv("KAIZEN_ADMIN_PASSWORD", password)
    else:
        monkeypatch.delenv("KAIZEN_ADMIN_PASSWORD", raising=False)
    with pytest.raises(CommandError, match=message):
        create("--noinput", *args)
    assert not User.objects.exists()


def test_it_refuses_a_username_that_is_taken(monkeypatch, requester):
    monkeypatch.setenv("KAIZEN_ADMIN_PASSWORD", PASSWORD)
    with pytest.raises(CommandError, match="username: there is already a user named rita"):
        create("--noinput", "--username", "rita")
    requester.refresh_from_db()
    assert not requester.is_superuser


def test_on_a_terminal_it_asks_again_for_what_it_cannot_use(monkeypatch, requester):
    answer(
        monkeypatch,
        inputs=["rita", "", "not-an-address", "ada@example.com"],  # "" takes "admin"
        passwords=[PASSWORD, "typo", "password1234", "password1234", PASSWORD, PASSWORD],
    )
    out, err = create(stdin=Terminal())
    assert err.splitlines() == [
        "username: there is already a user named rita",
        "email: Enter a valid email address.",
        "The two passwords differ.",
        "password: This password is too common.",
    ]
    assert out.startswith("Administrator admin created")
    admin = User.objects.get(username="admin")
    assert admin.email == "ada@example.com" and admin.is_superuser
    assert admin.check_password(PASSWORD)


def test_on_a_terminal_it_asks_only_for_what_was_not_given(monkeypatch):
    answer(monkeypatch, inputs=[], passwords=[PASSWORD, PASSWORD])
    create("--username", "ada", "--email", "", stdin=Terminal())
    admin = User.objects.get(username="ada")
    assert admin.email == "" and admin.kind == UserKind.AGENT


def test_without_a_terminal_it_says_how_to_run_without_input():
    with pytest.raises(CommandError, match="not a terminal.*--noinput --username NAME"):
        create(stdin=io.StringIO())
    assert not User.objects.exists()
