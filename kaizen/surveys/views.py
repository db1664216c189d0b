"""Survey pages: definitions and triggers (survey leads), invitations and results (agents see
their tickets'), follow-ups, the requester's own surveys, and the answer pages reached from
the e-mail without signing in.

Each view: ask kaizen.surveys.permissions (403), fetch through a selector (404), validate a
form, call one service, redirect or re-render.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from kaizen.core.forms import run_service
from kaizen.core.listing import list_page
from kaizen.journal.selectors import timeline_for
from kaizen.people.permissions import can_view_timeline, is_agent
from kaizen.surveys import links
from kaizen.surveys.filters import FollowUpFilter, InvitationFilter
from kaizen.surveys.forms import (
    AnswerForm,
    FollowUpForm,
    QuestionsForm,
    SurveyForm,
    TriggerForm,
    questions_text,
)
from kaizen.surveys.models import (
    FollowUp,
    Invitation,
    InvitationState,
    SurveyDefinition,
    SurveyTrigger,
)
from kaizen.surveys.permissions import can_configure_surveys, can_see_all_results
from kaizen.surveys.results import results_of
from kaizen.surveys.selectors import follow_ups_for, invitations_for, own_invitations
from kaizen.surveys.services.answers import do_answer_survey, takes_answers
from kaizen.surveys.services.definitions import (
    current_version,
    do_add_trigger,
    do_create_survey,
    do_publish_survey_version,
    do_update_survey,
    do_update_trigger,
)
from kaizen.surveys.services.followups import do_close_follow_up, due_state
from kaizen.surveys.triggers import field_choices, trigger_kind


def _require_configurer(request: HttpRequest) -> None:
    if not can_configure_surveys(request.user):
        raise PermissionDenied("Surveys are configured by the service level and CSI managers.")


def _require_agent(request: HttpRequest) -> None:
    if not is_agent(request.user):
        raise PermissionDenied("This page is for agents.")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if can_configure_surveys(request.user):
        return redirect("surveys:definition_list")
    if is_agent(request.user):
        return redirect("surveys:invitation_list")
    return redirect("surveys:my_surveys")


@login_required
def definition_list(request: HttpRequest) -> HttpResponse:
    _require_agent(request)
    definitions = SurveyDefinition.objects.annotate(
        invitation_count=Count("invitations"),
        answered_count=Count("invitations", filter=Q(invitations__state=InvitationState.ANSWERED)),
        trigger_count=Count("triggers", distinct=True),
    ).order_by("name")
    return render(
        request,
        "surveys/definition_list.html",
        {"definitions": definitions, "can_configure": can_configure_surveys(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def definition_create(request: HttpRequest) -> HttpResponse:
    _require_configurer(request)
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        definition = run_service(form, do_create_survey, actor=request.user, **form.cleaned_data)
        if definition is not None:
            messages.success(
                request, f"Survey {definition.name} created with its standard questions."
            )
            return redirect(definition)
    return render(request, "surveys/definition_form.html", {"form": form, "definition": None})


def _definition(slug: str) -> SurveyDefinition:
    return get_object_or_404(
        SurveyDefinition.objects.select_related("follow_up_calendar"), slug=slug
    )


@login_required
def definition_detail(request: HttpRequest, slug: str) -> HttpResponse:
    _require_agent(request)
    definition = _definition(slug)
    versions = list(definition.versions.prefetch_related("questions").order_by("-number"))
    triggers = list(definition.triggers.order_by("pk"))
    for trigger in triggers:
        kind = trigger_kind(trigger.kind)
        trigger.kind_label = kind.label if kind else trigger.kind  # type: ignore[attr-defined]
        priorities = dict(field_choices(kind, "priority")) if kind else {}
        trigger.priority_labels = [priorities.get(p, p) for p in trigger.priorities]  # type: ignore[attr-defined]
    return render(
        request,
        "surveys/definition_detail.html",
        {
            "definition": definition,
            "versions": versions,
            "triggers": triggers,
            "can_configure": can_configure_surveys(request.user),
            "timeline": timeline_for(definition) if can_view_timeline(request.user) else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def definition_edit(request: HttpRequest, slug: str) -> HttpResponse:
    _require_configurer(request)
    definition = _definition(slug)
    form = SurveyForm(request.POST or None, instance=SurveyDefinition.objects.get(pk=definition.pk))
    if request.method == "POST" and form.is_valid():
        updated = run_service(
            form,
            do_update_survey,
            definition,
            actor=request.user,
            expected_version=None,
            **form.cleaned_data,
        )
        if updated is not None:
            messages.success(request, "Survey saved.")
            return redirect(definition)
    return render(request, "surveys/definition_form.html", {"form": form, "definition": definition})


@login_required
@require_http_methods(["GET", "POST"])
def version_publish(request: HttpRequest, slug: str) -> HttpResponse:
    _require_configurer(request)
    definition = _definition(slug)
    version = current_version(definition)
    initial = {
        "questions": questions_text(list(version.questions.all())) if version else "",
        "introduction": version.introduction if version else "",
    }
    form = QuestionsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        published = run_service(
            form,
            do_publish_survey_version,
            definition,
            questions=form.cleaned_data["questions"],
            introduction=form.cleaned_data["introduction"],
            actor=request.user,
        )
        if published is not None:
            messages.success(request, f"Version {published.number} published.")
            return redirect(definition)
    return render(request, "surveys/version_form.html", {"form": form, "definition": definition})


@login_required
@require_http_methods(["GET", "POST"])
def trigger_add(request: HttpRequest, slug: str) -> HttpResponse:
    _require_configurer(request)
    definition = _definition(slug)
    form = TriggerForm(request.POST or None, instance=SurveyTrigger(kind="incident"))
    if request.method == "POST" and form.is_valid():
        trigger = run_service(
            form,
            do_add_trigger,
            definition,
            actor=request.user,
            kind="incident",
            **form.service_values(),
        )
        if trigger is not None:
            messages.success(request, "Trigger added.")
            return redirect(definition)
    return render(
        request,
        "surveys/trigger_form.html",
        {"form": form, "definition": definition, "trigger": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def trigger_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_configurer(request)
    trigger = get_object_or_404(SurveyTrigger.objects.select_related("definition"), pk=pk)
    form = TriggerForm(request.POST or None, instance=SurveyTrigger.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        updated = run_service(
            form,
            do_update_trigger,
            trigger,
            actor=request.user,
            expected_version=None,
            **form.service_values(),
        )
        if updated is not None:
            messages.success(request, "Trigger saved.")
            return redirect(trigger.definition)
    return render(
        request,
        "surveys/trigger_form.html",
        {"form": form, "definition": trigger.definition, "trigger": trigger},
    )


@login_required
def results(request: HttpRequest, slug: str) -> HttpResponse:
    _require_agent(request)
    definition = _definition(slug)
    versions = list(definition.versions.prefetch_related("questions").order_by("-number"))
    if not versions:
        raise PermissionDenied("This survey has no version.")
    chosen = request.GET.get("version", "")
    version = next((v for v in versions if str(v.number) == chosen), versions[0])
    figures = results_of(version, invitations_for(request.user).filter(definition=definition))
    return render(
        request,
        "surveys/results.html",
        {
            "definition": definition,
            "versions": versions,
            "version": version,
            "results": figures,
            "sees_all": can_see_all_results(request.user),
            "breakdowns": [
                ("SLA met or breached", figures.by_sla, "by-sla"),
                ("reassignments", figures.by_reassignment, "by-reassignment"),
                ("resolution time", figures.by_resolution, "by-resolution"),
                ("service", figures.by_service, "by-service"),
            ],
        },
    )


INVITATION_SORTS = {"triggered": "triggered_at", "ticket": "ticket_number", "state": "state"}
FOLLOW_UP_SORTS = {"due": "due_at", "opened": "opened_at", "state": "state"}


@login_required
def invitation_list(request: HttpRequest) -> HttpResponse:
    _require_agent(request)
    listing = list_page(
        request,
        invitations_for(request.user),
        InvitationFilter,
        sort_fields=INVITATION_SORTS,
        default_sort="-triggered",
    )
    return render(request, "surveys/invitation_list.html", listing.context())


@login_required
def invitation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(invitations_for(request.user), pk=pk)
    if not is_agent(request.user):
        return redirect("surveys:my_survey", pk=pk)
    questions = list(invitation.survey_version.questions.all())
    answers = [(q, _answer_text(q, invitation.answers.get(str(q.pk)))) for q in questions]
    follow_up = FollowUp.objects.filter(invitation=invitation).first()
    return render(
        request,
        "surveys/invitation_detail.html",
        {
            "invitation": invitation,
            "answers": answers,
            "follow_up": follow_up,
            "timeline": timeline_for(invitation) if can_view_timeline(request.user) else None,
        },
    )


def _answer_text(question: Any, value: Any) -> str:
    if value is None:
        return "—"
    points = dict(question.points)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int) and value in points:
        return f"{value} — {points[value]}" if question.kind == "rating" else str(value)
    return str(value)


@login_required
def follow_up_list(request: HttpRequest) -> HttpResponse:
    _require_agent(request)
    listing = list_page(
        request,
        follow_ups_for(request.user),
        FollowUpFilter,
        sort_fields=FOLLOW_UP_SORTS,
        default_sort="due",
    )
    context = listing.context()
    now = timezone.now()
    context["rows"] = [
        (follow_up, due_state(follow_up, now)) for follow_up in context["object_list"]
    ]
    return render(request, "surveys/follow_up_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def follow_up_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_agent(request)
    follow_up = get_object_or_404(follow_ups_for(request.user), pk=pk)
    form = FollowUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = run_service(
            form,
            do_close_follow_up,
            follow_up,
            actor=request.user,
            expected_version=None,
            outcome=form.cleaned_data["outcome"],
            notes=form.cleaned_data["outcome_notes"],
            contacted_requester=form.cleaned_data["contacted_requester"],
        )
        if done is not None:
            messages.success(request, "Follow-up recorded.")
            return redirect(follow_up.get_absolute_url())
    invitation = follow_up.invitation
    questions = list(invitation.survey_version.questions.all())
    return render(
        request,
        "surveys/follow_up_detail.html",
        {
            "follow_up": follow_up,
            "invitation": invitation,
            "due_state": due_state(follow_up, timezone.now()),
            "answers": [(q, _answer_text(q, invitation.answers.get(str(q.pk)))) for q in questions],
            "form": form,
            "timeline": timeline_for(follow_up) if can_view_timeline(request.user) else None,
        },
    )


@login_required
def my_surveys(request: HttpRequest) -> HttpResponse:
    invitations = list(
        own_invitations(request.user)
        .exclude(state=InvitationState.SCHEDULED)
        .order_by("-triggered_at", "-pk")[:100]
    )
    now = timezone.now()
    rows = [(invitation, takes_answers(invitation, now)) for invitation in invitations]
    return render(request, "surveys/my_surveys.html", {"rows": rows})


def _answer(
    request: HttpRequest,
    invitation: Invitation,
    *,
    rating: int | None,
    from_mail: bool,
    template_extra: dict[str, Any],
) -> HttpResponse:
    """The answer page: the form, or the answers recorded (and a way back to change them)."""
    questions = list(invitation.survey_version.questions.all())
    definition = invitation.definition
    open_now = takes_answers(invitation, timezone.now())
    headline = next((q for q in questions if q.is_headline), None)
    initial = AnswerForm.initial_from(questions, invitation.answers)
    if rating is not None and headline is not None:
        initial[f"q{headline.pk}"] = str(rating)
    initial["reopen"] = invitation.reopen_requested
    form = AnswerForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        questions=questions,
        offer_reopen=definition.offer_reopen,
    )
    status = 200
    if request.method == "POST":
        if not open_now:
            status = 409
        elif form.is_valid():
            answered = run_service(
                form,
                do_answer_survey,
                invitation,
                form.answers(),
                actor=request.user
                if request.user.is_authenticated and request.user == invitation.recipient
                else None,
                from_mail_link=from_mail,
                reopen=bool(form.cleaned_data.get("reopen")),
            )
            if answered is not None:
                note = (
                    "Thank you: your answer is recorded. You can change it here until the "
                    "survey closes."
                )
                if answered.reopened:
                    note += f" {invitation.ticket_number} has been reopened."
                elif answered.reopen_refused:
                    note += (
                        f" {invitation.ticket_number} could not be reopened: "
                        f"{answered.reopen_refused}"
                    )
                messages.success(request, note)
                if template_extra.get("portal"):
                    return redirect("surveys:my_survey", pk=invitation.pk)
                return redirect(links.page_url(invitation))
            status = 400
        else:
            status = 400
    context = {
        "invitation": invitation,
        "form": form,
        "open_now": open_now,
        "headline": headline,
        **template_extra,
    }
    return render(request, "surveys/answer.html", context, status=status)


@require_http_methods(["GET", "POST"])
def answer_mail(request: HttpRequest, token: str) -> HttpResponse:
    """An e-mail link: the page with the rating chosen in the e-mail; sending spends the link."""
    try:
        invitation, rating = links.read_mail_token(token)
    except links.LinkRefused as refused:
        return render(request, "surveys/link_refused.html", {"reason": str(refused)}, status=410)
    return _answer(request, invitation, rating=rating, from_mail=True, template_extra={})


@require_http_methods(["GET", "POST"])
def answer_page(request: HttpRequest, token: str) -> HttpResponse:
    """The person's own answer page (reached after answering): change until the survey closes."""
    try:
        invitation = links.read_page_token(token)
    except links.LinkRefused as refused:
        return render(request, "surveys/link_refused.html", {"reason": str(refused)}, status=410)
    return _answer(request, invitation, rating=None, from_mail=False, template_extra={})


@login_required
@require_http_methods(["GET", "POST"])
def my_survey(request: HttpRequest, pk: int) -> HttpResponse:
    """A requester answers (or changes) their own survey from the portal."""
    invitation = get_object_or_404(
        own_invitations(request.user)
        .select_related("survey_version", "recipient")
        .exclude(state=InvitationState.SCHEDULED),
        pk=pk,
    )
    return _answer(
        request, invitation, rating=None, from_mail=False, template_extra={"portal": True}
    )
