"""Recompute runs record their journal mark and configuration, and the settled tickets they left."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('sla', '0003_clocks_for_any_ticket_kind'),
    ]

    operations = [
        migrations.AddField(
            model_name='recomputerun',
            name='configuration',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name='recomputerun',
            name='full',
            field=models.BooleanField(default=False, help_text='Every ticket recomputed, settled ones included'),
        ),
        migrations.AddField(
            model_name='recomputerun',
            name='journal_mark',
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='recomputerun',
            name='settled_tickets',
            field=models.PositiveIntegerField(default=0),
        ),
    ]
