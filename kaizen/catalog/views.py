"""Catalogue and CMDB pages. Each view: authenticate, fetch through a selector, call a service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kaizen.catalog import services
from kaizen.catalog.filters import ConfigurationItemFilter, ServiceFilter
from kaizen.catalog.forms import (
    ConfigurationItemForm,
    DependencyForm,
    LifecycleForm,
    OfferingForm,
    ServiceForm,
)
from kaizen.catalog.models import ConfigurationItem, Service, ServiceDependency, ServiceOffering
from kaizen.catalog.permissions import (
    can_edit_service,
    can_manage_catalog,
    can_manage_cmdb,
    can_view_cmdb,
)
from kaizen.catalog.selectors import cis_for, offerings_for, service_list_for, services_for
from kaizen.core.forms import conflict_status, detached, run_service
from kaizen.core.list_columns import shown_columns
from kaizen.core.listing import list_page
from kaizen.core.ticket_panels import rendered_panels
from kaizen.journal.selectors import timeline_for
from kaizen.people.permissions import can_view_timeline, is_agent

SERVICE_SORTS = {
    "name": "name",
    "type": "service_type",
    "lifecycle": "lifecycle",
    "criticality": "criticality",
    "owner": "owner__last_name",
    "team": "support_team__name",
    "updated": "updated_at",
}
CI_SORTS = {
    "name": "name",
    "type": "ci_type",
    "status": "status",
    "team": "support_team__name",
    "updated": "updated_at",
}


def _service_for(request: HttpRequest, slug: str) -> Service:
    """The service if this user may see it; 404 otherwise (no hint that it exists)."""
    return get_object_or_404(services_for(request.user), slug=slug)


def _editable_service(request: HttpRequest, slug: str) -> Service:
    service = _service_for(request, slug)
    if not can_edit_service(request.user, service):
        raise PermissionDenied("Only the catalogue's managers and the service owner edit it.")
    return service


@login_required
@require_GET
def service_list(request: HttpRequest) -> HttpResponse:
    listing = list_page(
        request,
        service_list_for(request.user),
        ServiceFilter,
        sort_fields=SERVICE_SORTS,
        default_sort="name",
    )
    agent = is_agent(request.user)
    template = "catalog/service_list.html" if agent else "catalog/service_browse.html"
    context = {**listing.context(), "can_create": can_manage_catalog(request.user)}
    if agent:
        # What other apps know of each service (its availability this month).
        context["columns"] = shown_columns("service", request, list(context["object_list"]))
    return render(request, template, context)


@login_required
@require_GET
def service_detail(request: HttpRequest, slug: str) -> HttpResponse:
    service = _service_for(request, slug)
    agent = is_agent(request.user)
    context = {
        "service": service,
        "offerings": offerings_for(request.user).filter(service=service).order_by("name"),
        "can_edit": can_edit_service(request.user, service),
        "is_agent": agent,
        # What other apps know of the service (its availability, agreements, what can be
        # requested from it), registered by them; each panel decides who may see it.
        "panels": rendered_panels("service", "detail", request, service),
    }
    if agent:
        context.update(
            dependencies=service.dependencies.select_related("depends_on").order_by(
                "depends_on__name"
            ),
            dependents=service.dependents.select_related("service").order_by("service__name"),
            configuration_items=service.configuration_items.order_by("name"),
            lifecycle_targets=services.allowed_lifecycle_targets(service),
            dependency_form=DependencyForm(service=service),
        )
    if can_view_timeline(request.user):
        context["timeline"] = timeline_for(service)
    return render(request, "catalog/service_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def service_create(request: HttpRequest) -> HttpResponse:
    if not can_manage_catalog(request.user):
        raise PermissionDenied("Only the catalogue's owners and managers add services.")
    form = ServiceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        service = run_service(
            form, services.do_create_service, actor=request.user, **form.cleaned_data
        )
        if service:
            messages.success(request, f"{service} was added to the pipeline.")
            return redirect(service)
    return render(request, "catalog/service_form.html", {"form": form, "service": None})


@login_required
@require_http_methods(["GET", "POST"])
def service_edit(request: HttpRequest, slug: str) -> HttpResponse:
    service = _editable_service(request, slug)
    form = ServiceForm(request.POST or None, instance=detached(service))
    if not can_manage_catalog(request.user):
        # A service owner edits the description of their service, not who owns it.
        form.fields["owner"].disabled = True
    if request.method == "POST" and form.is_valid():
        version, fields = form.version_and_fields()
        updated = run_service(
            form,
            services.do_update_service,
            service,
            actor=request.user,
            expected_version=version,
            **fields,
        )
        if updated:
            messages.success(request, "Service saved.")
            return redirect(updated)
    context = {"form": form, "service": service}
    return render(request, "catalog/service_form.html", context, status=conflict_status(form))


@login_required
@require_POST
def service_lifecycle(request: HttpRequest, slug: str) -> HttpResponse:
    service = _editable_service(request, slug)
    form = LifecycleForm(request.POST)
    if form.is_valid():
        result = run_service(
            form,
            services.do_change_service_lifecycle,
            service,
            form.cleaned_data["lifecycle"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
        if result:
            messages.success(
                request, f"{service} is now {service.get_lifecycle_display().lower()}."
            )
            return redirect(service)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect(service)


@login_required
@require_http_methods(["GET", "POST"])
def offering_form(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    service = _editable_service(request, slug)
    offering = get_object_or_404(ServiceOffering, pk=pk, service=service) if pk else None
    form = OfferingForm(
        request.POST or None,
        instance=detached(offering) if offering else None,
        service=service,
    )
    if request.method == "POST" and form.is_valid():
        version, fields = form.version_and_fields()
        if offering:
            saved = run_service(
                form,
                services.do_update_offering,
                offering,
                actor=request.user,
                expected_version=version,
                **fields,
            )
        else:
            saved = run_service(
                form, services.do_create_offering, service, actor=request.user, **fields
            )
        if saved:
            messages.success(request, f"Offering {saved.name} saved.")
            return redirect(service)
    return render(
        request,
        "catalog/offering_form.html",
        {"form": form, "service": service, "offering": offering},
        status=conflict_status(form),
    )


@login_required
@require_POST
def dependency_add(request: HttpRequest, slug: str) -> HttpResponse:
    service = _editable_service(request, slug)
    form = DependencyForm(request.POST, service=service)
    if form.is_valid():
        added = run_service(
            form,
            services.do_add_service_dependency,
            service,
            form.cleaned_data["depends_on"],
            actor=request.user,
            kind=form.cleaned_data["kind"],
            note=form.cleaned_data["note"],
        )
        if added:
            messages.success(request, f"Recorded: {added}.")
            return redirect(service)
    for field, errors in form.errors.items():
        for error in errors:
            messages.error(
                request, f"{field.replace('_', ' ')}: {error}" if field != "__all__" else error
            )
    return redirect(service)


@login_required
@require_POST
def dependency_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    service = _editable_service(request, slug)
    dependency = get_object_or_404(ServiceDependency, pk=pk, service=service)
    services.do_remove_service_dependency(dependency, actor=request.user)
    messages.success(request, "Dependency removed.")
    return redirect(service)


@login_required
@require_GET
def ci_list(request: HttpRequest) -> HttpResponse:
    if not can_view_cmdb(request.user):
        raise PermissionDenied("The CMDB is for agents.")
    listing = list_page(
        request,
        cis_for(request.user),
        ConfigurationItemFilter,
        sort_fields=CI_SORTS,
        default_sort="name",
    )
    return render(
        request,
        "catalog/ci_list.html",
        {**listing.context(), "can_create": can_manage_cmdb(request.user)},
    )


def _ci_for(request: HttpRequest, pk: int) -> ConfigurationItem:
    return get_object_or_404(cis_for(request.user), pk=pk)


@login_required
@require_GET
def ci_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ci = _ci_for(request, pk)
    return render(
        request,
        "catalog/ci_detail.html",
        {
            "ci": ci,
            "linked_services": ci.services.order_by("name"),
            "can_edit": can_manage_cmdb(request.user),
            "timeline": timeline_for(ci),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def ci_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    ci = _ci_for(request, pk) if pk else None
    if not can_manage_cmdb(request.user):
        raise PermissionDenied("Only catalogue and change managers maintain the CMDB.")
    form = ConfigurationItemForm(request.POST or None, instance=detached(ci) if ci else None)
    if request.method == "POST" and form.is_valid():
        version, fields = form.version_and_fields()
        linked = list(fields.pop("services"))
        if ci:
            saved = run_service(
                form,
                services.do_update_ci,
                ci,
                actor=request.user,
                expected_version=version,
                services=linked,
                **fields,
            )
        else:
            saved = run_service(
                form, services.do_create_ci, actor=request.user, services=linked, **fields
            )
        if saved:
            messages.success(request, f"{saved} saved.")
            return redirect(saved)
    context = {"form": form, "ci": ci}
    return render(request, "catalog/ci_form.html", context, status=conflict_status(form))
