"""Forms of the survey pages; every write goes through a `do_*` service (run_service puts its
errors on the fields)."""

from typing import Any

from django import forms

from kaizen.catalog.models import Service
from kaizen.core.forms import StyledFormMixin
from kaizen.people.models import Team
from kaizen.surveys.models import (
    FollowUpOutcome,
    Question,
    QuestionKind,
    SurveyDefinition,
    SurveyTrigger,
    TriggerOutcome,
)
from kaizen.surveys.triggers import field_choices, trigger_kind

KIND_WORDS = {
    "rating": QuestionKind.RATING,
    "nps": QuestionKind.NPS,
    "resolved": QuestionKind.RESOLVED,
    "choice": QuestionKind.CHOICE,
    "text": QuestionKind.TEXT,
}


class AnswerForm(forms.Form):
    """One field per question (q<id>); radio groups are rendered as fieldsets with a legend."""

    def __init__(self, *args: Any, questions: list[Question], offer_reopen: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            name = f"q{question.pk}"
            if question.kind == QuestionKind.TEXT:
                self.fields[name] = forms.CharField(
                    label=question.text,
                    required=question.required,
                    max_length=2000,
                    widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
                )
                continue
            if question.kind == QuestionKind.CHOICE:
                choices = [(option, option) for option in question.options]
            elif question.kind == QuestionKind.RESOLVED:
                choices = [("yes", "Yes"), ("no", "No")]
            else:
                choices = [
                    (
                        str(value),
                        f"{value} — {label}" if question.kind == QuestionKind.RATING else label,
                    )
                    for value, label in question.points
                ]
            self.fields[name] = forms.ChoiceField(
                label=question.text,
                required=question.required,
                choices=choices,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            )
        self.has_resolved = any(q.kind == QuestionKind.RESOLVED for q in questions)
        if offer_reopen and self.has_resolved:
            self.fields["reopen"] = forms.BooleanField(
                required=False,
                label="If it is not resolved: reopen my ticket",
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
            )

    def answers(self) -> dict[str, Any]:
        return {
            str(question.pk): self.cleaned_data.get(f"q{question.pk}")
            for question in self.questions
            if self.cleaned_data.get(f"q{question.pk}") not in (None, "")
        }

    @staticmethod
    def initial_from(questions: list[Question], answers: dict[str, Any]) -> dict[str, Any]:
        initial = {}
        for question in questions:
            value = answers.get(str(question.pk))
            if value is None:
                continue
            if question.kind == QuestionKind.RESOLVED:
                value = "yes" if value else "no"
            initial[f"q{question.pk}"] = str(value) if not isinstance(value, str) else value
        return initial


class SurveyForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = SurveyDefinition
        fields = [
            "name",
            "description",
            "is_active",
            "low_rating_max",
            "low_nps_max",
            "follow_up_not_resolved",
            "follow_up_hours",
            "follow_up_calendar",
            "offer_reopen",
        ]
        labels = {
            "low_rating_max": "Follow up ratings up to (1-5; 0: never)",
            "low_nps_max": "Follow up NPS answers up to (0-10)",
            "follow_up_not_resolved": 'Follow up "not resolved" answers',
            "follow_up_hours": "Follow-up target (hours)",
            "offer_reopen": 'Offer to reopen the ticket on "not resolved"',
        }


def questions_text(questions: list[Question]) -> str:
    kinds = {kind: word for word, kind in KIND_WORDS.items()}
    lines = []
    for question in questions:
        parts = [
            ("*" if question.is_headline else "") + kinds[QuestionKind(question.kind)],
            question.text,
        ]
        if question.options:
            parts.append("; ".join(question.options))
        lines.append(" | ".join(parts))
    return "\n".join(lines)


class QuestionsForm(StyledFormMixin, forms.Form):
    """A version's questions, one a line: `kind | text | options separated by ;`, the headline
    marked with a star (`*rating | How satisfied ...? | Very dissatisfied; ...`)."""

    introduction = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    questions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8, "class": "font-monospace"}),
        help_text="One question a line: kind | text | options separated by ; — kinds: rating, "
        "nps, resolved, choice, text; mark the headline with * (e.g. *rating | How satisfied "
        "are you? | Very dissatisfied; Dissatisfied; Neutral; Satisfied; Very satisfied).",
    )

    def clean_questions(self) -> list[dict[str, Any]]:
        parsed = []
        for number, line in enumerate(self.cleaned_data["questions"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            word = parts[0].lower()
            headline = word.startswith("*")
            kind = KIND_WORDS.get(word.lstrip("*"))
            if kind is None or len(parts) < 2:
                raise forms.ValidationError(
                    f"line {number}: start with a kind (rating, nps, resolved, choice, text), "
                    "then | and the question"
                )
            options = [option.strip() for option in parts[2].split(";")] if len(parts) > 2 else []
            parsed.append(
                {
                    "kind": kind,
                    "text": parts[1],
                    "options": [option for option in options if option],
                    "is_headline": headline,
                }
            )
        return parsed


class TriggerForm(StyledFormMixin, forms.ModelForm):
    services = forms.ModelMultipleChoiceField(
        queryset=Service.objects.order_by("name"), required=False, label="Only on services"
    )
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.order_by("name"), required=False, label="Only for teams"
    )
    priority_list = forms.TypedMultipleChoiceField(
        coerce=int, required=False, label="Only priorities"
    )
    channel_list = forms.MultipleChoiceField(required=False, label="Only channels")
    strata_text = forms.CharField(
        required=False,
        label="Strata",
        widget=forms.Textarea(attrs={"rows": 3, "class": "font-monospace"}),
        help_text="One a line: service name or *, priority or *, rate (e.g. Payroll, *, 1.0). "
        "The first that matches a ticket gives its rate.",
    )

    class Meta:
        model = SurveyTrigger
        fields = [
            "outcome",
            "is_active",
            "inclusion_rate",
            "exclude_agent_self_service",
            "exclude_auto_closed",
            "excluded_addresses",
            "cooldown_days",
            "cap_count",
            "cap_days",
            "delay_minutes",
            "window_start_hour",
            "window_end_hour",
            "expiry_days",
            "reminder_after_days",
        ]
        labels = {
            "inclusion_rate": "Inclusion rate (0-1)",
            "cooldown_days": "Cool-down per person (days)",
            "cap_count": "At most this many surveys per person",
            "cap_days": "... within (days)",
            "delay_minutes": "Delay after the trigger (minutes)",
            "window_start_hour": "Send from (hour, recipient's time)",
            "window_end_hour": "Send until (hour)",
            "expiry_days": "Answers taken for (days)",
            "reminder_after_days": "One reminder after (days; 0: none)",
        }
        widgets = {"excluded_addresses": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = trigger_kind(self.instance.kind or "incident")
        self.fields["priority_list"].choices = field_choices(kind, "priority") if kind else []
        self.fields["channel_list"].choices = field_choices(kind, "channel") if kind else []
        self.fields["outcome"].choices = TriggerOutcome.choices
        if self.instance.pk:
            self.initial["services"] = self.instance.service_ids
            self.initial["teams"] = self.instance.team_ids
            self.initial["priority_list"] = self.instance.priorities
            self.initial["channel_list"] = self.instance.channels
            names = dict(
                Service.objects.filter(
                    pk__in=[s.get("service") for s in self.instance.strata]
                ).values_list("pk", "name")
            )
            self.initial["strata_text"] = "\n".join(
                f"{names.get(s.get('service'), '*')}, {s.get('priority') or '*'}, {s['rate']}"
                for s in self.instance.strata
            )

    def clean_strata_text(self) -> list[dict[str, Any]]:
        strata = []
        for number, line in enumerate(self.cleaned_data["strata_text"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split(",")]
            if len(parts) != 3:
                raise forms.ValidationError(f"line {number}: service, priority, rate")
            service = None
            if parts[0] != "*":
                found = Service.objects.filter(name__iexact=parts[0]).first()
                if found is None:
                    raise forms.ValidationError(f"line {number}: no service called {parts[0]!r}")
                service = found.pk
            try:
                priority = None if parts[1] == "*" else int(parts[1])
                rate = float(parts[2])
            except ValueError:
                raise forms.ValidationError(
                    f"line {number}: a priority number or *, and a rate"
                ) from None
            strata.append({"service": service, "priority": priority, "rate": rate})
        return strata

    def service_values(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["service_ids"] = [service.pk for service in self.cleaned_data["services"]]
        data["team_ids"] = [team.pk for team in self.cleaned_data["teams"]]
        data["priorities"] = self.cleaned_data["priority_list"]
        data["channels"] = self.cleaned_data["channel_list"]
        data["strata"] = self.cleaned_data["strata_text"]
        return data


class FollowUpForm(StyledFormMixin, forms.Form):
    outcome = forms.ChoiceField(choices=FollowUpOutcome.choices)
    outcome_notes = forms.CharField(
        label="What was done", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    contacted_requester = forms.BooleanField(required=False, label="The requester was contacted")
