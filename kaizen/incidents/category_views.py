"""Incident category pages: the tree with its counts, and the forms to add and change categories.

Agents read the tree; the incident process owner and manager (and administrators) change it;
requesters get 403 everywhere. Writes go to kaizen.incidents.services (journaled there).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from kaizen.core.forms import run_service
from kaizen.core.widgets import speed_up_selects
from kaizen.incidents import services
from kaizen.incidents.filters import CategoryFilter
from kaizen.incidents.forms import CategoryForm
from kaizen.incidents.models import Category
from kaizen.incidents.permissions import can_manage_categories, can_view_categories
from kaizen.incidents.selectors import categories_for, category_list_for, category_tree
from kaizen.journal.selectors import timeline_for


def _require_viewer(request: HttpRequest) -> None:
    if not can_view_categories(request.user):
        raise PermissionDenied("Incident categories are for agents.")


def _require_manager(request: HttpRequest) -> None:
    if not can_manage_categories(request.user):
        raise PermissionDenied("The incident process owner and manager manage the categories.")


@login_required
@require_GET
def category_list(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    categories = category_list_for(request.user)
    listing = CategoryFilter(request.GET or None, queryset=categories)
    # The filter bar as kaizen.core.listing draws it; a tree is not paged or sorted.
    speed_up_selects(listing.form)
    for field in listing.form.fields.values():
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", f"{css} {css}-sm")
    rows = listing.qs if listing.is_bound and listing.is_valid() else categories
    context = {
        "filter": listing,
        "tree": category_tree(rows),
        "can_manage": can_manage_categories(request.user),
    }
    return render(request, "incidents/category_list.html", context)


def _initial_parent(request: HttpRequest) -> dict[str, int]:
    parent = request.GET.get("parent", "")
    return {"parent": int(parent)} if parent.isdigit() else {}


@login_required
@require_http_methods(["GET", "POST"])
def category_create(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    _require_manager(request)
    form = CategoryForm(request.POST or None, initial=_initial_parent(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        category = run_service(
            form,
            services.do_create_category,
            actor=request.user,
            name=data["name"],
            parent=data["parent"],
        )
        if category:
            messages.success(request, f"Category {category} created.")
            return redirect("incidents:category_list")
    return render(request, "incidents/category_form.html", {"form": form, "category": None})


@login_required
@require_http_methods(["GET", "POST"])
def category_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_viewer(request)
    category: Category = get_object_or_404(category_list_for(request.user), pk=pk)
    _require_manager(request)
    form = CategoryForm(request.POST or None, category=category)
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            form,
            services.do_update_category,
            category,
            actor=request.user,
            name=form.cleaned_data["name"],
            is_active=form.cleaned_data["is_active"],
        )
        if saved:
            messages.success(request, f"Category {saved} saved.")
            return redirect("incidents:category_list")
    context = {
        "form": form,
        "category": category,
        "subcategories": categories_for(request.user).filter(parent=category),
        "timeline": timeline_for(category),
    }
    return render(request, "incidents/category_form.html", context)
