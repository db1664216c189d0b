"""Risk: the questionnaire, the risk rules and the evidence from past changes (pages).

The change page's panel shows the stated risk with its reasons, the answers (a form for agents
while the change may still be assessed), the evidence and where it disagrees. The
questionnaire's page shows the current version (or an older one) with its rules; change
managers publish the next version from its edit page.
"""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from kaizen.changes.models import Change, RiskAnswer, RiskAssessment, RiskQuestionnaire
from kaizen.changes.permissions import (
    can_answer_risk_questionnaire,
    can_edit_risk_questionnaire,
    can_see_change_risk,
)
from kaizen.changes.risk_forms import (
    QuestionnaireForm,
    RiskAnswersForm,
    RiskRuleFormSet,
    questions_as_text,
    rules_from,
    rules_initial,
)
from kaizen.changes.risk_selectors import questionnaire_versions, questionnaire_with_content
from kaizen.changes.selectors import change_detail_for
from kaizen.changes.services import ConflictError
from kaizen.changes.services import risk as risk_services
from kaizen.changes.services.evidence import BANDS, CREDIBILITY, disagreement, evidence_for
from kaizen.core.forms import run_service


def _answers(change: Change) -> list[RiskAnswer]:
    return list(
        change.risk_answers.select_related("question__questionnaire", "option").order_by(
            "question__position"
        )
    )


def _answer_form(
    request: HttpRequest, change: Change, answers: list[RiskAnswer], data: Any = None
) -> RiskAnswersForm | None:
    """The answer form, when this person may answer for this change now."""
    if not can_answer_risk_questionnaire(request.user):
        return None
    if risk_services.answering_refused(change) is not None:
        return None
    current = questionnaire_with_content()
    if current is None:
        return None
    return RiskAnswersForm(
        data, questionnaire=current, answers=answers, initial={"version": change.version}
    )


def _context(request: HttpRequest, change: Change, form: RiskAnswersForm | None) -> dict[str, Any]:
    stated = risk_services.assess_stated_risk(change)
    found = evidence_for(change)
    answers = _answers(change)
    return {
        "risk_stated": stated,
        "risk_answers": answers,
        "risk_evidence": found,
        "risk_disagreement": disagreement(stated.risk, found.estimate),
        "risk_form": form if form is not None else _answer_form(request, change, answers),
        "risk_refused": risk_services.answering_refused(change),
        "risk_credibility": round(CREDIBILITY * 100),
        "risk_assessment": RiskAssessment.objects.filter(change=change).first(),
        "risk_window_hours": settings.KAIZEN_CHANGE_CAUSED_INCIDENT_HOURS,
    }


def risk_panel(request: HttpRequest, change: Change) -> dict[str, Any]:
    """The context of changes/_risk_panel.html on the change page (nothing for requesters)."""
    if not can_see_change_risk(request.user):
        return {}
    return _context(request, change, None)


@login_required
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, number: str) -> HttpResponse:
    """The change's risk questionnaire on a page of its own (where the panel's form posts, and
    where its errors are shown)."""
    change = get_object_or_404(change_detail_for(request.user), number=number)
    if not can_see_change_risk(request.user):
        raise PermissionDenied("The risk of a change is for agents and CAB members.")
    if request.method == "POST" and not can_answer_risk_questionnaire(request.user):
        raise PermissionDenied("Agents answer the risk questionnaire.")
    form = _answer_form(request, change, _answers(change), request.POST or None)
    if request.method == "POST":
        if form is None:
            messages.error(
                request,
                f"The questionnaire cannot be answered: {risk_services.answering_refused(change)}.",
            )
            return redirect(reverse("changes:risk", args=[change.number]))
        if form.is_valid():
            try:
                done = run_service(
                    form,
                    risk_services.do_answer_risk_questionnaire,
                    change,
                    answers=form.answers(),
                    actor=request.user,
                    expected_version=form.cleaned_data["version"],
                )
            except ConflictError as conflict:
                form.add_error(None, f"{conflict} Your answers are kept below: save again.")
                done = None
            if done is not None:
                messages.success(
                    request,
                    "Risk questionnaire answered: the stated risk is "
                    f"{done.get_risk_display().lower()}.",
                )
                return redirect(change.get_absolute_url() + "#risk")
    context = {"change": change, **_context(request, change, form)}
    status = 400 if form is not None and form.errors else 200
    return render(request, "changes/risk/answer.html", context, status=status)


@login_required
@require_GET
def questionnaire(request: HttpRequest) -> HttpResponse:
    """The current questionnaire with its rules and thresholds (?version=N: an older one)."""
    if not can_see_change_risk(request.user):
        raise PermissionDenied("The risk questionnaire is for agents and CAB members.")
    versions = list(questionnaire_versions())
    shown = questionnaire_with_content()
    wanted = request.GET.get("version")
    if wanted:
        match = next((v for v in versions if str(v.version_number) == wanted), None)
        if match is None:
            raise Http404("No such version of the risk questionnaire.")
        shown = questionnaire_with_content(match.pk)
    context = {
        "questionnaire": shown,
        "is_current": shown is not None and versions and shown.pk == versions[0].pk,
        "versions": versions,
        "may_edit": can_edit_risk_questionnaire(request.user),
        "bands": [(risk.label, start, end) for risk, (start, end) in BANDS.items()],
    }
    return render(request, "changes/risk/questionnaire.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire_edit(request: HttpRequest) -> HttpResponse:
    """Publish the next version, starting from the current one."""
    if not can_edit_risk_questionnaire(request.user):
        raise PermissionDenied("The change managers edit the risk questionnaire.")
    current: RiskQuestionnaire | None = questionnaire_with_content()
    initial: dict[str, Any] = {}
    rules: list[dict[str, Any]] = []
    if current is not None:
        initial = {
            "questions": questions_as_text(current),
            "moderate_from": current.moderate_from,
            "high_from": current.high_from,
            "very_high_from": current.very_high_from,
        }
        rules = rules_initial(current)
    form = QuestionnaireForm(request.POST or None, initial=initial)
    formset = RiskRuleFormSet(request.POST or None, initial=rules, prefix="rules")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        published = run_service(
            form,
            risk_services.do_publish_risk_questionnaire,
            actor=request.user,
            questions=data["questions"],
            rules=rules_from(formset),
            moderate_from=data["moderate_from"],
            high_from=data["high_from"],
            very_high_from=data["very_high_from"],
            note=data["note"],
        )
        if published is not None:
            messages.success(
                request,
                f"Risk questionnaire version {published.version_number} published: changes "
                "answer it from now on; earlier answers keep their version.",
            )
            return redirect("changes:risk_questionnaire")
    status = 400 if form.errors or formset.total_error_count() else 200
    context = {"form": form, "formset": formset, "current": current}
    return render(request, "changes/risk/questionnaire_form.html", context, status=status)
