"""The queues' SLA and attention filters (what the home page's figures link to): every open
incident is in exactly one SLA standing; "caller updated" reads the journal's actors."""

import datetime as dt

import pytest
from django.utils import timezone

from kaizen.incidents import services
from kaizen.incidents.models import Incident
from kaizen.incidents.tests.helpers import make_incident, move
from kaizen.people.models import UserKind
from kaizen.testing import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def numbers(client, queue: str, **query) -> list[str]:
    response = client.get(f"/incidents/queues/{queue}/", {**query, "sort": "number"})
    assert response.status_code == 200
    return [row["number"] for row in response.context["object_list"]]


def sla(incident: Incident, state: str, hours: float | None) -> None:
    due = timezone.now() + dt.timedelta(hours=hours) if hours is not None else None
    Incident.objects.filter(pk=incident.pk).update(sla_state=state, sla_due_at=due)


def test_every_open_incident_is_in_exactly_one_sla_standing(client, agent):
    cases = {
        "breached": ("breached", -3),
        "warning far off": ("warning", 30),
        "ok due soon": ("ok", 2),
        "ok later": ("ok", 9),
        "no clock": ("", None),
        "ok without due": ("ok", None),
    }
    made = {}
    for text, (state, hours) in cases.items():
        made[text] = make_incident(short_description=text, assignee=agent)
        sla(made[text], state, hours)
    closed = move(make_incident(assignee=agent), "resolved")
    sla(closed, "breached", -1)
    client.login(username="alan", password=PASSWORD)
    standing = {
        name: numbers(client, "mine", sla=name) for name in ("breached", "breaching", "on_track")
    }
    n = {text: incident.number for text, incident in made.items()}
    assert standing == {
        "breached": [n["breached"]],
        "breaching": sorted([n["warning far off"], n["ok due soon"]]),
        "on_track": sorted([n["ok later"], n["no clock"], n["ok without due"]]),
    }


def test_caller_updated_means_the_callers_latest_event_is_after_the_assignees(client, agent):
    rita = make_user("rita2", kind=UserKind.REQUESTER)
    silent = make_incident(rita, actor=rita, assignee=agent)  # only opened by the caller
    asked = make_incident(rita, assignee=agent)
    services.do_add_incident_comment(asked, "Any news?", actor=rita)
    answered = make_incident(rita, assignee=agent)
    services.do_add_incident_comment(answered, "Any news?", actor=rita)
    services.do_add_incident_comment(answered, "Tomorrow", actor=agent)
    client.login(username="alan", password=PASSWORD)
    assert numbers(client, "mine", attention="caller_updated") == [asked.number]
    assert silent.number not in numbers(client, "mine", attention="caller_updated")


def test_the_unassigned_attention_filter_keeps_the_queue(client, agent):
    nobody = make_incident()
    make_incident(assignee=agent)
    client.login(username="alan", password=PASSWORD)
    assert numbers(client, "all", attention="unassigned") == [nobody.number]
