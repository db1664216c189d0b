from django.db import migrations, models

import kaizen.kpis.models

# A custom KPI's sources are the analytics store's fact families (and external data points),
# read from the registry when the choices are shown: a process that adds a family needs no
# migration here. Choices only: nothing changes in the database.


class Migration(migrations.Migration):
    dependencies = [
        ("kpis", "0002_alter_measurement_source"),
    ]

    operations = [
        migrations.AlterField(
            model_name="customkpi",
            name="source",
            field=models.CharField(choices=kaizen.kpis.models.custom_kpi_sources, max_length=32),
        ),
    ]
