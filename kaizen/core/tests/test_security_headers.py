"""Every page carries a Content-Security-Policy and a Permissions-Policy (docs/configuration.md,
"Security headers"): scripts and styles from Kaizen's own files only, no plugin, no framing,
and the browser features Kaizen never uses switched off."""

import re

import pytest
from django.test import override_settings

from kaizen.imports.tests.view_helpers import make_run
from kaizen.improvement.tests.helpers import DEFAULT_KPI, add_kpi, make_goal, make_initiative
from kaizen.incidents.tests.helpers import make_incident
from kaizen.testing import PASSWORD, make_user

pytestmark = pytest.mark.django_db

STRICT = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
DENIED_FEATURES = ("camera", "microphone", "geolocation", "payment", "usb")


def directives(response) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy", "")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    found = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition(" ")
        found[name] = value
    return found


def features(response) -> dict[str, str]:
    header = response.headers.get("Permissions-Policy", "")
    assert header, f"no Permissions-Policy on {response.request['PATH_INFO']}"
    return dict(part.strip().split("=", 1) for part in header.split(","))


@pytest.fixture
def admin(client):
    user = make_user("ada", is_superuser=True, is_staff=True)
    assert client.post("/login/", {"username": "ada", "password": PASSWORD}).status_code == 302
    return user


def test_it_sends_both_headers_on_every_kind_of_page(client, admin):
    incident = make_incident(short_description="Mail is down")
    initiative = make_initiative(owner=admin, goals=[make_goal()])
    add_kpi(initiative)
    run = make_run(actor=admin)
    pages = [
        "/",
        "/incidents/queues/mine/",
        f"/incidents/{incident.number}/",
        "/kpis/",
        f"/kpis/{DEFAULT_KPI}/",
        "/improvement/",
        f"/improvement/{initiative.pk}/",
        f"/improvement/{initiative.pk}/step/1/",
        "/imports/",
        "/imports/new/",
        f"/imports/{run.pk}/",
        "/admin/",
        "/api/v1/docs/",
        "/api/v1/docs/?script=",  # Swagger UI's start-up script, a file rather than inline
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        found = directives(response)
        for name, value in STRICT.items():
            assert found.get(name) == value, (path, name, found.get(name))
        assert "unsafe" not in response.headers["Content-Security-Policy"], path
        denied = features(response)
        for feature in DENIED_FEATURES:
            assert denied.get(feature) == "()", (path, feature)


def test_the_sign_in_page_and_a_redirect_carry_them_too(client):
    for path, status in (("/login/", 200), ("/incidents/queues/mine/", 302)):
        response = client.get(path)
        assert response.status_code == status
        assert directives(response)["script-src"] == "'self'"
        assert features(response)["camera"] == "()"


def test_the_pages_load_their_scripts_from_files(client, admin):
    """The pages whose scripts moved to static files name them (no inline script left)."""
    run = make_run(actor=admin, status="running")
    for path, script in (
        ("/incidents/queues/mine/", "incidents/queue.js"),
        ("/imports/new/", "imports/new.js"),
        (f"/imports/{run.pk}/", "imports/run_progress.js"),
        ("/", "kaizen/app.js"),
    ):
        page = client.get(path).content.decode()
        assert f"/static/{script}" in page, (path, script)
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", page), path


def test_the_redoc_page_alone_allows_inline_styles_and_a_blob_worker(client, admin):
    redoc = directives(client.get("/api/v1/redoc/"))
    assert redoc["style-src"] == "'self' 'unsafe-inline'"
    assert redoc["worker-src"] == "'self' blob:"
    assert redoc["script-src"] == "'self'"
    assert "worker-src" not in directives(client.get("/api/v1/docs/"))


def test_the_browsable_api_allows_inline_styles_and_json_stays_strict(client, admin):
    html = client.get("/api/v1/incidents/", HTTP_ACCEPT="text/html")
    assert html["Content-Type"].startswith("text/html")
    assert directives(html)["style-src"] == "'self' 'unsafe-inline'"
    assert directives(html)["script-src"] == "'self'"
    data = client.get("/api/v1/incidents/", HTTP_ACCEPT="application/json")
    assert directives(data)["style-src"] == "'self'"


@override_settings(
    CONTENT_SECURITY_POLICY={
        "DIRECTIVES": {"default-src": ["'self'"], "img-src": ["'self'", "https://cdn.example"]}
    }
)
def test_a_site_may_extend_the_policy_in_its_settings(client):
    assert directives(client.get("/login/"))["img-src"] == "'self' https://cdn.example"
