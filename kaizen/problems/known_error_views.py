"""Pages of the known-error database: the agents' list with search, a known error's page with
its use, recording from a problem, editing, publishing, retiring and applying it; and the
portal's self-help articles for anyone signed in.

Agents read and apply; problem managers record, edit, publish and retire (403 otherwise);
requesters read only the portal articles (the known-error pages are 403 to them).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kaizen.catalog.ticket_sources import tickets_numbered
from kaizen.core.forms import conflict_status, detached, run_service, show_errors
from kaizen.core.listing import list_page
from kaizen.journal.selectors import timeline_for
from kaizen.problems.known_error_filters import ArticleFilter, KnownErrorFilter
from kaizen.problems.known_error_forms import (
    ApplyForm,
    KnownErrorForm,
    PublishForm,
    VersionOnlyForm,
)
from kaizen.problems.known_error_selectors import known_errors_for, portal_articles_for
from kaizen.problems.known_error_use import known_error_use
from kaizen.problems.models import KnownError, Problem
from kaizen.problems.permissions import can_manage_problems, can_work_problems
from kaizen.problems.services import known_errors as services
from kaizen.problems.services.known_errors import FROM_PROBLEM

SORTS = {"number": "number", "title": "title", "created": "created_at", "status": "status"}


def _require_agent(request: HttpRequest) -> None:
    if not can_work_problems(request.user):
        raise PermissionDenied("The known-error database is for agents.")


def _require_manager(request: HttpRequest) -> None:
    if not can_manage_problems(request.user):
        raise PermissionDenied("Problem managers record, publish and retire known errors.")


def _known_error(request: HttpRequest, number: str) -> KnownError:
    _require_agent(request)
    return get_object_or_404(known_errors_for(request.user), number=number)


@login_required
@require_GET
def known_error_list(request: HttpRequest) -> HttpResponse:
    _require_agent(request)
    listing = list_page(
        request,
        known_errors_for(request.user),
        KnownErrorFilter,
        sort_fields=SORTS,
        default_sort="-created",
    )
    context = {**listing.context(), "can_manage": can_manage_problems(request.user)}
    return render(request, "problems/known_error_list.html", context)


@login_required
@require_GET
def known_error_detail(request: HttpRequest, number: str) -> HttpResponse:
    known_error = _known_error(request, number)
    context = {
        "known_error": known_error,
        "services": list(known_error.services.order_by("name")),
        "configuration_items": list(known_error.configuration_items.order_by("name")),
        "use": known_error_use(known_error),
        "can_manage": can_manage_problems(request.user),
        "publish_form": PublishForm(
            initial={
                "to_portal": known_error.published_to_portal,
                "portal_title": known_error.portal_title,
                "portal_body": known_error.portal_body,
                "version": known_error.version,
            }
        ),
        "timeline": timeline_for(known_error),
    }
    return render(request, "problems/known_error_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def known_error_create(request: HttpRequest) -> HttpResponse:
    _require_agent(request)
    _require_manager(request)
    number = request.GET.get("problem") or request.POST.get("problem") or ""
    problem = get_object_or_404(Problem, number=number)
    initial = {name: getattr(problem, source) for name, source in FROM_PROBLEM.items()}
    initial["services"] = list(problem.services.all())
    initial["configuration_items"] = list(problem.configuration_items.all())
    form = KnownErrorForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        known_error = run_service(
            form,
            services.do_record_known_error,
            problem,
            actor=request.user,
            services=fields.pop("services"),
            configuration_items=fields.pop("configuration_items"),
            **fields,
        )
        if known_error:
            messages.success(request, f"{known_error.number} recorded as a draft.")
            return redirect(known_error)
    context = {"form": form, "problem": problem, "known_error": None}
    return render(request, "problems/known_error_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def known_error_edit(request: HttpRequest, number: str) -> HttpResponse:
    known_error = _known_error(request, number)
    _require_manager(request)
    form = KnownErrorForm(
        request.POST or None,
        instance=detached(known_error),
        initial={
            "services": list(known_error.services.all()),
            "configuration_items": list(known_error.configuration_items.all()),
        },
    )
    if request.method == "POST" and form.is_valid():
        version, fields = form.version_and_fields()
        saved = run_service(
            form,
            services.do_update_known_error,
            known_error,
            actor=request.user,
            expected_version=version,
            services=fields.pop("services"),
            configuration_items=fields.pop("configuration_items"),
            **fields,
        )
        if saved:
            messages.success(request, f"{saved.number} saved.")
            return redirect(saved)
    context = {"form": form, "problem": known_error.problem, "known_error": known_error}
    return render(request, "problems/known_error_form.html", context, status=conflict_status(form))


@login_required
@require_POST
def known_error_publish(request: HttpRequest, number: str) -> HttpResponse:
    known_error = _known_error(request, number)
    _require_manager(request)
    form = PublishForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        published = run_service(
            form,
            services.do_publish_known_error,
            known_error,
            actor=request.user,
            expected_version=data.pop("version"),
            **data,
        )
        if published:
            where = "to agents and the portal" if published.published_to_portal else "to agents"
            messages.success(request, f"{published.number} published {where}.")
    show_errors(request, form)
    return redirect(known_error)


@login_required
@require_POST
def known_error_retire(request: HttpRequest, number: str) -> HttpResponse:
    known_error = _known_error(request, number)
    _require_manager(request)
    form = VersionOnlyForm(request.POST)
    if form.is_valid() and run_service(
        form,
        services.do_retire_known_error,
        known_error,
        actor=request.user,
        expected_version=form.cleaned_data["version"],
    ):
        messages.success(request, f"{known_error.number} retired: no longer suggested.")
    show_errors(request, form)
    return redirect(known_error)


@login_required
@require_POST
def known_error_apply(request: HttpRequest, number: str) -> HttpResponse:
    """Apply to an incident from the incident's page (back to it) or the known error's."""
    known_error = _known_error(request, number)
    form = ApplyForm(request.POST)
    if not form.is_valid():
        show_errors(request, form)
        return redirect(known_error)
    incident = form.cleaned_data["incident"].strip()
    link = run_service(
        form,
        services.do_apply_known_error,
        known_error,
        incident,
        actor=request.user,
        copy_workaround=form.cleaned_data["copy_workaround"],
    )
    if link:
        copied = " and its workaround added as a work note" if link.workaround_applied else ""
        messages.success(
            request,
            f"{known_error.number} applied: {incident} linked to {link.problem.number}{copied}.",
        )
    show_errors(request, form)
    row = tickets_numbered("incident", [incident]).get(incident)
    if form.cleaned_data["back"] == "incident" and row and row.url:
        return redirect(row.url)
    return redirect(known_error)


# -- the portal's self-help articles ------------------------------------------------------


@login_required
@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    listing = list_page(
        request,
        portal_articles_for(request.user),
        ArticleFilter,
        sort_fields={"published": "published_at", "title": "portal_title"},
        default_sort="-published",
    )
    return render(request, "problems/article_list.html", listing.context())


@login_required
@require_GET
def article_detail(request: HttpRequest, number: str) -> HttpResponse:
    article = get_object_or_404(portal_articles_for(request.user), number=number)
    return render(request, "problems/article_detail.html", {"article": article})
