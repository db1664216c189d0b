from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kaizen.audit.filters import JournalEventFilter
from kaizen.audit.permissions import can_view_audit
from kaizen.core.listing import list_page
from kaizen.journal.selectors import audit_events

AUDIT_SORTS = {"id": "id", "when": "occurred_at", "event": "event_type", "actor": "actor_repr"}


@login_required
@require_GET
def audit(request: HttpRequest) -> HttpResponse:
    if not can_view_audit(request.user):
        raise PermissionDenied("The audit trail is for administrators and process owners/managers.")
    listing = list_page(
        request, audit_events(), JournalEventFilter, sort_fields=AUDIT_SORTS, default_sort="-id"
    )
    return render(request, "audit/audit.html", listing.context())
