"""The site's addresses with a stand-in for the change page (changes:detail), for the CAB tests
while the change page is built on another branch: mails and redirects link to the change page.
Used by the `change_page` fixture; once the change page exists on this branch, it is not needed."""

from django.http import HttpResponse
from django.urls import include, path

from kaizen.changes import urls as change_urls
from kaizen.urls import urlpatterns as site_patterns


def stand_in(request, number):
    return HttpResponse(number)


def _has_detail() -> bool:
    from django.urls import URLResolver

    def names(patterns):
        for item in patterns:
            if isinstance(item, URLResolver):
                yield from names(item.url_patterns)
            else:
                yield item.name

    return "detail" in set(names(change_urls.urlpatterns))


if _has_detail():
    urlpatterns = site_patterns
else:
    changes = [
        *change_urls.urlpatterns,
        path("<str:number>/", stand_in, name="detail"),
    ]
    urlpatterns = [
        path("changes/", include((changes, "changes"))),
        *[p for p in site_patterns if str(p.pattern) != "changes/"],
    ]
