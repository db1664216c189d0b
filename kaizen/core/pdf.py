"""Reports as one HTML file and as a PDF, for every app that has a report (the initiative
report, the service level report).

A report is one template body (its "document") rendered three ways: inside the app's page,
on its own for a read-only shared link, and as a PDF. On its own, the document is wrapped in
reports/standalone.html with the report stylesheets inlined (kaizen/reports/report.css and
report_print.css); the PDF is that HTML laid out by WeasyPrint, which is never allowed to
fetch anything (only data: URLs), so a PDF is made offline and cannot be made to read the
network or the disk. A shared page answers with headers that keep it out of search engines
and referrers; an unknown, revoked or expired link gets one page for all three
(reports/shared_gone.html).
"""

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

SCREEN_CSS, PRINT_CSS = "kaizen/reports/report.css", "kaizen/reports/report_print.css"
SHARED_HEADERS = {
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "private, no-store",
}


def static_path(name: str) -> Path:
    found = finders.find(name)
    if not found:
        raise FileNotFoundError(f"static file {name} is missing")
    return Path(found if isinstance(found, str) else found[0])


@functools.cache
def _cached_stylesheets() -> tuple[str, str]:
    screen, paper = (
        static_path(name).read_text(encoding="utf-8") for name in (SCREEN_CSS, PRINT_CSS)
    )
    return screen, paper


def stylesheets() -> tuple[str, str]:
    """The reports' screen and print stylesheets, read from disk (once, unless DEBUG)."""
    if settings.DEBUG:
        _cached_stylesheets.cache_clear()
    return _cached_stylesheets()


def standalone(
    document: str,
    context: Mapping[str, Any],
    *,
    title: str,
    pdf: bool,
    pdf_url: str = "",
    nonce: str = "",
) -> str:
    """The report's `document` template as one HTML file, its stylesheets inlined; `nonce` is
    the request's CSP nonce when a browser is shown the page (the policy allows no other
    inline style)."""
    report_css, print_css = stylesheets()
    return render_to_string(
        "reports/standalone.html",
        {
            **context,
            "document": document,
            "title": title,
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


def render_pdf(document: str, context: Mapping[str, Any], *, title: str) -> bytes:
    """The report as a PDF, made offline."""
    from weasyprint import HTML

    html = standalone(document, context, title=title, pdf=True)
    base_url = str(static_path(SCREEN_CSS).parent)  # nothing is fetched relative to it
    return HTML(string=html, base_url=base_url, url_fetcher=pdf_url_fetcher()).write_pdf()


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def shared(response: HttpResponse) -> HttpResponse:
    """A response through a shared link: not indexed, not passed on, not cached."""
    for header, value in SHARED_HEADERS.items():
        response[header] = value
    return response


def shared_gone(request: HttpRequest) -> HttpResponse:
    """An unknown, revoked or expired link: one answer for all, saying nothing more."""
    return shared(render(request, "reports/shared_gone.html", status=404))
