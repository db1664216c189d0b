"""An initiative started from an action agreed at a service review: the new initiative form is
filled from the review, and creating the initiative marks the action as taken into the register
(both or neither); the review's page then links the initiative."""

import datetime as dt

import pytest
from django.utils import timezone

from kaizen.improvement.from_review import (
    do_create_initiative_from_review_action,
    initiative_initial,
    review_action_for,
)
from kaizen.improvement.models import Initiative
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.servicelevels import reviews
from kaizen.servicelevels.services.reviews import (
    do_add_review_action,
    do_hold_review,
    do_record_improvement_reference,
    do_schedule_review,
)
from kaizen.servicelevels.tests.conftest import (  # noqa: F401 (fixtures)
    calendar,
    finance,
    mail,
    mail_sla,
    resolution_p1,
    slm,
)

pytestmark = pytest.mark.django_db
DUE = timezone.localdate() + dt.timedelta(days=60)


@pytest.fixture
def action(mail_sla, slm):  # noqa: F811 (fixtures)
    review = do_schedule_review(
        mail_sla,
        actor=slm,
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 3, 31),
        due_on=dt.date(2026, 4, 10),
    )
    do_hold_review(
        review,
        actor=slm,
        expected_version=None,
        held_on=dt.date(2026, 4, 8),
        attendees="Ann (Finance), Sam",
        minutes="P1 resolution missed twice.",
    )
    return do_add_review_action(
        review, actor=slm, title="Cut P1 resolution time", owner=slm, due_on=DUE
    )


def test_the_form_is_filled_from_the_review(client, slm, mail, action):  # noqa: F811
    client.force_login(slm)
    response = client.get(f"/improvement/new/?review_action={action.pk}")
    assert response.status_code == 200
    initial = response.context["form"].initial
    assert initial["title"] == "Cut P1 resolution time"
    assert initial["problem_statement"] == (
        "Agreed at the service review REV00001 with Finance (SLA00001 Mail for Finance, "
        "January – March 2026): Cut P1 resolution time.\n\nMinutes: P1 resolution missed twice."
    )
    assert (initial["origin"], initial["origin_reference"]) == (
        "service_review",
        "REV00001: Cut P1 resolution time",
    )
    assert initial["process"] == "service_level" and initial["services"] == [mail.pk]
    assert (initial["owner"], initial["due_on"]) == (slm.pk, DUE)
    # An unknown action leaves the form as it is.
    empty = client.get("/improvement/new/?review_action=404").context["form"]
    assert "problem_statement" not in empty.initial


def test_creating_the_initiative_marks_the_action_taken_in(client, slm, mail, action):  # noqa: F811
    client.force_login(slm)
    fields = initiative_initial(action)
    response = client.post(
        f"/improvement/new/?review_action={action.pk}",
        {
            **fields,
            "services": fields["services"],
            "due_on": DUE.isoformat(),
            "priority": 3,
            "evaluation_window_days": 28,
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    initiative = Initiative.objects.get()
    action.refresh_from_db()
    assert action.improvement_reference == initiative.reference
    (taken,) = JournalEvent.objects.for_subject(action).filter(
        event_type=EventType.REVIEW_ACTION_UPDATED
    )
    assert taken.actor == slm
    assert taken.changes == {"improvement_reference": {"old": "", "new": initiative.reference}}
    # The review's page links the initiative (the register registered itself at start-up).
    links = reviews.action_links(action)
    assert links == {"initiative_url": f"/improvement/{initiative.pk}/", "take_url": None}
    assert review_action_for(slm, action.pk) is None  # taken in: not offered again


def test_an_action_taken_in_meanwhile_creates_no_initiative(slm, action):  # noqa: F811
    fields = initiative_initial(action)
    do_record_improvement_reference(action, actor=slm, reference="CSI00099")
    with pytest.raises(Exception, match="CSI00099 already"):
        do_create_initiative_from_review_action(
            action, actor=slm, **{**fields, "owner": slm, "services": []}
        )
    assert not Initiative.objects.exists()


def test_the_review_page_offers_the_register_for_an_action_not_taken_in(action):
    assert reviews.action_links(action) == {
        "initiative_url": None,
        "take_url": f"/improvement/new/?review_action={action.pk}",
    }
