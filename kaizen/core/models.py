"""What every process's records share in the database."""

from django.db import models


class NumberSequence(models.Model):
    """The last number handed out per record kind ("incident", later "change", "problem"...);
    the row is locked while a number is taken (kaizen.core.numbering)."""

    name = models.CharField(max_length=32, primary_key=True)
    last_value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.last_value}"
