from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("kpis", "0003_alter_customkpi_source"),
    ]

    operations = [
        migrations.AddField(
            model_name="measurementrun",
            name="scope",
            field=models.CharField(
                choices=[
                    ("recent", "The recent months"),
                    ("history", "The whole history"),
                    ("chosen", "Chosen KPIs, periods or range"),
                ],
                default="chosen",
                max_length=8,
            ),
        ),
        migrations.AddField(
            model_name="measurementrun",
            name="events_behind",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="Journal events the analytics store had not synced when measured (0: all)",
                null=True,
            ),
        ),
    ]
