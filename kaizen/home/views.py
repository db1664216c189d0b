from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kaizen.home.selectors import home_blocks
from kaizen.people.roles import role_badge


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """What needs me now: the blocks of every role the person holds, most urgent first."""
    return render(
        request,
        "home/home.html",
        {"blocks": home_blocks(request.user), "badge": role_badge(request.user)},
    )
