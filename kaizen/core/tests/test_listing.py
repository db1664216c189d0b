"""Shared list plumbing: capped counts in one query, paging by primary key."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kaizen.core.listing import PrimaryKeyPaginator, capped_counts
from kaizen.people.models import Team, User
from kaizen.testing import make_team, make_user

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


def test_pages_by_primary_key_build_only_the_page_rows_without_their_joins_in_the_count():
    """The count and the page's keys come from the list as filtered and sorted; only the
    page's rows are read through the shown columns (here the manager's name: a join)."""
    managers = [make_user(f"manager{number}", first_name=f"M{number}") for number in range(3)]
    for number in range(7):
        make_team(f"Team {number}", manager=managers[number % 3])
    teams = Team.objects.filter(name__startswith="Team ").order_by("-name", "pk")

    paginator = PrimaryKeyPaginator(
        teams, 3, rows=lambda page: page.values("pk", "name", "manager__first_name")
    )
    with CaptureQueriesContext(connection) as captured:
        second = paginator.page(2)
        rows = list(second.object_list)

    assert paginator.count == 7 and paginator.num_pages == 3
    assert [(row["name"], row["manager__first_name"]) for row in rows] == [
        ("Team 3", "M0"),
        ("Team 2", "M2"),
        ("Team 1", "M1"),
    ]
    count_sql, keys_sql, rows_sql = (query["sql"] for query in captured.captured_queries)
    user_table = User._meta.db_table
    assert "COUNT" in count_sql and user_table not in count_sql
    assert user_table not in keys_sql and "LIMIT 3" in keys_sql
    assert user_table in rows_sql  # the page's rows with the joined name
    assert [row["name"] for row in paginator.page(3).object_list] == ["Team 0"]
