"""An agreement's service level report for a period: the page, the PDF, the read-only links.

`?from=YYYY-MM-DD&to=YYYY-MM-DD` chooses the period (by default the last full calendar
month). The page and the PDF are for those kaizen.servicelevels.report_links lets read the
report (others: 403; an unknown agreement: 404); service level managers make, list and revoke
read-only links. A link opens its period's report without signing in, and nothing else; an
unknown, revoked and expired link get the same 404 page. One template body
(servicelevels/report_document.html) renders all of them through the reports' shared
mechanics (kaizen/core/pdf.py), so they never differ.
"""

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from csp.constants import NONCE
from csp.decorators import csp_update
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from kaizen.core import pdf as pdf_files
from kaizen.core.forms import show_errors
from kaizen.core.sharing import ShareLinkForm
from kaizen.servicelevels.figures import (
    Period,
    ReportFigures,
    last_full_month,
    month_end,
    report_figures,
)
from kaizen.servicelevels.models import Agreement, ReportLink
from kaizen.servicelevels.permissions import can_share_report, can_view_report
from kaizen.servicelevels.report_links import (
    do_create_report_link,
    do_revoke_report_link,
    link_state,
    shared_link,
)

DOCUMENT = "servicelevels/report_document.html"
LONGEST_PERIOD_DAYS = 366
MONTH_SHORTCUTS = 12


def _agreement(number: str) -> Agreement:
    return get_object_or_404(
        Agreement.objects.select_related("customer", "supplier", "provider_team", "owner"),
        number=number,
    )


def _viewable(request: HttpRequest, number: str) -> Agreement:
    agreement = _agreement(number)
    if not can_view_report(request.user, agreement):
        raise PermissionDenied(
            "The service level report is for service level managers, the agreement's owner "
            "and the owners of the services it covers."
        )
    return agreement


def period_asked(data: Any, today: dt.date) -> tuple[Period, str]:
    """The period of `from` and `to` (both, or neither: the last full month), and what was
    wrong with them, in words ("" when nothing)."""
    default = last_full_month(today)
    first, last = data.get("from", ""), data.get("to", "")
    if not first and not last:
        return default, ""
    try:
        period = Period(dt.date.fromisoformat(first), dt.date.fromisoformat(last))
    except ValueError:
        return default, "Give the period as two days, from and to: the last full month is shown."
    if period.last_day < period.first_day:
        return default, "The period ends before it starts: the last full month is shown."
    if period.days > LONGEST_PERIOD_DAYS:
        return default, "A report covers a year at most: the last full month is shown."
    return period, ""


def _query(period: Period) -> str:
    return urlencode({"from": period.first_day.isoformat(), "to": period.last_day.isoformat()})


def month_shortcuts(today: dt.date, chosen: Period) -> list[dict[str, Any]]:
    """This month so far and the twelve full months before it, newest first."""
    shortcuts = []
    first = today.replace(day=1)
    for index in range(MONTH_SHORTCUTS + 1):
        period = Period(first, month_end(first) if index else today)
        shortcuts.append(
            {
                "label": f"{first:%b %Y}" + (" so far" if not index else ""),
                "query": _query(period),
                "active": period == chosen,
            }
        )
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return shortcuts


def new_link_key(agreement: Agreement) -> str:
    return f"servicelevels-new-link-{agreement.pk}"


def _document_context(figures: ReportFigures) -> dict[str, Any]:
    return {"figures": figures, "agreement": figures.agreement, "period": figures.period}


def _title(figures: ReportFigures) -> str:
    return f"{figures.agreement.number} service level report, {figures.period.label}"


def render_report_pdf(figures: ReportFigures) -> bytes:
    """The report as a PDF (bench/service_level_report.py times this)."""
    return pdf_files.render_pdf(DOCUMENT, _document_context(figures), title=_title(figures))


def _pdf_response(figures: ReportFigures) -> HttpResponse:
    content = render_report_pdf(figures)
    period = figures.period
    filename = f"{figures.agreement.number}-{period.first_day:%Y%m%d}-{period.last_day:%Y%m%d}.pdf"
    return pdf_files.pdf_response(content, filename)


@login_required
@require_GET
def report_page(request: HttpRequest, number: str) -> HttpResponse:
    agreement = _viewable(request, number)
    today = timezone.localdate()
    period, problem = period_asked(request.GET, today)
    if problem:
        messages.warning(request, problem)
    figures = report_figures(agreement, period.first_day, period.last_day)
    context: dict[str, Any] = {
        **_document_context(figures),
        "query": _query(period),
        "shortcuts": month_shortcuts(today, period),
        "can_share": can_share_report(request.user),
    }
    if context["can_share"]:
        now = timezone.now()
        links = list(agreement.report_links.select_related("created_by"))
        for link in links:
            link.state = link_state(link, now)
        context["links"] = links
        context["share_form"] = ShareLinkForm()
        context["new_link"] = str(request.session.pop(new_link_key(agreement), "") or "")
    return render(request, "servicelevels/report.html", context)


@login_required
@require_GET
def report_pdf(request: HttpRequest, number: str) -> HttpResponse:
    agreement = _viewable(request, number)
    period, _ = period_asked(request.GET, timezone.localdate())
    return _pdf_response(report_figures(agreement, period.first_day, period.last_day))


def _sharer(request: HttpRequest, number: str) -> Agreement:
    agreement = _viewable(request, number)
    if not can_share_report(request.user):
        raise PermissionDenied("Service level managers share service level reports.")
    return agreement


def _back(agreement: Agreement, query: str = "") -> HttpResponse:
    address = reverse("servicelevels:report", args=[agreement.number])
    return redirect(f"{address}?{query}#share" if query else f"{address}#share")


@login_required
@require_POST
def share(request: HttpRequest, number: str) -> HttpResponse:
    """A read-only link to the period's report: shown once, on the report page."""
    agreement = _sharer(request, number)
    period, problem = period_asked(request.POST, timezone.localdate())
    form = ShareLinkForm(request.POST)
    if problem:
        messages.error(request, problem)
        return _back(agreement)
    if not form.is_valid():
        show_errors(request, form)
        return _back(agreement, _query(period))
    try:
        _, token = do_create_report_link(
            agreement,
            actor=request.user,
            period_start=period.first_day,
            period_end=period.last_day,
            **form.cleaned_data,
        )
    except ValidationError as error:
        messages.error(request, " ".join(str(message) for message in error.messages))
    else:
        address = reverse("servicelevels_shared:report", args=[token])
        request.session[new_link_key(agreement)] = request.build_absolute_uri(address)
        messages.success(
            request,
            f"A read-only link to the report of {period.label} was made: copy it now, it is "
            "shown only once.",
        )
    return _back(agreement, _query(period))


@login_required
@require_POST
def revoke(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    agreement = _sharer(request, number)
    link = get_object_or_404(ReportLink, pk=pk, agreement=agreement)
    was_revoked = link.revoked_at is not None
    do_revoke_report_link(link, actor=request.user)
    request.session.pop(new_link_key(agreement), None)
    if was_revoked:
        messages.info(request, "That link was already revoked.")
    else:
        messages.success(request, "The link no longer opens the report.")
    query = urlencode({"from": link.period_start.isoformat(), "to": link.period_end.isoformat()})
    return _back(agreement, query)


def _shared_figures(link: ReportLink) -> ReportFigures:
    return report_figures(link.agreement, link.period_start, link.period_end)


# The page's stylesheets are inline (it is one file, as the PDF is made from it): the policy
# lets in the <style> blocks that carry this response's nonce, and nothing else inline.
@csp_update({"style-src": [NONCE]})
@require_GET
def shared_report(request: HttpRequest, token: str) -> HttpResponse:
    link = shared_link(token)
    if link is None:
        return pdf_files.shared_gone(request)
    figures = _shared_figures(link)
    html = pdf_files.standalone(
        DOCUMENT,
        _document_context(figures),
        title=_title(figures),
        pdf=False,
        pdf_url=reverse("servicelevels_shared:pdf", args=[token]),
        nonce=str(request.csp_nonce),
    )
    return pdf_files.shared(HttpResponse(html))


@require_GET
def shared_report_pdf(request: HttpRequest, token: str) -> HttpResponse:
    link = shared_link(token)
    if link is None:
        return pdf_files.shared_gone(request)
    return pdf_files.shared(_pdf_response(_shared_figures(link)))
