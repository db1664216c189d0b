"""Record numbers: one locked counter per kind, taken numbers skipped, imports advance it."""

import pytest
from django.db import transaction

from kaizen.core.models import NumberSequence
from kaizen.core.numbering import NumberFormat, advance_past, next_number

pytestmark = pytest.mark.django_db

CHANGES = NumberFormat(sequence="change", prefix="CHG")


def test_it_hands_out_numbers_in_order_per_kind():
    never_taken = lambda number: False  # noqa: E731
    assert next_number(CHANGES, taken=never_taken) == "CHG0000001"
    assert next_number(CHANGES, taken=never_taken) == "CHG0000002"
    problems = NumberFormat(sequence="problem", prefix="PRB", digits=5)
    assert next_number(problems, taken=never_taken) == "PRB00001"


def test_it_skips_numbers_that_are_taken():
    taken = {"CHG0000001", "CHG0000002"}
    assert next_number(CHANGES, taken=taken.__contains__) == "CHG0000003"
    assert NumberSequence.objects.get(name="change").last_value == 3


def test_it_gives_a_rolled_back_number_back():
    with pytest.raises(RuntimeError), transaction.atomic():
        next_number(CHANGES, taken=lambda number: False)
        raise RuntimeError("the record was not created")
    assert next_number(CHANGES, taken=lambda number: False) == "CHG0000001"


def test_it_starts_after_the_highest_kept_number_of_its_pattern():
    advance_past(CHANGES, ["CHG0000040", "CHG0000007", "INC0000900", "CHG12X", "legacy-5"])
    assert next_number(CHANGES, taken=lambda number: False) == "CHG0000041"
    advance_past(CHANGES, ["CHG0000003"])  # never moves back
    assert next_number(CHANGES, taken=lambda number: False) == "CHG0000042"
