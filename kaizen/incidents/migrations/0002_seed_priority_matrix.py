"""The standard ITIL priority matrix (impact x urgency -> priority) and the number counter."""

from django.db import migrations

STANDARD_MATRIX = {
    (1, 1): 1,
    (1, 2): 2,
    (1, 3): 3,
    (2, 1): 2,
    (2, 2): 3,
    (2, 3): 4,
    (3, 1): 3,
    (3, 2): 4,
    (3, 3): 5,
}


def seed(apps, schema_editor):
    PriorityMatrix = apps.get_model("incidents", "PriorityMatrix")
    NumberSequence = apps.get_model("incidents", "NumberSequence")
    for (impact, urgency), priority in STANDARD_MATRIX.items():
        PriorityMatrix.objects.get_or_create(
            impact=impact, urgency=urgency, defaults={"priority": priority}
        )
    NumberSequence.objects.get_or_create(name="incident")


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
