import pytest

pytestmark = pytest.mark.django_db


def test_it_reports_health_without_signing_in(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["X-Request-ID"]
