"""Step 6: the initiative report as a page, as a PDF, and through a read-only shared link.

The page and the PDF are for whoever may see the register (requesters: 403); sharing and
unsharing are for those who work the initiative (its owner, the CSI manager), and only they
see whether a link exists. The shared link needs no sign-in: it is found by its token only
(kaizen/core/sharing.py: only its SHA-256 is kept, and it expires; an unknown, revoked and
expired link get the same 404 page), shows the same report body and nothing else
(no forms, no links into the application, no journal, no e-mail addresses), and asks search
engines and browsers not to index it or pass it on as a referrer.

One template body (improvement/report_document.html) renders all three, through the
reports' shared mechanics (kaizen/core/pdf.py: the stylesheets inlined, the PDF laid out
offline by WeasyPrint).
"""

from typing import Any

from csp.constants import NONCE
from csp.decorators import csp_update
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from kaizen.core import pdf as pdf_files
from kaizen.core.forms import show_errors
from kaizen.core.sharing import ShareLinkForm
from kaizen.improvement import sharing
from kaizen.improvement.models import Initiative, Step
from kaizen.improvement.permissions import can_view_register, can_work_initiative
from kaizen.improvement.report import Report, build_report

DOCUMENT = "improvement/report_document.html"


def _require_viewer(request: HttpRequest) -> None:
    if not can_view_register(request.user):
        raise PermissionDenied("The improvement register is for agents and managers.")


def _initiative(pk: int) -> Initiative:
    return get_object_or_404(Initiative.objects.select_related("owner"), pk=pk)


def share_state(initiative: Initiative) -> dict[str, Any]:
    """What those who may revoke the link see of it: whether one exists (it cannot be shown
    again), until when it works, or when it expired."""
    return {
        "live": sharing.is_live(initiative),
        "expired": bool(initiative.share_token_hash) and not sharing.is_live(initiative),
        "expires_at": initiative.share_expires_at,
    }


def new_link_key(initiative: Initiative) -> str:
    return f"improvement-new-link-{initiative.pk}"


def pop_new_link(request: HttpRequest, initiative: Initiative) -> str:
    """The link just made, shown once on the page after it was made (kept in the session
    until then, never stored elsewhere)."""
    return str(request.session.pop(new_link_key(initiative), "") or "")


def _standalone(report: Report, *, pdf: bool, pdf_url: str = "", nonce: str = "") -> str:
    return pdf_files.standalone(
        DOCUMENT,
        {"report": report},
        title=f"{report.reference} {report.title}",
        pdf=pdf,
        pdf_url=pdf_url,
        nonce=nonce,
    )


def render_pdf(report: Report) -> bytes:
    """The report as a PDF, made offline."""
    return pdf_files.render_pdf(
        DOCUMENT, {"report": report}, title=f"{report.reference} {report.title}"
    )


def _pdf_response(report: Report) -> HttpResponse:
    return pdf_files.pdf_response(render_pdf(report), f"{report.reference}-report.pdf")


@login_required
@require_GET
def report_page(request: HttpRequest, pk: int) -> HttpResponse:
    _require_viewer(request)
    initiative = _initiative(pk)
    report = build_report(initiative)
    can_share = can_work_initiative(request.user, initiative)
    return render(
        request,
        "improvement/report.html",
        {
            "initiative": report.initiative,
            "report": report,
            "can_share": can_share,
            "share": share_state(initiative) if can_share else None,
        },
    )


@login_required
@require_GET
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    _require_viewer(request)
    return _pdf_response(build_report(_initiative(pk)))


def _work(request: HttpRequest, pk: int) -> Initiative:
    _require_viewer(request)
    initiative = _initiative(pk)
    if not can_work_initiative(request.user, initiative):
        raise PermissionDenied("Only the initiative's owner or the CSI manager shares its report.")
    return initiative


def _error_text(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


@login_required
@require_POST
def share(request: HttpRequest, pk: int) -> HttpResponse:
    """Make a new link (replacing the current one): it is shown once, on step 6."""
    from kaizen.improvement.services import do_share_report

    initiative = _work(request, pk)
    form = ShareLinkForm(request.POST)
    if not form.is_valid():
        show_errors(request, form)
        return redirect("improvement:step", pk=initiative.pk, step=Step.PRESENT)
    try:
        token = do_share_report(initiative, actor=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        link = request.build_absolute_uri(reverse("improvement:shared_report", args=[token]))
        request.session[new_link_key(initiative)] = link
        messages.success(
            request,
            f"A read-only link to the report of {initiative.reference} was made: copy it now, "
            "it is shown only once.",
        )
    return redirect("improvement:step", pk=initiative.pk, step=Step.PRESENT)


@login_required
@require_POST
def unshare(request: HttpRequest, pk: int) -> HttpResponse:
    from kaizen.improvement.services import do_unshare_report

    initiative = _work(request, pk)
    had_link = bool(initiative.share_token_hash)
    try:
        do_unshare_report(initiative, actor=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        request.session.pop(new_link_key(initiative), None)
        if had_link:
            messages.success(request, "The read-only link no longer opens the report.")
        else:
            messages.info(request, "The report was not shared.")
    return redirect("improvement:step", pk=initiative.pk, step=Step.PRESENT)


# The page's stylesheets are inline (it is one file, as the PDF is made from it): the policy
# lets in the <style> blocks that carry this response's nonce, and nothing else inline.
@csp_update({"style-src": [NONCE]})
@require_GET
def shared_report(request: HttpRequest, token: str) -> HttpResponse:
    initiative = sharing.shared_initiative(token)
    if initiative is None:
        return pdf_files.shared_gone(request)
    report = build_report(initiative)
    pdf_url = reverse("improvement:shared_pdf", args=[token])
    html = _standalone(report, pdf=False, pdf_url=pdf_url, nonce=str(request.csp_nonce))
    return pdf_files.shared(HttpResponse(html))


@require_GET
def shared_report_pdf(request: HttpRequest, token: str) -> HttpResponse:
    initiative = sharing.shared_initiative(token)
    if initiative is None:
        return pdf_files.shared_gone(request)
    return pdf_files.shared(_pdf_response(build_report(initiative)))
