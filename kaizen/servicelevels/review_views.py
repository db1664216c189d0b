"""Service review pages: the list of reviews, scheduling one by hand, and a review's page with
its pack (the service level report of its period), its minutes, holding or cancelling it, the
actions agreed and its history.

Each view: authenticate, ask kaizen.servicelevels.reviews who may (403), fetch (404), validate
a form, call one service, redirect or re-render with the form's errors (409 after a version
conflict).
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kaizen.core.forms import page_status, run_service
from kaizen.core.listing import list_page
from kaizen.people.permissions import can_view_timeline
from kaizen.servicelevels import reviews as selectors
from kaizen.servicelevels.models import ReviewAction, ReviewStatus, ServiceReview
from kaizen.servicelevels.permissions import (
    can_schedule_reviews,
    can_view_agreements,
    can_work_review,
)
from kaizen.servicelevels.review_filters import ServiceReviewFilter
from kaizen.servicelevels.review_forms import (
    CancelReviewForm,
    HoldReviewForm,
    ReviewActionForm,
    ReviewNotesForm,
    ScheduleReviewForm,
)
from kaizen.servicelevels.services.reviews import (
    do_add_review_action,
    do_cancel_review,
    do_hold_review,
    do_schedule_review,
    do_update_review,
    do_update_review_action,
)

SORTS = {
    "number": "number",
    "agreement": "agreement__number",
    "period": "period_start",
    "due": "due_on",
    "status": "status",
    "held": "held_on",
}


def _require_viewer(request: HttpRequest) -> None:
    if not can_view_agreements(request.user):
        raise PermissionDenied("Service reviews are for IT staff.")


def _review_for(request: HttpRequest, number: str) -> ServiceReview:
    _require_viewer(request)
    return get_object_or_404(
        selectors.reviews_for(request.user).select_related("agreement__owner"), number=number
    )


def _require_worker(request: HttpRequest, review: ServiceReview) -> None:
    if not can_work_review(request.user, review):
        raise PermissionDenied(
            "Service level managers and the agreement's owner work on its service reviews."
        )


def describe(review: ServiceReview, today: Any) -> ServiceReview:
    """What a list row and the page show of a review beside its fields."""
    review.period_words = selectors.period_in_words(review.period_start, review.period_end)
    review.overdue = selectors.is_overdue(review, today)
    return review


@login_required
@require_GET
def review_list(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    listing = list_page(
        request,
        selectors.reviews_for(request.user),
        ServiceReviewFilter,
        sort_fields=SORTS,
        default_sort="-due",
    )
    context = listing.context()
    today = timezone.localdate()
    for review in context["object_list"]:
        describe(review, today)
    context["can_schedule"] = can_schedule_reviews(request.user)
    return render(request, "servicelevels/review_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def review_create(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    if not can_schedule_reviews(request.user):
        raise PermissionDenied("Service level managers schedule service reviews.")
    form = ScheduleReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        review = run_service(form, do_schedule_review, actor=request.user, **form.cleaned_data)
        if review:
            messages.success(request, f"{review.number} scheduled.")
            return redirect(review)
    return render(
        request, "servicelevels/review_form.html", {"form": form}, status=page_status(form)
    )


def _action_form(action: ReviewAction, review: ServiceReview, data: Any = None) -> ReviewActionForm:
    return ReviewActionForm(
        data,
        agreement=review.agreement,
        editing=True,
        prefix=f"action-{action.pk}",
        initial={
            "title": action.title,
            "owner": action.owner_id,
            "due_on": action.due_on,
            "status": action.status,
            "version": action.version,
        },
    )


def _render_review(
    request: HttpRequest, review: ServiceReview, status_forms: dict[str, forms.Form] | None = None
) -> HttpResponse:
    bound = status_forms or {}
    today = timezone.localdate()
    describe(review, today)
    may_work = can_work_review(request.user, review)
    actions = list(review.actions.select_related("owner"))
    rows = [
        {
            "action": action,
            **selectors.action_links(action),
            "form": bound.get(f"action-{action.pk}") or _action_form(action, review),
        }
        for action in actions
    ]
    scheduled = review.status == ReviewStatus.SCHEDULED
    local_meeting = timezone.localtime(review.scheduled_for) if review.scheduled_for else None
    context: dict[str, Any] = {
        "review": review,
        "agreement": review.agreement,
        "pack_url": selectors.pack_url(review),
        "held_on_time": review.held_on_time,
        "can_work": may_work and review.status != ReviewStatus.CANCELLED,
        "can_hold": may_work and scheduled,
        "actions": rows,
        "notes_form": bound.get("notes")
        or ReviewNotesForm(
            prefix="notes",
            initial={
                "version": review.version,
                "scheduled_for": local_meeting,
                "attendees": review.attendees,
                "minutes": review.minutes,
            },
        ),
        "hold_form": bound.get("hold")
        or HoldReviewForm(
            prefix="hold",
            initial={
                "version": review.version,
                "held_on": today,
                "attendees": review.attendees,
                "minutes": review.minutes,
            },
        ),
        "cancel_form": bound.get("cancel")
        or CancelReviewForm(prefix="cancel", initial={"version": review.version}),
        "action_form": bound.get("new_action")
        or ReviewActionForm(agreement=review.agreement, prefix="new-action"),
    }
    if can_view_timeline(request.user):
        context["timeline"] = selectors.review_timeline(review)
    status = page_status(*bound.values()) if bound else 200
    return render(request, "servicelevels/review_detail.html", context, status=status)


@login_required
@require_GET
def review_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _render_review(request, _review_for(request, number))


def _review_step(
    request: HttpRequest,
    number: str,
    form_class: type[forms.Form],
    prefix: str,
    step: Callable[..., ServiceReview],
    said: str,
) -> HttpResponse:
    """One write on a review from one of its page's forms: the form checked, the service run
    with the version read and the form's other fields, the page again with the errors when
    either refuses."""
    review = _review_for(request, number)
    _require_worker(request, review)
    form = form_class(request.POST, prefix=prefix)
    if form.is_valid():
        fields = dict(form.cleaned_data)
        version = fields.pop("version")
        done = run_service(
            form, step, review, actor=request.user, expected_version=version, **fields
        )
        if done:
            messages.success(request, f"{done.number} {said}")
            return redirect(done)
    return _render_review(request, review, {prefix: form})


def _update_notes(review: ServiceReview, **fields: Any) -> ServiceReview:
    fields_only = {name: fields.pop(name) for name in ("scheduled_for", "attendees", "minutes")}
    return do_update_review(review, fields=fields_only, **fields)


@login_required
@require_POST
def review_notes(request: HttpRequest, number: str) -> HttpResponse:
    return _review_step(request, number, ReviewNotesForm, "notes", _update_notes, "saved.")


@login_required
@require_POST
def review_hold(request: HttpRequest, number: str) -> HttpResponse:
    return _review_step(request, number, HoldReviewForm, "hold", do_hold_review, "held.")


@login_required
@require_POST
def review_cancel(request: HttpRequest, number: str) -> HttpResponse:
    return _review_step(request, number, CancelReviewForm, "cancel", do_cancel_review, "cancelled.")


@login_required
@require_POST
def review_action_add(request: HttpRequest, number: str) -> HttpResponse:
    review = _review_for(request, number)
    _require_worker(request, review)
    form = ReviewActionForm(request.POST, agreement=review.agreement, prefix="new-action")
    if form.is_valid():
        added = run_service(
            form, do_add_review_action, review, actor=request.user, **form.cleaned_data
        )
        if added:
            messages.success(request, f"Action agreed: {added.title}.")
            return redirect(review)
    return _render_review(request, review, {"new_action": form})


@login_required
@require_POST
def review_action_update(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    review = _review_for(request, number)
    _require_worker(request, review)
    action = get_object_or_404(review.actions.all(), pk=pk)
    form = _action_form(action, review, request.POST)
    if form.is_valid():
        fields = dict(form.cleaned_data)
        version = fields.pop("version")
        saved = run_service(
            form,
            do_update_review_action,
            action,
            actor=request.user,
            expected_version=version,
            fields=fields,
        )
        if saved:
            messages.success(request, f"Action saved: {saved.title}.")
            return redirect(review)
    return _render_review(request, review, {f"action-{action.pk}": form})
