"""Service level management pages: agreements (SLAs, OLAs, underpinning contracts) with their
versions of terms and the chain check, customers and suppliers.

Each view: authenticate, ask kaizen.servicelevels.permissions (403), fetch (404), validate the
forms, call one service, redirect or re-render with the errors on their fields.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Model, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from kaizen.core.forms import detached, page_status, run_service
from kaizen.core.listing import list_page
from kaizen.journal.selectors import timeline_for
from kaizen.people.permissions import can_view_timeline
from kaizen.servicelevels.attribution import breaches
from kaizen.servicelevels.chain import chain_check
from kaizen.servicelevels.filters import AgreementFilter
from kaizen.servicelevels.forms import (
    AgreementForm,
    CustomerForm,
    SupplierForm,
    TermsForm,
    target_formset,
    targets_of,
)
from kaizen.servicelevels.models import (
    Agreement,
    AgreementKind,
    AgreementTerms,
    Customer,
    Supplier,
)
from kaizen.servicelevels.permissions import (
    can_change_agreement,
    can_manage_agreements,
    can_view_agreements,
    can_view_report,
)
from kaizen.servicelevels.selectors import (
    agreement_timeline,
    agreements_with_versions,
    supported_slas,
    target_lines,
    terms_in_force,
    terms_shown,
)
from kaizen.servicelevels.services import (
    do_add_terms,
    do_correct_terms,
    do_create_agreement,
    do_create_customer,
    do_create_supplier,
    do_update_agreement,
    do_update_customer,
    do_update_supplier,
)
from kaizen.servicelevels.services.agreements import can_correct

BREACHES_SHOWN = dt.timedelta(days=90)  # the SLA page's recent breaches
BREACHES_LISTED = 20
SORTS = {
    "number": "number",
    "name": "name",
    "kind": "kind",
    "status": "status",
    "starts": "starts_on",
    "ends": "ends_on",
    "owner": "owner__first_name",
}


def _require_viewer(request: HttpRequest) -> None:
    if not can_view_agreements(request.user):
        raise PermissionDenied("Agreements are for IT staff.")


def _require_manager(request: HttpRequest) -> None:
    if not can_manage_agreements(request.user):
        raise PermissionDenied("Service level managers make agreements, customers and suppliers.")


def _agreement_for(request: HttpRequest, number: str) -> Agreement:
    _require_viewer(request)
    return get_object_or_404(agreements_with_versions(), number=number)


def _require_changer(request: HttpRequest, agreement: Agreement) -> None:
    if not can_change_agreement(request.user, agreement):
        raise PermissionDenied("Service level managers and the agreement's owner change it.")


# -- agreements ------------------------------------------------------------------------------


@login_required
@require_GET
def agreement_list(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    listing = list_page(
        request,
        agreements_with_versions(),
        AgreementFilter,
        sort_fields=SORTS,
        default_sort="number",
    )
    today = timezone.localdate()
    context = listing.context()
    context["rows"] = [
        {"agreement": agreement, "terms": terms_shown(agreement, today)}
        for agreement in context["object_list"]
    ]
    context["can_manage"] = can_manage_agreements(request.user)
    context["kinds"] = AgreementKind.choices
    return render(request, "servicelevels/agreement_list.html", context)


def _run_on_forms(forms: list[Any], function: Callable[..., Any], **kwargs: Any) -> Any:
    """Call a `do_*` service whose faults may concern any of the page's forms: each goes on
    the form that has its field (the first form's top when none has)."""
    try:
        return function(**kwargs)
    except ValidationError as error:
        faults = error.error_dict if hasattr(error, "error_dict") else {None: error.error_list}
        for name, errors in faults.items():
            owner = next((form for form in forms if name in form.fields), forms[0])
            for fault in errors:
                owner.add_error(name if name in owner.fields else None, fault)
        return None


def _kind_asked(request: HttpRequest) -> str:
    kind = request.GET.get("kind", AgreementKind.SLA)
    if kind not in AgreementKind.values:
        raise Http404("No such kind of agreement.")
    return kind


@login_required
@require_http_methods(["GET", "POST"])
def agreement_create(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    kind = _kind_asked(request)
    data = request.POST or None
    form = AgreementForm(
        data, kind=kind, initial={"owner": request.user, "starts_on": timezone.localdate()}
    )
    terms_form = TermsForm(data, kind=kind, first=True, prefix="terms")
    targets = target_formset(kind, data)
    if request.method == "POST" and all(
        [form.is_valid(), terms_form.is_valid(), targets.is_valid()]
    ):
        fields = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        terms = dict(terms_form.cleaned_data)
        agreement = _run_on_forms(
            [form, terms_form],
            do_create_agreement,
            actor=request.user,
            kind=kind,
            calendar=terms.pop("calendar"),
            services=terms.pop("services", []),
            offerings=terms.pop("offerings", []),
            configuration_items=terms.pop("configuration_items", []),
            targets=targets_of(targets),
            **fields,
            **terms,
        )
        if agreement:
            messages.success(request, f"{agreement.number} made.")
            return redirect(agreement)
    context = {
        "form": form,
        "terms_form": terms_form,
        "targets": targets,
        "kind": kind,
        "kind_label": AgreementKind(kind).label,
        "agreement": None,
    }
    status = page_status(form, terms_form)
    return render(request, "servicelevels/agreement_form.html", context, status=status)


@login_required
@require_GET
def agreement_detail(request: HttpRequest, number: str) -> HttpResponse:
    agreement = _agreement_for(request, number)
    today = timezone.localdate()
    versions = list(agreement.versions.all())
    in_force = terms_in_force(agreement, today)
    lines = target_lines(versions)
    for terms in versions:
        terms.target_lines = lines[terms.pk]
    context: dict[str, Any] = {
        "agreement": agreement,
        "versions": list(reversed(versions)),
        "in_force": in_force,
        "correctable": {terms.pk for terms in versions if can_correct(terms, today)},
        "can_change": can_change_agreement(request.user, agreement),
        "can_read_report": can_view_report(request.user, agreement),
        "today": today,
    }
    if agreement.kind == AgreementKind.SLA:
        context["chains"] = chain_check(agreement, today)
        now = timezone.now()
        context["breaches"] = breaches(
            agreement, now - BREACHES_SHOWN, now, BREACHES_LISTED, chains=context["chains"]
        )
    else:
        context["supported"] = supported_slas(agreement, today)
    if can_view_timeline(request.user):
        context["timeline"] = agreement_timeline(agreement)
    return render(request, "servicelevels/agreement_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def agreement_edit(request: HttpRequest, number: str) -> HttpResponse:
    agreement = _agreement_for(request, number)
    _require_changer(request, agreement)
    form = AgreementForm(request.POST or None, instance=detached(agreement), kind=agreement.kind)
    if request.method == "POST" and form.is_valid():
        version, fields = form.version_and_fields()
        saved = run_service(
            form,
            do_update_agreement,
            agreement,
            actor=request.user,
            expected_version=version,
            fields=fields,
        )
        if saved:
            messages.success(request, f"{saved.number} saved.")
            return redirect(saved)
    context = {
        "form": form,
        "agreement": agreement,
        "kind": agreement.kind,
        "kind_label": agreement.get_kind_display(),
    }
    return render(request, "servicelevels/agreement_form.html", context, status=page_status(form))


def _coverage(data: dict[str, Any]) -> dict[str, Any]:
    return {
        name: list(data.pop(name))
        for name in ("services", "offerings", "configuration_items")
        if name in data
    }


@login_required
@require_http_methods(["GET", "POST"])
def terms_create(request: HttpRequest, number: str) -> HttpResponse:
    """A new version of the terms, filled from the latest one."""
    agreement = _agreement_for(request, number)
    _require_changer(request, agreement)
    latest = list(agreement.versions.all())[-1]
    data = request.POST or None
    initial = {
        "calendar": latest.calendar,
        "availability_percent": latest.availability_percent,
        "services": list(latest.services.all()),
        "offerings": list(latest.offerings.all()),
        "configuration_items": list(latest.configuration_items.all()),
        "handoff_minutes": latest.handoff_minutes,
        "valid_from": timezone.localdate(),
    }
    form = TermsForm(data, kind=agreement.kind, initial=initial)
    targets = target_formset(agreement.kind, data, latest.targets)
    if request.method == "POST" and form.is_valid() and targets.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        coverage = _coverage(fields)
        terms = run_service(
            form,
            do_add_terms,
            agreement,
            actor=request.user,
            targets=targets_of(targets),
            **coverage,
            **fields,
        )
        if terms:
            messages.success(
                request, f"Version {terms.sequence} applies from {terms.valid_from:%d %b %Y}."
            )
            return redirect(agreement)
    context = {"form": form, "targets": targets, "agreement": agreement, "terms": None}
    return render(request, "servicelevels/terms_form.html", context, status=page_status(form))


@login_required
@require_http_methods(["GET", "POST"])
def terms_edit(request: HttpRequest, number: str, sequence: int) -> HttpResponse:
    """Correct a version nothing is judged against yet."""
    agreement = _agreement_for(request, number)
    _require_changer(request, agreement)
    terms = get_object_or_404(AgreementTerms, agreement=agreement, sequence=sequence)
    if not can_correct(terms, timezone.localdate()):
        raise PermissionDenied(
            f"Version {terms.sequence} is in force: make a new version instead of correcting it."
        )
    data = request.POST or None
    form = TermsForm(data, kind=agreement.kind, instance=detached(terms), first=sequence == 1)
    targets = target_formset(agreement.kind, data, terms.targets)
    if request.method == "POST" and form.is_valid() and targets.is_valid():
        version, fields = form.version_and_fields()
        coverage = _coverage(fields)
        saved = run_service(
            form,
            do_correct_terms,
            terms,
            actor=request.user,
            expected_version=version,
            fields={**fields, "targets": targets_of(targets)},
            **coverage,
        )
        if saved:
            messages.success(request, f"Version {saved.sequence} corrected.")
            return redirect(agreement)
    context = {"form": form, "targets": targets, "agreement": agreement, "terms": terms}
    return render(request, "servicelevels/terms_form.html", context, status=page_status(form))


# -- customers and suppliers -----------------------------------------------------------------


@dataclass(frozen=True)
class Party:
    """Customers and suppliers have the same pages: a list, a page with their agreements, a
    form."""

    noun: str  # "customer"
    plural: str
    model: type[Model]
    form_class: type[Any]
    create: Callable[..., Any]
    update: Callable[..., Any]
    agreements_field: str  # the agreements' foreign key to it
    related_name: str  # its agreements, from it


CUSTOMER = Party(
    "customer",
    "Customers",
    Customer,
    CustomerForm,
    do_create_customer,
    do_update_customer,
    "customer",
    "agreements",
)
SUPPLIER = Party(
    "supplier",
    "Suppliers",
    Supplier,
    SupplierForm,
    do_create_supplier,
    do_update_supplier,
    "supplier",
    "contracts",
)


def _party_context(request: HttpRequest, party: Party, **extra: Any) -> dict[str, Any]:
    return {
        "party_kind": party,
        "can_manage": can_manage_agreements(request.user),
        "list_url": f"servicelevels:{party.noun}_list",
        "create_url": f"servicelevels:{party.noun}_create",
        "edit_url": f"servicelevels:{party.noun}_edit",
        **extra,
    }


def _party_list(request: HttpRequest, party: Party) -> HttpResponse:
    _require_viewer(request)
    related = party.related_name
    parties = party.model.objects.annotate(
        agreements_count=Count(related, distinct=True),
        active_count=Count(related, filter=Q(**{f"{related}__status": "active"}), distinct=True),
    ).order_by("name")
    context = _party_context(request, party, parties=parties)
    return render(request, "servicelevels/party_list.html", context)


def _party_form(request: HttpRequest, party: Party, record: Any = None) -> HttpResponse:
    _require_manager(request)
    form = party.form_class(request.POST or None, instance=detached(record) if record else None)
    if request.method == "POST" and form.is_valid():
        many = {}
        if "representatives" in form.cleaned_data:
            many["representatives"] = list(form.cleaned_data.pop("representatives"))
        if record is None:
            fields = {k: v for k, v in form.cleaned_data.items() if k != "version"}
            saved = run_service(form, party.create, actor=request.user, **fields, **many)
        else:
            version, fields = form.version_and_fields()
            saved = run_service(
                form,
                party.update,
                record,
                actor=request.user,
                expected_version=version,
                fields=fields,
                **many,
            )
        if saved:
            messages.success(request, f"{saved.name} saved.")
            return redirect(saved)
    context = _party_context(request, party, form=form, record=record)
    return render(request, "servicelevels/party_form.html", context, status=page_status(form))


def _party_detail(request: HttpRequest, party: Party, pk: int) -> HttpResponse:
    _require_viewer(request)
    record = get_object_or_404(party.model, pk=pk)
    agreements = agreements_with_versions().filter(**{party.agreements_field: record})
    today = timezone.localdate()
    rows = [
        {"agreement": agreement, "terms": terms_shown(agreement, today)}
        for agreement in agreements.order_by("number")
    ]
    context = _party_context(request, party, record=record, rows=rows)
    if can_view_timeline(request.user):
        context["timeline"] = timeline_for(record)
    return render(request, "servicelevels/party_detail.html", context)


@login_required
@require_GET
def customer_list(request: HttpRequest) -> HttpResponse:
    return _party_list(request, CUSTOMER)


@login_required
@require_http_methods(["GET", "POST"])
def customer_create(request: HttpRequest) -> HttpResponse:
    return _party_form(request, CUSTOMER)


@login_required
@require_GET
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _party_detail(request, CUSTOMER, pk)


@login_required
@require_http_methods(["GET", "POST"])
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _party_form(request, CUSTOMER, get_object_or_404(Customer, pk=pk))


@login_required
@require_GET
def supplier_list(request: HttpRequest) -> HttpResponse:
    return _party_list(request, SUPPLIER)


@login_required
@require_http_methods(["GET", "POST"])
def supplier_create(request: HttpRequest) -> HttpResponse:
    return _party_form(request, SUPPLIER)


@login_required
@require_GET
def supplier_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _party_detail(request, SUPPLIER, pk)


@login_required
@require_http_methods(["GET", "POST"])
def supplier_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _party_form(request, SUPPLIER, get_object_or_404(Supplier, pk=pk))
