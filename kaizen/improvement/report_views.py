"""Step 6: the initiative report as a page, as a PDF, and through a read-only shared link.

The page and the PDF are for whoever may see the register (requesters: 403); sharing and
unsharing are for those who work the initiative (its owner, the CSI manager). The shared link
needs no sign-in: it is found by its token only, shows the same report body and nothing else
(no forms, no links into the application, no journal, no e-mail addresses), and asks search
engines and browsers not to index it or pass it on as a referrer.

One template body (improvement/report_document.html) renders all three; the PDF is that
HTML, with the stylesheets inlined, laid out by WeasyPrint, which is never allowed to fetch
anything (only data: URLs), so a PDF is made offline and cannot be made to read the network
or the disk.
"""

import functools
from pathlib import Path
from typing import Any

from csp.constants import NONCE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from kaizen.improvement.models import Initiative, Step
from kaizen.improvement.permissions import can_view_register, can_work_initiative
from kaizen.improvement.report import Report, build_report

SCREEN_CSS, PRINT_CSS = "improvement/report.css", "improvement/report_print.css"
SHARED_HEADERS = {
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "private, no-store",
}


def _require_viewer(request: HttpRequest) -> None:
    if not can_view_register(request.user):
        raise PermissionDenied("The improvement register is for agents and managers.")


def _initiative(pk: int) -> Initiative:
    return get_object_or_404(Initiative.objects.select_related("owner"), pk=pk)


def _shared_initiative(token: str) -> Initiative:
    """The initiative a live share token opens; 404 for an unknown or revoked one."""
    if not token:
        raise Http404("No such report.")
    return get_object_or_404(Initiative.objects.select_related("owner"), share_token=token)


def _shared_url(request: HttpRequest, initiative: Initiative) -> str:
    if not initiative.share_token:
        return ""
    return request.build_absolute_uri(
        reverse("improvement:shared_report", args=[initiative.share_token])
    )


def _static_path(name: str) -> Path:
    found = finders.find(name)
    if not found:
        raise FileNotFoundError(f"static file {name} is missing")
    return Path(found if isinstance(found, str) else found[0])


@functools.cache
def _cached_stylesheets() -> tuple[str, str]:
    screen, paper = (
        _static_path(name).read_text(encoding="utf-8") for name in (SCREEN_CSS, PRINT_CSS)
    )
    return screen, paper


def stylesheets() -> tuple[str, str]:
    """The report's screen and print stylesheets, read from disk (once, unless DEBUG)."""
    if settings.DEBUG:
        _cached_stylesheets.cache_clear()
    return _cached_stylesheets()


def _standalone(report: Report, *, pdf: bool, pdf_url: str = "", nonce: str = "") -> str:
    """The report as one HTML file, its stylesheets inlined; `nonce` is the request's CSP
    nonce when a browser is shown the page (the policy allows no other inline style)."""
    report_css, print_css = stylesheets()
    return render_to_string(
        "improvement/report_standalone.html",
        {
            "report": report,
            "pdf": pdf,
            "pdf_url": pdf_url,
            "report_css": report_css,
            "print_css": print_css,
            "nonce": nonce,
        },
    )


def pdf_url_fetcher() -> Any:
    """What WeasyPrint may fetch while laying out a report: data: URLs only (the CSS is
    inline, the charts are data: images). No network, no file from the disk."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols=("data",), timeout=1)


def render_pdf(report: Report) -> bytes:
    """The report as a PDF, made offline."""
    from weasyprint import HTML

    html = _standalone(report, pdf=True)
    base_url = str(_static_path(SCREEN_CSS).parent)  # nothing is fetched relative to it
    return HTML(string=html, base_url=base_url, url_fetcher=pdf_url_fetcher()).write_pdf()


def _pdf_response(report: Report) -> HttpResponse:
    response = HttpResponse(render_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report.reference}-report.pdf"'
    return response


@login_required
@require_GET
def report_page(request: HttpRequest, pk: int) -> HttpResponse:
    _require_viewer(request)
    initiative = _initiative(pk)
    report = build_report(initiative)
    return render(
        request,
        "improvement/report.html",
        {
            "initiative": report.initiative,
            "report": report,
            "can_share": can_work_initiative(request.user, initiative),
            "shared_url": _shared_url(request, report.initiative),
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
    from kaizen.improvement.services import do_share_report

    initiative = _work(request, pk)
    try:
        token = do_share_report(initiative, actor=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        link = request.build_absolute_uri(reverse("improvement:shared_report", args=[token]))
        messages.success(
            request,
            f"The report of {initiative.reference} is shared read-only at {link} "
            "(anyone with the link can read it, without signing in).",
        )
    return redirect("improvement:step", pk=initiative.pk, step=Step.PRESENT)


@login_required
@require_POST
def unshare(request: HttpRequest, pk: int) -> HttpResponse:
    from kaizen.improvement.services import do_unshare_report

    initiative = _work(request, pk)
    old_link = _shared_url(request, initiative)
    try:
        do_unshare_report(initiative, actor=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        if old_link:
            messages.success(request, f"The link {old_link} no longer opens the report.")
        else:
            messages.info(request, "The report was not shared.")
    return redirect("improvement:step", pk=initiative.pk, step=Step.PRESENT)


def _shared(response: HttpResponse) -> HttpResponse:
    for header, value in SHARED_HEADERS.items():
        response[header] = value
    return response


# The page's stylesheets are inline (it is one file, as the PDF is made from it): the policy
# lets in the <style> blocks that carry this response's nonce, and nothing else inline.
@csp_update({"style-src": [NONCE]})
@require_GET
def shared_report(request: HttpRequest, token: str) -> HttpResponse:
    report = build_report(_shared_initiative(token))
    pdf_url = reverse("improvement:shared_pdf", args=[token])
    html = _standalone(report, pdf=False, pdf_url=pdf_url, nonce=str(request.csp_nonce))
    return _shared(HttpResponse(html))


@require_GET
def shared_report_pdf(request: HttpRequest, token: str) -> HttpResponse:
    return _shared(_pdf_response(build_report(_shared_initiative(token))))
