"""What the pages of every process's tickets share for comments, work notes and files: the
posting of a comment or a file on a ticket's page, and the download of a file. Each process's
views fetch the ticket (404 for one the user may not see), ask their own permission, and give
the service to call and how to show the page again with a refused form."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from kaizen.core.forms import TicketAttachmentForm, TicketCommentForm, run_service

# (request, ticket, **the refused form) -> the ticket's page with that form's errors.
PageWithForm = Callable[..., HttpResponse]


def post_comment(
    request: HttpRequest,
    ticket: Any,
    *,
    agent: bool,
    add_comment: Callable[..., Any],
    render_page: PageWithForm,
    requester_word: str = "caller",
) -> HttpResponse:
    """A comment (or an agent's work note) from the ticket's page."""
    form = TicketCommentForm(request.POST, agent=agent, requester_word=requester_word)
    if form.is_valid():
        work_note = form.cleaned_data.get("is_work_note", False)
        added = run_service(
            form,
            add_comment,
            ticket,
            form.cleaned_data["body"],
            actor=request.user,
            is_work_note=work_note,
        )
        if added:
            messages.success(request, "Work note added." if work_note else "Comment added.")
            return redirect(f"{ticket.get_absolute_url()}#activity")
    return render_page(request, ticket, comment_form=form)


def post_attachment(
    request: HttpRequest,
    ticket: Any,
    *,
    add_attachment: Callable[..., Any],
    render_page: PageWithForm,
) -> HttpResponse:
    """A file from the ticket's page, under the attachment limits."""
    form = TicketAttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        added = run_service(
            form, add_attachment, ticket, form.cleaned_data["file"], actor=request.user
        )
        if added:
            messages.success(request, f"{added.original_name} attached.")
            return redirect(f"{ticket.get_absolute_url()}#attachments")
    return render_page(request, ticket, attachment_form=form)


def attachment_response(attachment: Any | None) -> FileResponse:
    """The file, as a download; None (the user may not see its ticket) is a 404."""
    if attachment is None:
        raise Http404("No such attachment.")
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
