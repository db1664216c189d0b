"""People pages (placeholder: filled in with teams, users, profile and tokens)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse


@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse("teams")


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse("people")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    return HttpResponse("profile")


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse("tokens")
