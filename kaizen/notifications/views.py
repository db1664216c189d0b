"""A person's notification preferences; the mail Kaizen gave up sending (administrators)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from kaizen.core.forms import run_service
from kaizen.core.listing import list_page
from kaizen.notifications import services
from kaizen.notifications.categories import categories_for
from kaizen.notifications.filters import FailedNotificationFilter
from kaizen.notifications.forms import PreferencesForm
from kaizen.notifications.permissions import can_view_outbox
from kaizen.notifications.selectors import failed_notifications_for, preferences_for

FAILED_SORTS = {"created": "created_at", "attempts": "attempts", "address": "address"}


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    form = PreferencesForm(
        request.POST if request.method == "POST" else None,
        categories=categories_for(request.user),
        initial=preferences_for(request.user),
    )
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            form,
            services.do_set_notification_preferences,
            request.user,
            form.cleaned_data,
            actor=request.user,
        )
        if saved is not None:
            messages.success(request, "Your notification preferences were saved.")
            return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})


@login_required
@require_GET
def failed_list(request: HttpRequest) -> HttpResponse:
    if not can_view_outbox(request.user):
        raise PermissionDenied("Only administrators read the outbox.")
    listing = list_page(
        request,
        failed_notifications_for(request.user),
        FailedNotificationFilter,
        sort_fields=FAILED_SORTS,
        default_sort="-created",
    )
    return render(
        request,
        "notifications/failed_list.html",
        {**listing.context(), "max_attempts": settings.KAIZEN_NOTIFICATION_MAX_ATTEMPTS},
    )
