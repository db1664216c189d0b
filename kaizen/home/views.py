from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from kaizen.audit.permissions import can_view_audit
from kaizen.catalog.models import ConfigurationItem, Lifecycle, Service
from kaizen.journal.selectors import audit_events
from kaizen.people.models import Team
from kaizen.people.permissions import is_agent


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Agents land on an overview; requesters go straight to the catalogue."""
    if not is_agent(request.user):
        return redirect("catalog:service_list")
    lifecycle_counts = {row: 0 for row in Lifecycle.values}
    for lifecycle in Service.objects.values_list("lifecycle", flat=True):
        lifecycle_counts[lifecycle] += 1
    context = {
        "lifecycle_counts": lifecycle_counts,
        "ci_count": ConfigurationItem.objects.count(),
        "team_count": Team.objects.filter(is_active=True).count(),
        "my_services": Service.objects.filter(owner=request.user).order_by("name")[:10],
        "recent_events": list(audit_events().order_by("-id")[:10])
        if can_view_audit(request.user)
        else [],
    }
    return render(request, "home/home.html", context)
