import pytest

pytestmark = pytest.mark.django_db


def test_it_reports_health_without_signing_in(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["X-Request-ID"]


@pytest.mark.parametrize("path", ["/login/", "/health/", "/api/v1/incidents/"])
def test_every_response_refuses_browser_features_no_page_uses(client, path):
    policy = client.get(path)["Permissions-Policy"]
    assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy
