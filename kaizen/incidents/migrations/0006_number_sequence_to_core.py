"""Number counters move to core, where every process takes its numbers (kaizen.core.numbering):
the counters are copied over, then the incident app's table is dropped."""

from django.db import migrations


def copy_counters(apps, schema_editor):
    Old = apps.get_model("incidents", "NumberSequence")
    New = apps.get_model("core", "NumberSequence")
    for counter in Old.objects.all():
        New.objects.update_or_create(
            name=counter.name, defaults={"last_value": counter.last_value}
        )


def copy_counters_back(apps, schema_editor):
    Old = apps.get_model("incidents", "NumberSequence")
    New = apps.get_model("core", "NumberSequence")
    for counter in New.objects.all():
        Old.objects.update_or_create(
            name=counter.name, defaults={"last_value": counter.last_value}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0005_queue_indexes"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(copy_counters, copy_counters_back),
        migrations.DeleteModel(name="NumberSequence"),
    ]
