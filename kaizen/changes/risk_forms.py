"""Forms of the risk part: a change's answers to the questionnaire, and the next version of the
questionnaire with its rules (questions as text, rules as rows)."""

import re
from typing import Any

from django import forms

from kaizen.catalog.models import CIType, Criticality
from kaizen.changes.models import Risk, RiskAnswer, RiskQuestionnaire, RiskRuleKind
from kaizen.changes.services.risk import MAX_WEIGHT, answer_field
from kaizen.core.forms import StyledFormMixin


class RiskAnswersForm(StyledFormMixin, forms.Form):
    """One choice per question of `questionnaire`, starting from the change's answers when they
    were given to the same version."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        questionnaire: RiskQuestionnaire,
        answers: list[RiskAnswer] = (),  # type: ignore[assignment]
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        given = {answer.question_id: answer.option_id for answer in answers}
        self.questionnaire_id = questionnaire.pk
        self.questions = list(questionnaire.questions.all())
        for question in self.questions:
            name = answer_field(question)
            self.fields[name] = forms.TypedChoiceField(
                label=question.text,
                choices=[(option.pk, option.label) for option in question.options.all()],
                coerce=int,
                widget=forms.RadioSelect,
                initial=given.get(question.pk),
                error_messages={"required": "choose an answer"},
            )
            self.fields[name].widget.attrs["class"] = "form-check-input"

    def answer_fields(self) -> list[forms.BoundField]:
        return [self[answer_field(question)] for question in self.questions]

    def answers(self) -> dict[int, int]:
        return {
            question.pk: self.cleaned_data[answer_field(question)] for question in self.questions
        }


OPTION_LINE = re.compile(r"^-\s*(?P<label>.+?)\s*=\s*(?P<weight>-?\d+)\s*$")
QUESTIONS_HELP = (
    "A question on a line of its own, then each of its answers on a line starting with “-” "
    "and ending with “= weight” (a whole number from 0 to 100); a blank line between questions."
)


def questions_as_text(questionnaire: RiskQuestionnaire) -> str:
    blocks = []
    for question in questionnaire.questions.all():
        lines = [question.text]
        lines += [f"- {option.label} = {option.weight}" for option in question.options.all()]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def parse_questions(text: str) -> list[dict[str, Any]]:
    """The questions from their text form; a ValidationError names the line."""
    questions: list[dict[str, Any]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("-"):
            match = OPTION_LINE.match(line)
            if not questions:
                raise forms.ValidationError(f"line {number}: an answer before any question")
            if match is None:
                raise forms.ValidationError(
                    f"line {number}: write an answer as “- label = weight”, e.g. “- No = 4”"
                )
            weight = int(match["weight"])
            if not 0 <= weight <= MAX_WEIGHT:
                raise forms.ValidationError(
                    f"line {number}: the weight is a whole number from 0 to {MAX_WEIGHT}"
                )
            questions[-1]["options"].append({"label": match["label"], "weight": weight})
        else:
            questions.append({"text": line, "options": []})
    return questions


class QuestionnaireForm(StyledFormMixin, forms.Form):
    questions = forms.CharField(widget=forms.Textarea(attrs={"rows": 18}), help_text=QUESTIONS_HELP)
    moderate_from = forms.IntegerField(min_value=1, label="Moderate from a score of")
    high_from = forms.IntegerField(min_value=1, label="High from a score of")
    very_high_from = forms.IntegerField(min_value=1, label="Very high from a score of")
    note = forms.CharField(max_length=250, required=False, label="What changed (for the record)")

    def clean_questions(self) -> list[dict[str, Any]]:
        return parse_questions(self.cleaned_data["questions"])


class RiskRuleForm(StyledFormMixin, forms.Form):
    """A rule row; a row without a kind is left out."""

    kind = forms.ChoiceField(
        choices=[("", "—")] + RiskRuleKind.choices, required=False, label="When"
    )
    ci_type = forms.ChoiceField(
        choices=[("", "—")] + CIType.choices, required=False, label="CI class"
    )
    criticality = forms.ChoiceField(
        choices=[("", "—")] + Criticality.choices, required=False, label="Service criticality"
    )
    at_least = forms.TypedChoiceField(
        choices=Risk.choices, coerce=int, initial=Risk.MODERATE, label="Risk at least"
    )


RiskRuleFormSet = forms.formset_factory(RiskRuleForm, extra=2)


def rules_initial(questionnaire: RiskQuestionnaire) -> list[dict[str, Any]]:
    return [
        {
            "kind": rule.kind,
            "ci_type": rule.ci_type,
            "criticality": rule.criticality,
            "at_least": rule.at_least,
        }
        for rule in questionnaire.rules.all()
    ]


def rules_from(formset: forms.BaseFormSet) -> list[dict[str, Any]]:
    return [form.cleaned_data for form in formset.forms if form.cleaned_data.get("kind")]
