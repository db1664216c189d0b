"""The site's addresses with the report's, for the report's tests until the lead wires
kaizen/servicelevels/report_urls.py into the app's urls.py and kaizen/urls.py (then the site's
own urlconf serves; these stand-ins and this module can go)."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from kaizen.servicelevels import report_urls
from kaizen.servicelevels.api import report_urls as api_report_urls
from kaizen.urls import urlpatterns as site


def _stand_in(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("")


# The report page links to the agreement pages by name.
agreement_pages = [
    path("", _stand_in, name="agreement_list"),
    path("agreements/<str:number>/", _stand_in, name="agreement_detail"),
]
urlpatterns = [
    path("api/v1/", include(api_report_urls)),  # before the API's catch-all 404
    *site,
    path("service-levels/", include((report_urls.urlpatterns + agreement_pages, "servicelevels"))),
    path(
        "shared/service-level-report/",
        include((report_urls.shared_urlpatterns, "servicelevels_shared")),
    ),
]
