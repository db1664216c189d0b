from collections.abc import Callable

from django.test import Client
from rest_framework.test import APIClient

from kaizen.journal.models import JournalEvent
from kaizen.people.models import User
from kaizen.testing import PASSWORD
from kaizen.testing import assert_constant_queries as shared_assert_constant_queries


def signed_in(client: Client, user: User) -> Client:
    assert client.login(username=user.username, password=PASSWORD)
    return client


def api_client(user: User | None = None) -> APIClient:
    """An API client with a real session, so requests run the same queries as a browser's."""
    client = APIClient()
    if user is not None:
        signed_in(client, user)
    return client


def events_for(subject) -> list[JournalEvent]:
    return list(JournalEvent.objects.for_subject(subject).order_by("id"))


def assert_constant_queries(
    client: Client, url: str, key: str, add_rows: Callable[[], None]
) -> None:
    """The page costs its baseline number of queries, and no more after `add_rows()`."""
    shared_assert_constant_queries("people", key, lambda: client.get(url), add_rows)
