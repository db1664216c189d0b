"""SLA clocks point at any registered kind of ticket (content type + id) instead of an
incident; definitions name the ticket kind they apply to; a recompute run counts tickets.

Existing clocks are carried over to the incident content type with the same ids, and existing
definitions to the incident kind."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F


def clocks_to_incident_tickets(apps, schema_editor):
    SLAClock = apps.get_model("sla", "SLAClock")
    if not SLAClock.objects.exists():
        return
    ContentType = apps.get_model("contenttypes", "ContentType")
    incident_type, _ = ContentType.objects.get_or_create(app_label="incidents", model="incident")
    SLAClock.objects.update(ticket_type=incident_type, ticket_id=F("incident_id"))


def clocks_to_incidents(apps, schema_editor):
    SLAClock = apps.get_model("sla", "SLAClock")
    SLAClock.objects.update(incident_id=F("ticket_id"))


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("incidents", "0005_queue_indexes"),
        ("sla", "0002_slaclock"),
    ]

    operations = [
        migrations.AddField(
            model_name="slaclock",
            name="ticket_type",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="contenttypes.contenttype",
            ),
        ),
        migrations.AddField(
            model_name="slaclock",
            name="ticket_id",
            field=models.PositiveBigIntegerField(null=True),
        ),
        migrations.RemoveConstraint(model_name="slaclock", name="unique_clock_sequence"),
        migrations.AlterField(  # nullable while the rows are carried over (and back)
            model_name="slaclock",
            name="incident",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="sla_clocks",
                to="incidents.incident",
            ),
        ),
        migrations.RunPython(clocks_to_incident_tickets, clocks_to_incidents),
        migrations.RemoveField(model_name="slaclock", name="incident"),
        migrations.AlterField(
            model_name="slaclock",
            name="ticket_type",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="contenttypes.contenttype",
            ),
        ),
        migrations.AlterField(
            model_name="slaclock",
            name="ticket_id",
            field=models.PositiveBigIntegerField(),
        ),
        migrations.AlterModelOptions(
            name="slaclock",
            options={"ordering": ["ticket_type_id", "ticket_id", "sequence"]},
        ),
        migrations.AddConstraint(
            model_name="slaclock",
            constraint=models.UniqueConstraint(
                fields=("ticket_type", "ticket_id", "sequence"), name="unique_clock_sequence"
            ),
        ),
        migrations.AddField(
            model_name="sladefinition",
            name="ticket_kind",
            field=models.CharField(default="incident", max_length=40),
        ),
        migrations.RenameField(model_name="recomputerun", old_name="incidents", new_name="tickets"),
    ]
