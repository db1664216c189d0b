from typing import Any

from django.http import HttpRequest

from kaizen.core.navigation import navigation_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The side navigation, built from what the signed-in user may open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    return {"nav_items": navigation_for(user, request.path)}
