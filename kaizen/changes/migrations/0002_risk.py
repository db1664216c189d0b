"""Risk: the questionnaire with its rules (versioned), answers, assessments; the default
questionnaire (version 1), whose rules reproduce the rules Kaizen had before it was
configurable (emergency => high, high impact => high, expected outage => moderate); and the
indexes the evidence's queries use (docs/change-risk.md)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


DEFAULT_THRESHOLDS = {"moderate_from": 4, "high_from": 8, "very_high_from": 13}
DEFAULT_QUESTIONS = [
    (
        "Has this change been tested in a staging environment?",
        [("Yes, the same change on a copy of production", 0), ("Partly", 2), ("No", 4)],
    ),
    (
        "Can it be backed out within the change window?",
        [("Yes, and the back-out was tested", 0), ("Yes, but untested", 2), ("No", 5)],
    ),
    (
        "Does it need an outage?",
        [("No", 0), ("Yes, inside a maintenance window", 1), ("Yes, outside any window", 4)],
    ),
    (
        "Has the team made a change like this before?",
        [("Often", 0), ("Once or twice", 1), ("Never", 3)],
    ),
    (
        "Who notices if it goes wrong?",
        [("One team", 0), ("A department or a site", 2), ("Everyone, or customers", 4)],
    ),
]
# (kind, ci_type, criticality, at_least)
DEFAULT_RULES = [
    ("emergency", "", "", 3),
    ("high_impact", "", "", 3),
    ("expected_outage", "", "", 2),
    ("service_criticality", "", "critical", 2),
]


def seed(apps, schema_editor=None):
    """Version 1, unless a questionnaire exists (also called by the tests' restore of seeded
    rows after a flush)."""
    from django.utils import timezone

    Questionnaire = apps.get_model("changes", "RiskQuestionnaire")
    Question = apps.get_model("changes", "RiskQuestion")
    Option = apps.get_model("changes", "RiskAnswerOption")
    Rule = apps.get_model("changes", "RiskRule")
    if Questionnaire.objects.exists():
        return
    questionnaire = Questionnaire.objects.create(
        version_number=1,
        note="The default questionnaire",
        published_at=timezone.now(),
        **DEFAULT_THRESHOLDS,
    )
    for position, (text, options) in enumerate(DEFAULT_QUESTIONS, start=1):
        question = Question.objects.create(
            questionnaire=questionnaire, position=position, text=text
        )
        for index, (label, weight) in enumerate(options, start=1):
            Option.objects.create(question=question, position=index, label=label, weight=weight)
    for position, (kind, ci_type, criticality, at_least) in enumerate(DEFAULT_RULES, start=1):
        Rule.objects.create(
            questionnaire=questionnaire,
            position=position,
            kind=kind,
            ci_type=ci_type,
            criticality=criticality,
            at_least=at_least,
        )


# The evidence's tiers read closed changes newest first per template, category, team, and its
# prior the most recently closed ones (services/evidence.py).
EVIDENCE_INDEXES = [
    ("change_risk_closed", "state, closed_at"),
    ("change_risk_template", "template_id, state, closed_at"),
    ("change_risk_category_team", "category_id, assignment_group_id, state, closed_at"),
    ("change_risk_team", "assignment_group_id, state, closed_at"),
]
CREATE_INDEXES = [
    f"CREATE INDEX IF NOT EXISTS {name} ON changes_change ({columns})"
    for name, columns in EVIDENCE_INDEXES
]
DROP_INDEXES = [f"DROP INDEX IF EXISTS {name}" for name, _ in EVIDENCE_INDEXES]


class Migration(migrations.Migration):

    dependencies = [
        ('changes', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='RiskQuestion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveSmallIntegerField()),
                ('text', models.CharField(max_length=300)),
            ],
            options={
                'ordering': ['questionnaire', 'position'],
            },
        ),
        migrations.CreateModel(
            name='RiskAssessment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('stated_risk', models.PositiveSmallIntegerField(choices=[(1, 'Low'), (2, 'Moderate'), (3, 'High'), (4, 'Very high')])),
                ('probability', models.FloatField()),
                ('interval_low', models.FloatField()),
                ('interval_high', models.FloatField()),
                ('sample_size', models.PositiveIntegerField()),
                ('bad_outcomes', models.PositiveIntegerField()),
                ('tier', models.CharField(max_length=24)),
                ('assessed_at', models.DateTimeField()),
                ('change', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='risk_assessment', to='changes.change')),
            ],
            options={
                'ordering': ['-assessed_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='RiskAnswerOption',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveSmallIntegerField()),
                ('label', models.CharField(max_length=150)),
                ('weight', models.PositiveSmallIntegerField()),
                ('question', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='options', to='changes.riskquestion')),
            ],
            options={
                'ordering': ['question', 'position'],
            },
        ),
        migrations.CreateModel(
            name='RiskAnswer',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('answered_at', models.DateTimeField()),
                ('answered_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('change', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='risk_answers', to='changes.change')),
                ('option', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='changes.riskansweroption')),
                ('question', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='changes.riskquestion')),
            ],
            options={
                'ordering': ['change', 'question__position'],
            },
        ),
        migrations.CreateModel(
            name='RiskQuestionnaire',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version_number', models.PositiveIntegerField(unique=True)),
                ('moderate_from', models.PositiveIntegerField()),
                ('high_from', models.PositiveIntegerField()),
                ('very_high_from', models.PositiveIntegerField()),
                ('note', models.CharField(blank=True, max_length=250)),
                ('published_at', models.DateTimeField()),
                ('published_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-version_number'],
            },
        ),
        migrations.AddField(
            model_name='riskquestion',
            name='questionnaire',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='questions', to='changes.riskquestionnaire'),
        ),
        migrations.CreateModel(
            name='RiskRule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveSmallIntegerField()),
                ('kind', models.CharField(choices=[('emergency', 'Emergency change'), ('high_impact', 'High impact'), ('expected_outage', 'Expected outage'), ('ci_type', 'Configuration item of a class'), ('service_criticality', 'Service of a criticality')], max_length=24)),
                ('ci_type', models.CharField(blank=True, choices=[('application', 'Application'), ('server', 'Server'), ('database', 'Database'), ('network', 'Network device'), ('storage', 'Storage'), ('cloud', 'Cloud resource'), ('workstation', 'Workstation'), ('other', 'Other')], max_length=16)),
                ('criticality', models.CharField(blank=True, choices=[('low', 'Low'), ('medium', 'Medium'), ('high', 'High'), ('critical', 'Critical')], max_length=16)),
                ('at_least', models.PositiveSmallIntegerField(choices=[(1, 'Low'), (2, 'Moderate'), (3, 'High'), (4, 'Very high')])),
                ('questionnaire', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rules', to='changes.riskquestionnaire')),
            ],
            options={
                'ordering': ['questionnaire', 'position'],
            },
        ),
        migrations.AddConstraint(
            model_name='riskansweroption',
            constraint=models.UniqueConstraint(fields=('question', 'position'), name='unique_risk_option_position'),
        ),
        migrations.AddConstraint(
            model_name='riskanswer',
            constraint=models.UniqueConstraint(fields=('change', 'question'), name='unique_risk_answer'),
        ),
        migrations.AddConstraint(
            model_name='riskquestion',
            constraint=models.UniqueConstraint(fields=('questionnaire', 'position'), name='unique_risk_question_position'),
        ),
        migrations.AddConstraint(
            model_name='riskrule',
            constraint=models.UniqueConstraint(fields=('questionnaire', 'position'), name='unique_risk_rule_position'),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
        # The indexes are the Change model's (its Meta names them); created here, with the
        # evidence that reads them.
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(CREATE_INDEXES, DROP_INDEXES)],
            state_operations=[
                migrations.AddIndex(
                    model_name="change",
                    index=models.Index(fields=[c.strip() for c in columns.replace("_id", "").split(",")], name=name),
                )
                for name, columns in EVIDENCE_INDEXES
            ],
        ),
    ]
