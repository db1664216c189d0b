"""Mailboxes and the mail received (administrators): list, detail, add, edit; the mail not
processed with its reasons, and the button that processes a message again."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kaizen.core.forms import conflict_status, detached, run_service
from kaizen.core.listing import list_page
from kaizen.mailin import services
from kaizen.mailin.filters import InboundMessageFilter, MailboxFilter
from kaizen.mailin.forms import MailboxForm
from kaizen.mailin.models import InboundMessage, Mailbox, MessageState
from kaizen.mailin.permissions import can_manage_mail
from kaizen.mailin.selectors import NOT_PROCESSED, mailboxes_for, messages_for

MAILBOX_SORTS = {"name": "name", "address": "address", "fetched": "last_fetched_at"}
MESSAGE_SORTS = {"received": "received_at", "sender": "sender", "state": "state"}
PREVIEW = 20_000


def _require_admin(request: HttpRequest) -> None:
    if not can_manage_mail(request.user):
        raise PermissionDenied("Only administrators manage inbound mail.")


@login_required
@require_GET
def mailbox_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    listing = list_page(
        request,
        mailboxes_for(request.user),
        MailboxFilter,
        sort_fields=MAILBOX_SORTS,
        default_sort="name",
    )
    return render(request, "mailin/mailbox_list.html", listing.context())


@login_required
@require_GET
def mailbox_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    mailbox = get_object_or_404(mailboxes_for(request.user), pk=pk)
    recent = messages_for(request.user).filter(mailbox=mailbox)[:20]
    return render(request, "mailin/mailbox_detail.html", {"mailbox": mailbox, "recent": recent})


@login_required
@require_http_methods(["GET", "POST"])
def mailbox_create(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = MailboxForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        mailbox = run_service(
            form, services.do_create_mailbox, actor=request.user, **form.cleaned_data
        )
        if mailbox:
            messages.success(request, f"Mailbox {mailbox} was added.")
            return redirect(mailbox)
    return render(request, "mailin/mailbox_form.html", {"form": form, "mailbox": None})


@login_required
@require_http_methods(["GET", "POST"])
def mailbox_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    mailbox = get_object_or_404(Mailbox, pk=pk)
    form = MailboxForm(request.POST or None, instance=detached(mailbox))
    if request.method == "POST" and form.is_valid():
        version, fields = form.version_and_fields()
        updated = run_service(
            form,
            services.do_update_mailbox,
            mailbox,
            actor=request.user,
            expected_version=version,
            **fields,
        )
        if updated:
            messages.success(request, "Mailbox saved.")
            return redirect(updated)
    context = {"form": form, "mailbox": mailbox}
    return render(request, "mailin/mailbox_form.html", context, status=conflict_status(form))


@login_required
@require_GET
def message_list(request: HttpRequest) -> HttpResponse:
    """The mail not processed (set aside or held) by default; ?state= shows the others."""
    _require_admin(request)
    rows = messages_for(request.user)
    if "state" not in request.GET:
        rows = rows.filter(state__in=NOT_PROCESSED)
    listing = list_page(
        request, rows, InboundMessageFilter, sort_fields=MESSAGE_SORTS, default_sort="-received"
    )
    context = {**listing.context(), "only_not_processed": "state" not in request.GET}
    return render(request, "mailin/message_list.html", context)


@login_required
@require_GET
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    message = get_object_or_404(InboundMessage.objects.select_related("mailbox"), pk=pk)
    raw = bytes(message.raw)
    context = {
        "message": message,
        "raw_preview": raw[:PREVIEW].decode("utf-8", "replace"),
        "raw_cut": len(raw) > PREVIEW,
        "may_reprocess": message.state
        in (MessageState.SET_ASIDE, MessageState.IGNORED, MessageState.HELD),
    }
    return render(request, "mailin/message_detail.html", context)


@login_required
@require_POST
def message_reprocess(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    message = get_object_or_404(InboundMessage, pk=pk)
    try:
        services.do_reprocess_message(message, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(message)
    worked = services.process_message(message.pk)
    if worked is None:
        messages.info(request, "The message waits for the next run.")
    elif worked.state == MessageState.PROCESSED:
        messages.success(
            request, f"Processed: {worked.get_outcome_display().lower()} {worked.ticket_number}."
        )
    else:
        messages.warning(
            request, f"Still not processed ({worked.get_state_display()}): {worked.reason}"
        )
    return redirect(message)
