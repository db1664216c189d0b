"""/sla/: the SLA definition list, a definition's page in words, and the form."""

import html

import pytest

from kaizen.journal.events import EventType
from kaizen.sla.models import SLADefinition
from kaizen.sla.tests.config_helpers import (
    assert_constant_queries,
    last_event,
    make_calendar,
    make_definition,
)
from kaizen.testing import make_offering, make_service, make_team

pytestmark = pytest.mark.django_db

LIST = "/sla/"
CREATE = "/sla/definitions/new/"


def detail(definition) -> str:
    return f"/sla/definitions/{definition.pk}/"


def edit(definition) -> str:
    return f"/sla/definitions/{definition.pk}/edit/"


def escalation_rows(*steps: tuple[str, str, str]) -> dict[str, str]:
    data = {
        "escalations-TOTAL_FORMS": str(len(steps)),
        "escalations-INITIAL_FORMS": "0",
        "escalations-MIN_NUM_FORMS": "0",
        "escalations-MAX_NUM_FORMS": "1000",
    }
    for index, (at, action, team) in enumerate(steps):
        data.update(
            {
                f"escalations-{index}-at": at,
                f"escalations-{index}-action": action,
                f"escalations-{index}-team": team,
            }
        )
    return data


def definition_data(office, escalations=None, **overrides) -> dict:
    data = {
        "name": "Email response P1-2",
        "kind": "response",
        "calendar": str(office.pk),
        "target_hours": "1",
        "target_minutes": "30",
        "order": "10",
        "is_active": "on",
        "service": "",
        "offering": "",
        "priorities": ["1", "2"],
        "pause_reasons": ["awaiting_caller"],
        "warning_thresholds": "75, 50",
        "conditions": '{"channel": ["phone", "email"]}',
        **overrides,
    }
    steps = escalations if escalations is not None else [("75", "notify_group", ""), ("", "", "")]
    data.update(escalation_rows(*steps))
    return data


@pytest.fixture
def catalogue(definition, office):
    """Besides Email's P1-2 resolution: a response target and an inactive 24x7 one."""
    always = make_calendar("24x7", time_zone="UTC", holiday_country="", holiday_subdivision="")
    make_definition(office, name="Any response", kind="response", target_minutes=30, priorities=[])
    make_definition(always, name="Old P1", target_minutes=240, priorities=[1], is_active=False)
    return definition


# -- who may see what -------------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_sign_in(client, definition):
    for url in (LIST, detail(definition), CREATE):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_it_forbids_the_list_and_hides_definitions_from_requesters(web, requester, definition):
    client = web(requester)
    assert client.get(LIST).status_code == 403
    assert client.get(CREATE).status_code == 403
    assert client.get(detail(definition)).status_code == 404
    assert client.get(edit(definition)).status_code == 404


def test_it_lists_definitions_for_agents_response_first_then_by_order(web, agent, catalogue):
    response = web(agent).get(LIST)
    assert response.status_code == 200
    assert [d.name for d in response.context["object_list"]] == [
        "Any response",
        "Email resolution P1-2",
        "Old P1",
    ]
    page = response.content.decode()
    assert "P1-2 · Email" in page and "All incidents" in page
    assert ">8 h</td>" in page and ">30 min</td>" in page
    assert "Inactive" in page
    assert "New definition" not in page


@pytest.mark.parametrize("persona", ["sla_manager", "sla_owner", "admin_user"])
def test_it_offers_the_new_definition_button_to_service_level_leaders(
    request, web, persona, definition
):
    page = web(request.getfixturevalue(persona)).get(LIST).content.decode()
    assert f'href="{CREATE}"' in page


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ({"kind": "resolution"}, ["Email resolution P1-2", "Old P1"]),
        ({"calendar": "24x7"}, ["Old P1"]),
        ({"is_active": "false"}, ["Old P1"]),
        ({"is_active": "true", "kind": "resolution"}, ["Email resolution P1-2"]),
        ({"service": "email"}, ["Email resolution P1-2"]),
        ({"q": "old"}, ["Old P1"]),
        ({"sort": "-target"}, ["Email resolution P1-2", "Old P1", "Any response"]),
        ({"sort": "name"}, ["Any response", "Email resolution P1-2", "Old P1"]),
    ],
)
def test_it_filters_and_sorts(web, agent, catalogue, query, names):
    response = web(agent).get(LIST, query)
    assert [d.name for d in response.context["object_list"]] == names


def test_it_shows_a_field_error_for_a_bad_filter_value(web, agent, catalogue):
    page = web(agent).get(LIST, {"kind": "restoration"}).content.decode()
    assert "Select a valid choice" in page


def test_it_lists_in_a_constant_number_of_queries(web, agent, catalogue, office):
    client = web(agent)

    def add_rows():
        for number in range(5):
            service = make_service(f"Service {number}")
            offering = make_offering(service, "Access")
            calendar = make_calendar(f"Calendar {number}")
            make_definition(calendar, name=f"D{number}", service=service, offering=offering)

    assert_constant_queries("definition_list", lambda: client.get(LIST), add_rows)


# -- a definition's page ----------------------------------------------------------------------


def test_it_describes_every_setting_in_words(web, agent, definition):
    response = web(agent).get(detail(definition))
    assert response.status_code == 200
    assert response.context["summary"] == (
        "Resolution within 8 business hours on 'UK office hours' for priority 1-2 incidents of "
        "Email; paused while awaiting caller, awaiting vendor; warnings at 50/75/90 %; at 90 % "
        "notify the group"
    )
    page = response.content.decode()
    assert "<h1>Email resolution P1-2</h1>" in page
    assert "<dt>Applies to</dt><dd>Incident tickets</dd>" in page
    assert 'id="timeline"' in page and "SLA definition created" in page
    assert "/edit/" not in page


def test_it_describes_conditions_offerings_reassignments_and_no_pausing(web, agent, office, email):
    make_team("Messaging", slug="messaging")
    definition = make_definition(
        office,
        name="Mailbox response",
        kind="response",
        target_minutes=90,
        service=email,
        offering=email.offerings.get(),
        priorities=[1, 3, 4],
        conditions={"channel": ["phone", "email"]},
        pause_reasons=[],
        warning_thresholds=[],
        escalations=[
            {"at": 100, "action": "reassign", "team": "messaging"},
            {"at": 100, "action": "raise_priority"},
        ],
    )
    response = web(agent).get(detail(definition))
    assert response.context["summary"] == (
        "Response within 1 h 30 min of business time on 'UK office hours' for priority 1, 3-4 "
        "incidents of Email (Mailbox access) where channel is phone or email; never paused "
        "(time on hold counts); no warnings; at breach (100 %) reassign to Messaging, "
        "at breach (100 %) raise the priority"
    )


def test_it_renders_a_definition_page_in_a_constant_number_of_queries(web, agent, definition):
    client = web(agent)

    def add_rows():
        for number in range(3):
            make_definition(definition.calendar, name=f"D{number}")

    assert_constant_queries("definition_detail", lambda: client.get(detail(definition)), add_rows)


# -- creating and editing ---------------------------------------------------------------------


def test_it_renders_the_empty_form(web, sla_manager, office):
    response = web(sla_manager).get(CREATE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>New SLA definition</h1>" in page and "Re-measure" not in page
    assert 'value="awaiting_vendor"' in page and 'value="raise_priority"' in page


@pytest.mark.parametrize("persona", ["agent", "sla_practitioner", "catalog_manager"])
def test_it_refuses_changes_by_anyone_but_service_level_leaders(
    request, web, persona, office, definition
):
    client = web(request.getfixturevalue(persona))
    for url in (CREATE, edit(definition)):
        assert client.get(url).status_code == 403
        assert client.post(url, definition_data(office)).status_code == 403
    assert SLADefinition.objects.count() == 1


def test_it_creates_a_definition_and_journals_it(web, sla_manager, office):
    response = web(sla_manager).post(CREATE, definition_data(office))
    definition = SLADefinition.objects.get(name="Email response P1-2")
    assert response.status_code == 302 and response["Location"] == detail(definition)
    assert definition.kind == "response" and definition.target_minutes == 90
    assert definition.priorities == [1, 2] and definition.pause_reasons == ["awaiting_caller"]
    assert definition.warning_thresholds == [50, 75]
    assert definition.conditions == {"channel": ["phone", "email"]}
    assert definition.escalations == [{"at": 75, "action": "notify_group"}]
    event = last_event(definition)
    assert event.event_type == EventType.SLA_DEFINITION_CREATED and event.actor == sla_manager


def test_it_saves_a_reassignment_with_its_team(web, sla_manager, office):
    make_team("Messaging", slug="messaging")
    steps = [("100", "reassign", "messaging"), ("75", "notify_assignee", "messaging")]
    web(sla_manager).post(CREATE, definition_data(office, escalations=steps))
    assert SLADefinition.objects.get().escalations == [
        {"at": 75, "action": "notify_assignee"},  # a team only goes with a reassignment
        {"at": 100, "action": "reassign", "team": "messaging"},
    ]


@pytest.mark.parametrize(
    ("overrides", "error_id"),
    [
        ({"conditions": "{channel: phone}"}, "id_conditions_errors"),
        ({"conditions": '["phone"]'}, "id_conditions_errors"),
        ({"conditions": '{"priority": [1]}'}, "id_conditions_errors"),
        ({"conditions": '{"channel": "phone"}'}, "id_conditions_errors"),  # from the service
        ({"warning_thresholds": "50, lots"}, "id_warning_thresholds_errors"),
        ({"warning_thresholds": "50, 150"}, "id_warning_thresholds_errors"),  # from the service
        ({"target_hours": "0", "target_minutes": "0"}, "id_target_hours_errors"),
        ({"target_hours": "", "target_minutes": "30"}, "id_target_hours_errors"),
        ({"target_minutes": "75"}, "id_target_minutes_errors"),
        ({"priorities": ["6"]}, "id_priorities_errors"),
        ({"pause_reasons": ["awaiting_godot"]}, "id_pause_reasons_errors"),
        ({"kind": "restoration"}, "id_kind_errors"),
        ({"calendar": ""}, "id_calendar_errors"),
        ({"escalations": [("60", "notify_group", "")]}, "escalations_errors"),  # service
        ({"escalations": [("100", "reassign", "")]}, "id_escalations-0-team_errors"),
        ({"escalations": [("100", "", "")]}, "id_escalations-0-action_errors"),
        ({"escalations": [("", "notify_group", "")]}, "id_escalations-0-at_errors"),
    ],
)
def test_it_shows_field_errors_and_keeps_what_was_typed(
    web, sla_manager, office, overrides, error_id
):
    escalations = overrides.pop("escalations", None)
    response = web(sla_manager).post(
        CREATE, definition_data(office, escalations=escalations, **overrides)
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="{error_id}"' in page, page
    assert 'value="Email response P1-2"' in page
    assert not SLADefinition.objects.exists()


def test_it_puts_an_offering_of_another_service_on_the_offering_field(
    web, sla_manager, office, email
):
    payroll = make_service("Payroll", slug="payroll")
    payslips = make_offering(payroll, "Payslips")
    data = definition_data(office, service=str(email.pk), offering=str(payslips.pk))
    page = web(sla_manager).post(CREATE, data).content.decode()
    assert 'id="id_offering_errors"' in page and "belongs to another service" in page
    assert html.escape('{"channel": ["phone", "email"]}') + "</textarea>" in page


def test_it_edits_a_definition_and_asks_to_remeasure_history(web, sla_manager, definition, email):
    client = web(sla_manager)
    page = client.get(edit(definition)).content.decode()
    assert "<h1>Edit Email resolution P1-2</h1>" in page and "Re-measure history since" in page
    assert 'name="target_hours" value="8"' in page and 'value="50, 75, 90"' in page
    assert 'name="escalations-0-at" value="90"' in page
    data = definition_data(
        definition.calendar,
        name=definition.name,
        kind="resolution",
        target_hours="4",
        target_minutes="0",
        service=str(email.pk),
        pause_reasons=["awaiting_caller", "awaiting_vendor"],
        warning_thresholds="50, 75, 90",
        conditions="",
        escalations=[("90", "notify_group", ""), ("100", "notify_manager", "")],
        remeasure_since="2026-01-01",
        version=1,
    )
    data["escalations-INITIAL_FORMS"] = "1"
    response = client.post(edit(definition), data)
    assert response.status_code == 302, response.content.decode()
    event = last_event(definition)
    assert event.event_type == EventType.SLA_DEFINITION_UPDATED and event.actor == sla_manager
    assert event.changes == {
        "order": {"old": 100, "new": 10},
        "target_minutes": {"old": 480, "new": 240},
        "escalations": {
            "old": [{"at": 90, "action": "notify_group"}],
            "new": [{"at": 90, "action": "notify_group"}, {"at": 100, "action": "notify_manager"}],
        },
    }
    assert event.data == {"remeasure_since": "2026-01-01T00:00:00+00:00"}


def test_it_saves_an_unchanged_form_without_a_journal_row(web, sla_manager, definition, email):
    before = last_event(definition).pk
    data = definition_data(
        definition.calendar,
        name=definition.name,
        kind="resolution",
        target_hours="8",
        target_minutes="0",
        order="100",
        service=str(email.pk),
        pause_reasons=["awaiting_vendor", "awaiting_caller"],
        warning_thresholds="90, 75, 50",
        conditions="{}",
        escalations=[("90", "notify_group", "")],
        version=1,
    )
    assert web(sla_manager).post(edit(definition), data).status_code == 302
    assert last_event(definition).pk == before
