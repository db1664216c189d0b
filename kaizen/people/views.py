"""People pages: teams, the directory, one's own profile, API tokens and password.

Each view authenticates, fetches through a selector (invisible means 404), checks the action
(forbidden means 403) and calls one service.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kaizen.core.forms import conflict_status, detached, run_service
from kaizen.core.listing import list_page
from kaizen.journal.selectors import timeline_for
from kaizen.people import services
from kaizen.people.filters import TeamFilter, UserFilter
from kaizen.people.forms import (
    ApiTokenForm,
    PasswordForm,
    ProcessRoleForm,
    ProfileForm,
    TeamForm,
    TeamMemberForm,
    UserForm,
)
from kaizen.people.models import Team, User
from kaizen.people.permissions import (
    can_manage_people,
    can_manage_team_members,
    can_view_people,
    can_view_timeline,
)
from kaizen.people.selectors import team_list_for, teams_for, tokens_for, user_list_for, users_for

TEAM_SORTS = {
    "name": "name",
    "members": "member_count",
    "manager": "manager__last_name",
    "status": "is_active",
}
USER_SORTS = {
    "name": "last_name",
    "username": "username",
    "kind": "kind",
    "title": "job_title",
    "department": "department",
    "last_login": "last_login",
}


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _flash_errors(request: HttpRequest, form: forms.BaseForm) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def _team_for(request: HttpRequest, slug: str) -> Team:
    return get_object_or_404(teams_for(request.user), slug=slug)


def _person_for(request: HttpRequest, pk: int) -> User:
    return get_object_or_404(users_for(request.user), pk=pk)


def _members_team(request: HttpRequest, slug: str) -> Team:
    team = _team_for(request, slug)
    _require(
        can_manage_team_members(request.user, team),
        "Only administrators and the team's manager change its members.",
    )
    return team


# Teams


@login_required
@require_GET
def team_list(request: HttpRequest) -> HttpResponse:
    _require(can_view_people(request.user), "Teams are visible to agents.")
    listing = list_page(
        request,
        team_list_for(request.user),
        TeamFilter,
        sort_fields=TEAM_SORTS,
        default_sort="name",
    )
    context = {**listing.context(), "can_create": can_manage_people(request.user)}
    return render(request, "people/team_list.html", context)


@login_required
@require_GET
def team_detail(request: HttpRequest, slug: str) -> HttpResponse:
    team = _team_for(request, slug)
    can_change_members = can_manage_team_members(request.user, team)
    context = {
        "team": team,
        "members": team.members.order_by("last_name", "first_name", "username"),
        "supported_services": team.supported_services.order_by("name"),
        "can_edit": can_manage_people(request.user),
        "can_change_members": can_change_members,
        "member_form": TeamMemberForm(team=team) if can_change_members else None,
        "timeline": timeline_for(team),
    }
    return render(request, "people/team_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def team_form(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    team = _team_for(request, slug) if slug else None
    _require(can_manage_people(request.user), "Only administrators create and edit teams.")
    form = TeamForm(request.POST or None, instance=detached(team) if team else None)
    if request.method == "POST" and form.is_valid():
        version, fields = form.version_and_fields()
        if team:
            saved = run_service(
                form,
                services.do_update_team,
                team,
                actor=request.user,
                expected_version=version,
                **fields,
            )
        else:
            saved = run_service(form, services.do_create_team, actor=request.user, **fields)
        if saved:
            messages.success(request, f"Team {saved} saved.")
            return redirect(saved)
    context = {"form": form, "team": team}
    return render(request, "people/team_form.html", context, status=conflict_status(form))


@login_required
@require_POST
def team_member_add(request: HttpRequest, slug: str) -> HttpResponse:
    team = _members_team(request, slug)
    form = TeamMemberForm(request.POST, team=team)
    if form.is_valid():
        member = form.cleaned_data["user"]
        added = run_service(form, services.do_add_team_member, team, member, actor=request.user)
        if added is not None:
            messages.success(request, f"{member} joined {team}.")
            return redirect(team)
    _flash_errors(request, form)
    return redirect(team)


@login_required
@require_POST
def team_member_remove(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    team = _members_team(request, slug)
    member = get_object_or_404(team.members, pk=user_id)
    services.do_remove_team_member(team, member, actor=request.user)
    messages.success(request, f"{member} left {team}.")
    return redirect(team)


# The directory


@login_required
@require_GET
def user_list(request: HttpRequest) -> HttpResponse:
    _require(can_view_people(request.user), "The directory is visible to agents.")
    listing = list_page(
        request,
        user_list_for(request.user),
        UserFilter,
        sort_fields=USER_SORTS,
        default_sort="name",
    )
    context = {**listing.context(), "can_create": can_manage_people(request.user)}
    return render(request, "people/user_list.html", context)


@login_required
@require_GET
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person_for(request, pk)
    can_manage = can_manage_people(request.user)
    context = {
        "person": person,
        "teams": person.teams.order_by("name"),
        "managed_teams": person.managed_teams.order_by("name"),
        "roles": person.process_roles.all(),
        "can_manage": can_manage,
        "role_form": ProcessRoleForm() if can_manage else None,
    }
    if can_view_timeline(request.user):
        context["timeline"] = timeline_for(person)
    return render(request, "people/user_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def user_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    person = _person_for(request, pk) if pk else None
    _require(can_manage_people(request.user), "Only administrators add and edit people.")
    form = UserForm(request.POST or None, instance=detached(person) if person else None)
    if request.method == "POST" and form.is_valid():
        version, fields = form.version_and_fields()
        if person:
            saved = run_service(
                form,
                services.do_update_user,
                person,
                actor=request.user,
                expected_version=version,
                **fields,
            )
        else:
            saved = run_service(form, services.do_create_user, actor=request.user, **fields)
        if saved:
            messages.success(request, f"{saved} saved.")
            return redirect(saved)
    context = {"form": form, "person": person}
    return render(request, "people/user_form.html", context, status=conflict_status(form))


def _role_admin_target(request: HttpRequest, pk: int) -> User:
    person = _person_for(request, pk)
    _require(can_manage_people(request.user), "Only administrators grant and revoke roles.")
    return person


@login_required
@require_POST
def role_grant(request: HttpRequest, pk: int) -> HttpResponse:
    person = _role_admin_target(request, pk)
    form = ProcessRoleForm(request.POST)
    if form.is_valid():
        grant = run_service(
            form,
            services.do_grant_process_role,
            person,
            form.cleaned_data["process"],
            form.cleaned_data["role"],
            actor=request.user,
        )
        if grant:
            messages.success(request, f"Granted: {grant}.")
            return redirect(person)
    _flash_errors(request, form)
    return redirect(person)


@login_required
@require_POST
def role_revoke(request: HttpRequest, pk: int, role_id: int) -> HttpResponse:
    person = _role_admin_target(request, pk)
    grant = get_object_or_404(person.process_roles, pk=role_id)
    services.do_revoke_process_role(grant, actor=request.user)
    messages.success(request, f"Revoked: {grant}.")
    return redirect(person)


# One's own account


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(request.POST or None, instance=detached(user))
    if request.method == "POST" and form.is_valid():
        version, fields = form.version_and_fields()
        saved = run_service(
            form, services.do_update_profile, user, actor=user, expected_version=version, **fields
        )
        if saved:
            messages.success(request, "Your profile was saved.")
            return redirect("people:profile")
    context = {
        "form": form,
        "teams": user.teams.order_by("name"),
        "roles": user.process_roles.all(),
    }
    return render(request, "people/profile.html", context, status=conflict_status(form))


@never_cache  # the response may carry a new token's secret
@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        result = run_service(
            form,
            services.do_create_api_token,
            request.user,
            form.cleaned_data["name"],
            actor=request.user,
            expires_at=form.cleaned_data["expires_at"],
        )
        if result:
            # Rendered in this response only, never stored or redirected: shown exactly once.
            token, secret = result
            created = {"token": token, "secret": secret}
            form = ApiTokenForm()
    context = {"form": form, "tokens": tokens_for(request.user), "created": created}
    return render(request, "people/token_list.html", context)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(tokens_for(request.user), pk=pk)
    services.do_revoke_api_token(token, actor=request.user)
    messages.success(request, f"Token {token} revoked; it no longer works.")
    return redirect("people:token_list")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, but through the service so the change is journaled."""

    form_class = PasswordForm

    def form_valid(self, form: PasswordForm) -> HttpResponse:
        user = run_service(
            form,
            services.do_change_password,
            form.user,
            form.cleaned_data["new_password1"],
            actor=self.request.user,
        )
        if user is None:
            return self.form_invalid(form)
        update_session_auth_hash(self.request, user)
        return HttpResponseRedirect(self.get_success_url())
