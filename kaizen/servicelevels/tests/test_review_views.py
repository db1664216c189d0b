"""The service review pages: the list (period in words, overdue marked, held on time), a
review's page (its pack, minutes, holding, cancelling, actions, history) per role."""

import datetime as dt
from functools import partial

import pytest

from kaizen.journal.events import EventType
from kaizen.servicelevels import reviews as selectors
from kaizen.servicelevels.models import ReviewAction, ServiceReview
from kaizen.servicelevels.services.reviews import (
    do_add_review_action,
    do_hold_review,
    do_record_improvement_reference,
    do_schedule_review,
)
from kaizen.testing import assert_constant_queries

pytestmark = pytest.mark.django_db
assert_queries = partial(assert_constant_queries, "servicelevels")


def schedule(agreement, start, end, due):
    return do_schedule_review(agreement, actor=None, period_start=start, period_end=end, due_on=due)


@pytest.fixture
def q1(mail_sla):
    return schedule(mail_sla, dt.date(2026, 1, 1), dt.date(2026, 3, 31), dt.date(2026, 4, 10))


def page(client, review) -> str:
    response = client.get(f"/service-levels/reviews/{review.number}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_list_shows_the_period_in_words_and_marks_the_overdue(web, agent, mail_sla, q1):
    held = schedule(mail_sla, dt.date(2026, 4, 1), dt.date(2026, 6, 30), dt.date(2026, 7, 10))
    do_hold_review(
        held,
        actor=None,
        expected_version=None,
        held_on=dt.date(2026, 7, 14),
        attendees="Ann",
        minutes="Q2",
    )
    response = web(agent).get("/service-levels/reviews/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "January – March 2026" in body and "April – June 2026" in body
    assert "Overdue" in body and "Late" in body  # Q1 not held, past due; Q2 held 4 days late
    overdue = web(agent).get("/service-levels/reviews/", {"status": "overdue"}).content.decode()
    assert q1.number in overdue and held.number not in overdue


def test_the_list_reads_a_fixed_number_of_queries(web, agent, mail_sla, q1):
    starts = iter(dt.date(2026, month, 1) for month in range(4, 13))

    def more():
        for _ in range(3):
            start = next(starts)
            schedule(mail_sla, start, start + dt.timedelta(days=20), start + dt.timedelta(days=30))

    client = web(agent)
    assert_queries("review_list", lambda: client.get("/service-levels/reviews/"), more)


def test_requesters_are_refused(web, requester, q1):
    assert web(requester).get("/service-levels/reviews/").status_code == 403
    assert web(requester).get(f"/service-levels/reviews/{q1.number}/").status_code == 403


def test_an_agent_sees_the_review_but_cannot_work_it(web, agent, q1):
    body = page(web(agent), q1)
    assert "Mail for Finance" in body and 'id="timeline"' in body
    assert 'id="hold"' not in body and 'id="add-action"' not in body
    response = web(agent).post(
        f"/service-levels/reviews/{q1.number}/cancel/",
        {"cancel-version": 1, "cancel-reason": "No"},
    )
    assert response.status_code == 403
    assert web(agent).get("/service-levels/reviews/nope/").status_code == 404


def test_the_pack_is_the_report_of_the_period(q1):
    assert selectors.pack_url(q1) == (
        f"/service-levels/agreements/{q1.agreement.number}/report/?from=2026-01-01&to=2026-03-31"
    )


def test_the_manager_holds_the_review_and_agrees_actions(web, slm, q1, settings):
    client = web(slm)
    body = page(client, q1)
    assert 'id="hold"' in body and 'id="cancel"' in body
    url = f"/service-levels/reviews/{q1.number}/"
    refused = client.post(
        f"{url}hold/",
        {
            "hold-version": 1,
            "hold-held_on": "2026-04-09",
            "hold-attendees": "Ann",
            "hold-minutes": " ",
        },
    )
    assert refused.status_code == 400 and "This field is required" in refused.content.decode()
    response = client.post(
        f"{url}hold/",
        {
            "hold-version": 1,
            "hold-held_on": "2026-04-09",
            "hold-attendees": "Ann (Finance), Sam",
            "hold-minutes": "Q1 reviewed.",
        },
    )
    assert response.status_code == 302 and response["Location"] == url
    q1.refresh_from_db()
    assert (q1.status, q1.held_on, q1.version) == ("held", dt.date(2026, 4, 9), 2)
    response = client.post(
        f"{url}actions/",
        {"new-action-title": "Send the P1 trend monthly", "new-action-due_on": "2026-05-01"},
    )
    assert response.status_code == 302
    action = ReviewAction.objects.get()
    response = client.post(
        f"{url}actions/{action.pk}/",
        {
            f"action-{action.pk}-version": 1,
            f"action-{action.pk}-title": action.title,
            f"action-{action.pk}-status": "done",
        },
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.status, action.due_on) == ("done", None)  # the form said no due date
    body = page(client, q1)
    assert "Held on time" in body and "Send the P1 trend monthly" in body
    assert "Review action agreed" in body and "Service review held" in body  # the history


def test_a_stale_form_answers_409_and_keeps_the_input(web, slm, q1):
    client = web(slm)
    url = f"/service-levels/reviews/{q1.number}/"
    client.post(f"{url}notes/", {"notes-version": 1, "notes-attendees": "Ann"})
    response = client.post(f"{url}notes/", {"notes-version": 1, "notes-minutes": "Late"})
    assert response.status_code == 409
    assert "version 2, you had version 1" in response.content.decode()


def test_the_agreement_s_owner_works_its_reviews(web, agent, q1):
    q1.agreement.owner = agent
    q1.agreement.save(update_fields=["owner"])
    response = web(agent).post(
        f"/service-levels/reviews/{q1.number}/cancel/",
        {"cancel-version": 1, "cancel-reason": "Held with Q2"},
    )
    assert response.status_code == 302
    q1.refresh_from_db()
    assert (q1.status, q1.cancelled_reason) == ("cancelled", "Held with Q2")
    body = page(web(agent), q1)
    assert "Held with Q2" in body and 'id="add-action"' not in body


def test_an_action_links_the_register_that_registered_itself(web, slm, q1, monkeypatch):
    taken = do_add_review_action(q1, actor=slm, title="Cut P1 backlog")
    waiting = do_add_review_action(q1, actor=slm, title="Monthly trend")
    do_record_improvement_reference(taken, actor=slm, reference="CSI00007")
    monkeypatch.setattr(selectors, "_register", [])  # no register installed: no links
    assert "Take into the improvement register" not in page(web(slm), q1)
    selectors.register_improvement_register(
        selectors.ImprovementRegister(
            new_initiative_url=lambda action: f"/improvement/new/?review_action={action.pk}",
            initiative_url=lambda reference: f"/improvement/{int(reference[3:])}/",
        )
    )
    body = page(web(slm), q1)
    assert '<a href="/improvement/7/">CSI00007</a>' in body
    assert f'href="/improvement/new/?review_action={waiting.pk}"' in body
    assert body.count("Take into the improvement register") == 1


def test_a_manager_schedules_a_review_by_hand(web, slm, agent, mail_sla):
    assert web(agent).get("/service-levels/reviews/new/").status_code == 403
    response = web(slm).post(
        "/service-levels/reviews/new/",
        {
            "agreement": mail_sla.number,
            "period_start": "2026-01-01",
            "period_end": "2026-01-31",
            "due_on": "2026-01-20",
        },
    )
    assert response.status_code == 400
    assert "A review is due on or after the last day of its period." in response.content.decode()
    response = web(slm).post(
        "/service-levels/reviews/new/",
        {
            "agreement": mail_sla.number,
            "period_start": "2026-01-01",
            "period_end": "2026-01-31",
            "due_on": "2026-02-10",
        },
    )
    review = ServiceReview.objects.get()
    assert response["Location"] == f"/service-levels/reviews/{review.number}/"
    scheduled = review_events(review)
    assert scheduled == [EventType.REVIEW_SCHEDULED]


def review_events(review):
    from kaizen.journal.models import JournalEvent

    return [event.event_type for event in JournalEvent.objects.for_subject(review)]
