"""The service review API per role: list and read (agents), schedule, PATCH with its version
(409), hold, cancel, actions (service level managers and the agreement's owner)."""

import datetime as dt
from functools import partial

import pytest

from kaizen.servicelevels.models import ServiceReview
from kaizen.servicelevels.services.reviews import do_add_review_action, do_schedule_review
from kaizen.testing import assert_query_count as shared_assert_query_count
from kaizen.testing import make_user

pytestmark = pytest.mark.django_db
assert_query_count = partial(shared_assert_query_count, "servicelevels")
REVIEWS = "/api/v1/service-reviews/"


def q1_fields(sla, **fields):
    return {
        "agreement": sla.number,
        "period_start": "2026-01-01",
        "period_end": "2026-03-31",
        "due_on": "2026-04-10",
        **fields,
    }


def test_requesters_are_refused_and_anonymous_callers_must_authenticate(api, requester):
    assert api(requester).get(REVIEWS).status_code == 403
    assert api().get(REVIEWS).status_code == 401


def test_a_manager_schedules_an_agent_reads_but_may_not_write(api, slm, agent, mail_sla):
    assert api(agent).post(REVIEWS, q1_fields(mail_sla), format="json").status_code == 403
    response = api(slm).post(REVIEWS, q1_fields(mail_sla), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"] == "REV00001" and body["status"] == "scheduled"
    assert body["period"] == "January – March 2026" and body["held_on_time"] is None
    assert body["url"].endswith("/service-levels/reviews/REV00001/")
    again = api(slm).post(REVIEWS, q1_fields(mail_sla), format="json")
    assert again.status_code == 400 and "period_start" in again.json()
    listed = api(agent).get(REVIEWS, {"agreement": mail_sla.number}).json()["results"]
    assert [row["number"] for row in listed] == ["REV00001"]
    assert api(agent).get(f"{REVIEWS}REV00001/").json()["agreement_name"] == "Mail for Finance"
    assert api(agent).get(f"{REVIEWS}REV99999/").status_code == 404


def test_errors_name_their_field(api, slm, mail_sla):
    response = api(slm).post(
        REVIEWS, q1_fields(mail_sla, due_on="2026-03-01", agreement="SLA404"), format="json"
    )
    assert response.status_code == 400 and set(response.json()) == {"agreement"}
    response = api(slm).post(REVIEWS, q1_fields(mail_sla, due_on="2026-03-01"), format="json")
    assert response.status_code == 400 and set(response.json()) == {"due_on"}


def test_patch_needs_the_version_read(api, slm, mail_sla):
    api(slm).post(REVIEWS, q1_fields(mail_sla), format="json")
    url = f"{REVIEWS}REV00001/"
    assert api(slm).patch(url, {"minutes": "Draft"}, format="json").status_code == 400
    fixed = api(slm).patch(url, {"version": 1, "due_on": "2026-05-01"}, format="json")
    assert fixed.status_code == 400 and "due_on" in fixed.json()
    saved = api(slm).patch(url, {"version": 1, "attendees": "Ann"}, format="json")
    assert saved.status_code == 200 and saved.json()["version"] == 2
    stale = api(slm).patch(url, {"version": 1, "minutes": "Late"}, format="json")
    assert stale.status_code == 409 and stale.json()["current_version"] == 2


def test_hold_cancel_and_actions(api, slm, agent, mail_sla):
    api(slm).post(REVIEWS, q1_fields(mail_sla), format="json")
    url = f"{REVIEWS}REV00001/"
    hold = {"version": 1, "held_on": "2026-04-12", "attendees": "Ann", "minutes": "Q1 met"}
    assert api(agent).post(f"{url}hold/", hold, format="json").status_code == 403
    missing = api(slm).post(f"{url}hold/", {**hold, "minutes": " "}, format="json")
    assert missing.status_code == 400 and "minutes" in missing.json()
    held = api(slm).post(f"{url}hold/", hold, format="json")
    assert held.status_code == 200
    assert (held.json()["status"], held.json()["held_on_time"]) == ("held", False)
    cancel = api(slm).post(f"{url}cancel/", {"version": 2, "reason": "x"}, format="json")
    assert cancel.status_code == 400 and "status" in cancel.json()
    ann = make_user("ann", first_name="Ann", last_name="Wood")
    added = api(slm).post(
        f"{url}actions/", {"title": "Monthly trend", "owner": ann.pk}, format="json"
    )
    assert added.status_code == 201, added.json()
    assert added.json()["owner_name"] == "Ann Wood" and added.json()["status"] == "open"
    action_url = f"{url}actions/{added.json()['id']}/"
    done = api(slm).patch(action_url, {"version": 1, "status": "done"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "done"
    stale = api(slm).patch(action_url, {"version": 1, "title": "x"}, format="json")
    assert stale.status_code == 409
    refused = api(agent).patch(action_url, {"version": 2, "title": "x"}, format="json")
    assert refused.status_code == 403
    assert [a["title"] for a in api(agent).get(f"{url}actions/").json()] == ["Monthly trend"]
    assert api(agent).get(url).json()["actions"][0]["status"] == "done"


def test_a_review_is_cancelled_with_its_reason(api, slm, mail_sla):
    api(slm).post(REVIEWS, q1_fields(mail_sla), format="json")
    response = api(slm).post(
        f"{REVIEWS}REV00001/cancel/", {"version": 1, "reason": "Merged with Q2"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["cancelled_reason"]) == (
        "cancelled",
        "Merged with Q2",
    )


def test_the_review_list_reads_a_fixed_number_of_queries(api, agent, slm, mail_sla):
    client = api(agent)
    starts = iter(dt.date(2026, month, 1) for month in range(1, 13))
    for _ in range(2):
        start = next(starts)
        review = do_schedule_review(
            mail_sla,
            actor=None,
            period_start=start,
            period_end=start + dt.timedelta(days=20),
            due_on=start + dt.timedelta(days=30),
        )
        do_add_review_action(review, actor=slm, title="Act", owner=slm)
        with assert_query_count("api_review_list"):
            assert client.get(REVIEWS).status_code == 200
    assert ServiceReview.objects.count() == 2


def test_the_endpoints_are_in_the_openapi_schema():
    import yaml
    from openapi_spec_validator import validate
    from rest_framework.test import APIClient

    schema = yaml.safe_load(APIClient().get("/api/v1/schema/").content)
    validate(schema)
    paths = schema["paths"]
    for path in ("", "{number}/", "{number}/hold/", "{number}/cancel/", "{number}/actions/"):
        assert f"{REVIEWS}{path}" in paths, path
    assert "patch" in paths[f"{REVIEWS}{{number}}/actions/{{id}}/"]
    assert "409" in paths[f"{REVIEWS}{{number}}/"]["patch"]["responses"]
