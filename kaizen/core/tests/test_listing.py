"""Shared list plumbing: capped counts in one query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kaizen.core.listing import capped_counts
from kaizen.people.models import User
from kaizen.testing import make_user

pytestmark = pytest.mark.django_db


def test_it_counts_each_list_up_to_the_cap_in_one_query():
    for number in range(4):
        make_user(f"person{number}", first_name="Same" if number < 3 else "Other")
    lists = {
        "same": User.objects.filter(first_name="Same"),
        "other": User.objects.filter(first_name="Other"),
        "nobody": User.objects.filter(first_name="Nobody"),
        "none": User.objects.none(),
    }
    with CaptureQueriesContext(connection) as captured:
        counts = capped_counts(lists, cap=2)
    assert counts == {"same": 3, "other": 1, "nobody": 0, "none": 0}  # 3 is "more than 2"
    assert len(captured.captured_queries) == 1
    assert capped_counts({"none": User.objects.none()}, cap=2) == {"none": 0}
