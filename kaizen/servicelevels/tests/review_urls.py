"""The site's URLs with the service review pages and API, for the review tests: until the
service level app's urls.py and the API include them (the lead wires them), they are added
here under the same prefixes and namespace; once wired, the site's own are used."""

from django.urls import NoReverseMatch, include, path, reverse

from kaizen import urls as site

urlpatterns = list(site.urlpatterns)


def _wired(name: str, *args: str) -> bool:
    try:
        reverse(name, urlconf=site, args=args)
    except NoReverseMatch:
        return False
    return True


if not _wired("servicelevels:review_list"):
    urlpatterns.insert(
        0,
        path(
            "service-levels/",
            include(("kaizen.servicelevels.review_urls", "servicelevels")),
        ),
    )
if not _wired("service-review-list"):
    urlpatterns.insert(0, path("api/v1/", include("kaizen.servicelevels.api.review_urls")))
