"""`kaizen createadmin`: an administrator, e.g. the first one of a new installation.

On a terminal it asks for the username, e-mail address and password (twice), and asks again
for a value it cannot use. With --noinput it takes them from --username, --email and the
KAIZEN_ADMIN_PASSWORD variable (or the file KAIZEN_ADMIN_PASSWORD_FILE names), and fails with
a message naming what is wrong. Django's `createsuperuser` makes a superuser that Kaizen would
count as a requester; this one makes an administrator the way the people app models one
(`do_create_administrator`), journaled.
"""

import getpass
import sys
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email

from kaizen.core.context import correlation
from kaizen.env import env_str
from kaizen.people.models import User
from kaizen.people.services import do_create_administrator

PASSWORD_VARIABLE = "KAIZEN_ADMIN_PASSWORD"


class Command(BaseCommand):
    stealth_options = ("stdin",)  # tests hand in a terminal, as for Django's createsuperuser
    help = (
        "Create an administrator (manages people and roles, leads every process, works "
        f"tickets). Without a terminal: --noinput --username NAME [--email ADDRESS] with the "
        f"password in {PASSWORD_VARIABLE} (or {PASSWORD_VARIABLE}_FILE)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", help="asked for when not given (default: admin)")
        parser.add_argument("--email", help="for notifications; asked for when not given")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help=f"ask nothing: --username is required, the password comes from "
            f"{PASSWORD_VARIABLE}",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stdin = options.get("stdin", sys.stdin)
        if options["interactive"] and not (hasattr(stdin, "isatty") and stdin.isatty()):
            raise CommandError(
                "not a terminal, so nothing can be asked: use --noinput --username NAME "
                f"with the password in {PASSWORD_VARIABLE}"
            )
        names = {"first_name": options["first_name"], "last_name": options["last_name"]}
        if options["interactive"]:
            fields = self._ask_all(options["username"], options["email"], names)
        else:
            fields = self._given(options["username"], options["email"], names)
        try:
            with correlation():
                admin = do_create_administrator(actor=None, **names, **fields)
        except ValidationError as exc:
            raise CommandError(_describe(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Administrator {admin.username} created: sign in at "
                f"{settings.KAIZEN_SITE_URL}/login/"
            )
        )

    def _given(self, username: str | None, email: str | None, names: dict[str, str]) -> dict:
        if not username:
            raise CommandError("--noinput needs --username")
        password = env_str(PASSWORD_VARIABLE)
        if not password:
            raise CommandError(
                f"--noinput needs the password in {PASSWORD_VARIABLE} "
                f"(or a file named by {PASSWORD_VARIABLE}_FILE)"
            )
        try:
            _check_username(username)
            _check_email(email or "")
            _check_password(password, username, email or "", names)
        except ValidationError as exc:
            raise CommandError(_describe(exc)) from exc
        return {"username": username, "email": email or "", "password": password}

    def _ask_all(self, username: str | None, email: str | None, names: dict[str, str]) -> dict:
        if username:
            self._or_fail(_check_username, username)
        else:
            username = self._ask("Username [admin]: ", _check_username, default="admin")
        if email is not None:
            self._or_fail(_check_email, email)
        else:
            email = self._ask("E-mail address (may be empty): ", _check_email, default="")
        while True:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                self.stderr.write("The two passwords differ.")
                continue
            try:
                _check_password(password, username, email, names)
            except ValidationError as exc:
                self.stderr.write(_describe(exc))
                continue
            return {"username": username, "email": email, "password": password}

    def _ask(self, prompt: str, check: Callable[[str], None], *, default: str) -> str:
        while True:
            value = input(prompt).strip() or default
            try:
                check(value)
            except ValidationError as exc:
                self.stderr.write(_describe(exc))
                continue
            return value

    def _or_fail(self, check: Callable[[str], None], value: str) -> None:
        try:
            check(value)
        except ValidationError as exc:
            raise CommandError(_describe(exc)) from exc


def _check_username(username: str) -> None:
    try:
        User._meta.get_field("username").run_validators(username)
    except ValidationError as exc:
        raise ValidationError({"username": exc.messages}) from exc
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": f"there is already a user named {username}"})


def _check_email(email: str) -> None:
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ValidationError({"email": exc.messages}) from exc


def _check_password(password: str, username: str, email: str, names: dict[str, str]) -> None:
    """The password validators (settings.AUTH_PASSWORD_VALIDATORS), against the person the
    password is for: a password like the username is refused before anything is written."""
    try:
        validate_password(password, User(username=username, email=email, **names))
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc


def _describe(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
        )
    return " ".join(error.messages)
