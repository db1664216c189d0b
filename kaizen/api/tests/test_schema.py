"""The OpenAPI document is valid and the interactive docs are served from vendored files."""

import pytest
import yaml
from openapi_spec_validator import validate
from rest_framework.test import APIClient

from kaizen.testing import PASSWORD

pytestmark = pytest.mark.django_db


def test_it_serves_a_valid_openapi_3_schema(client):
    response = APIClient().get("/api/v1/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    validate(schema)
    paths = schema["paths"]
    for expected in (
        "/api/v1/services/",
        "/api/v1/cis/",
        "/api/v1/teams/",
        "/api/v1/users/",
        "/api/v1/events/feed/",
    ):
        assert expected in paths, expected


def test_it_serves_interactive_docs_without_a_cdn(client, agent):
    client.login(username="alan", password=PASSWORD)
    page = client.get("/api/v1/docs/").content.decode()
    assert "swagger-ui" in page
    assert "cdn" not in page.lower()
    assert "/static/drf_spectacular_sidecar/" in page
