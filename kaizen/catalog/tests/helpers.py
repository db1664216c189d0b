from collections.abc import Callable

from django.contrib.contenttypes.models import ContentType
from django.http import HttpResponse

from kaizen.journal.models import JournalEvent
from kaizen.testing import assert_query_count


def assert_constant_queries(
    key: str, fetch: Callable[[], HttpResponse], add_rows: Callable[[], object]
) -> None:
    """`fetch()` answers 200 in the committed baseline `key` of queries, before and after
    `add_rows()` adds more rows. The content-type cache is emptied first so the count does not
    depend on which test ran before."""
    counts = []
    for step in range(2):
        if step:
            add_rows()
        ContentType.objects.clear_cache()
        with assert_query_count("catalog", key) as captured:
            assert fetch().status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def last_event(subject) -> JournalEvent:
    return JournalEvent.objects.for_subject(subject).latest("id")
