"""A person's notification preferences."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from kaizen.core.forms import run_service
from kaizen.notifications import services
from kaizen.notifications.categories import categories_for
from kaizen.notifications.forms import PreferencesForm
from kaizen.notifications.selectors import preferences_for


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
