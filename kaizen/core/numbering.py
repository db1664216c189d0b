"""Record numbers (INC0000001, CHG0000001, ...) from one locked counter per record kind.

A process describes its numbers once (`NumberFormat`) and takes them inside the transaction
that creates the record, so a number is never handed out twice and a rolled-back creation
gives its number back. Numbers kept from an import advance the counter past them.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from kaizen.core.models import NumberSequence


@dataclass(frozen=True)
class NumberFormat:
    sequence: str  # the counter's name, e.g. "incident"
    prefix: str  # e.g. "INC"
    digits: int = 7

    def format(self, value: int) -> str:
        return f"{self.prefix}{value:0{self.digits}d}"

    def value_of(self, number: str) -> int | None:
        """The counter value `number` stands for, or None when it is not of this pattern."""
        if not number.startswith(self.prefix):
            return None
        digits = number[len(self.prefix) :]
        return int(digits) if digits.isdigit() else None


def _locked_counter(numbers: NumberFormat) -> NumberSequence:
    counter, _ = NumberSequence.objects.select_for_update().get_or_create(name=numbers.sequence)
    return counter


def next_number(numbers: NumberFormat, *, taken: Callable[[str], bool]) -> str:
    """The next free number: the counter row is locked until the transaction ends; numbers
    `taken` already (kept from an import) are skipped."""
    counter = _locked_counter(numbers)
    while True:
        counter.last_value += 1
        number = numbers.format(counter.last_value)
        if not taken(number):
            break
    counter.save(update_fields=["last_value"])
    return number


def advance_past(numbers: NumberFormat, kept: Iterable[str]) -> None:
    """Let numbers handed out later start after the `kept` ones of this pattern."""
    highest = max((v for v in map(numbers.value_of, kept) if v is not None), default=0)
    if not highest:
        return
    counter = _locked_counter(numbers)
    if counter.last_value < highest:
        counter.last_value = highest
        counter.save(update_fields=["last_value"])


def keep_number(numbers: NumberFormat, number: str, model: type, noun: str) -> str:
    """A number given from outside (an import's): free among `model`'s numbers, and the counter
    moved past it; a refusal names the `number` field."""
    from django.core.exceptions import ValidationError

    number = number.strip()
    longest = model._meta.get_field("number").max_length
    if not number or len(number) > longest:
        raise ValidationError({"number": f"give a number of at most {longest} characters"})
    if model._default_manager.filter(number=number).exists():
        raise ValidationError({"number": f"{number} is taken by another {noun}"})
    advance_past(numbers, [number])
    return number
