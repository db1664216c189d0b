from functools import partial

from kaizen.journal.models import JournalEvent
from kaizen.testing import assert_constant_queries as shared_assert_constant_queries

# The shared check, with this app's query_counts.json.
assert_constant_queries = partial(shared_assert_constant_queries, "catalog")


def last_event(subject) -> JournalEvent:
    return JournalEvent.objects.for_subject(subject).latest("id")
