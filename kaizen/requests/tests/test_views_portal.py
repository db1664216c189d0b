"""The request pages per role: the catalogue, the request form (every field type, conditions,
errors on their field), my requests, the request page and its actions, the agents' list, and
the request types' pages with the form builder."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kaizen.notifications.models import Notification
from kaizen.people import services as people_services
from kaizen.people.models import Process, Role, UserKind
from kaizen.requests.models import RequestType, ServiceRequest, State
from kaizen.requests.tests.factories import LAPTOP_FORM, make_request, make_request_type
from kaizen.testing import (
    assert_constant_queries,
    make_ci,
    make_offering,
    make_service,
    make_team,
    make_user,
)

pytestmark = pytest.mark.django_db

EVERY_FIELD = [
    {
        "key": "name",
        "label": "Name on the badge",
        "type": "text",
        "required": True,
        "max_length": 40,
    },
    {"key": "notes", "label": "Notes", "type": "long_text", "help": "Anything else we should know"},
    {"key": "count", "label": "How many", "type": "number", "min": 1, "max": 5},
    {"key": "needed_by", "label": "Needed by", "type": "date"},
    {"key": "colour", "label": "Colour", "type": "choice", "choices": ["Black", "Silver"]},
    {
        "key": "size",
        "label": "Size",
        "type": "choice",
        "choices": ["XS", "S", "M", "L", "XL", "XXL"],
    },
    {"key": "extras", "label": "Extras", "type": "multi_choice", "choices": ["Bag", "Mouse"]},
    {"key": "urgent", "label": "Urgent?", "type": "yes_no"},
    {
        "key": "why_urgent",
        "label": "Why urgent?",
        "type": "text",
        "required": True,
        "show_if": {"field": "urgent", "equals": True},
    },
    {"key": "manager", "label": "Your manager", "type": "person"},
    {"key": "device", "label": "Old device", "type": "configuration_item"},
    {"key": "photo", "label": "Photo", "type": "attachment"},
]


@pytest.fixture
def laptop():
    return make_request_type(form=LAPTOP_FORM, summary="A laptop for work", price="900.00")


def test_the_catalogue_lists_what_the_person_may_request_grouped_by_service(web, requester):
    service = make_service("Workplace")
    everyone = make_request_type(make_offering(service, "Laptops"), name="New laptop")
    team = make_team(members=[make_user()])
    make_request_type(
        make_offering(service, "Phones"), name="Phone", audience="restricted", allowed_teams=[team]
    )
    page = web(requester).get(reverse("requests:catalogue"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Workplace" in body and everyone.name in body
    assert "Phone" not in body
    found = web(requester).get(reverse("requests:catalogue"), {"q": "laptops"}).content.decode()
    assert "New laptop" in found
    none = web(requester).get(reverse("requests:catalogue"), {"q": "zzz"}).content.decode()
    assert "Nothing you can request matches" in none


def test_the_catalogue_costs_the_same_queries_however_many_types(web, requester):
    client = web(requester)

    def more() -> None:
        for n in range(3):
            make_request_type(make_offering(make_service()), name=f"Thing {n}")

    make_request_type(name="First")
    assert_constant_queries(
        "requests", "catalogue", lambda: client.get(reverse("requests:catalogue")), more
    )


def test_the_request_form_renders_every_field_type(web, requester):
    make_ci("laptop-042")
    request_type = make_request_type(form=EVERY_FIELD, name="Badge")
    page = web(requester).get(reverse("requests:order", args=[request_type.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="name"' in body and 'maxlength="40"' in body
    assert "<textarea" in body and "Anything else we should know" in body
    assert 'type="number"' in body and 'min="1"' in body
    assert 'type="date"' in body
    assert 'type="radio" name="colour"' in body  # few options: buttons
    assert '<select name="size"' in body  # many: a list
    assert 'type="checkbox" name="extras"' in body
    assert 'type="radio" name="urgent" value="yes"' in body
    assert 'data-kz-show-if="urgent"' in body and "[&quot;yes&quot;]" in body
    assert "Rita Requester" in body  # person choices
    assert "laptop-042" in body
    assert 'type="file" name="photo"' in body
    assert body.count('title="required"') == 2
    assert "requests/request_form.js" in body
    assert "<script>" not in body


def test_submitting_puts_each_refusal_on_its_field(web, requester):
    request_type = make_request_type(form=EVERY_FIELD, name="Badge")
    url = reverse("requests:order", args=[request_type.pk])
    page = web(requester).post(url, {"count": "9", "urgent": "yes", "needed_by": "soon"})
    assert page.status_code == 400
    errors = page.context["form"].errors
    assert errors["name"] == ["this field is required"]
    assert errors["count"] == ["at most 5"]
    assert errors["why_urgent"] == ["this field is required"]  # asked, as urgent is yes
    assert errors["needed_by"] == ["a date, e.g. 2026-03-31"]
    assert not ServiceRequest.objects.exists()


def test_a_hidden_question_is_not_required_and_its_answer_dropped(web, requester):
    request_type = make_request_type(form=EVERY_FIELD, name="Badge")
    url = reverse("requests:order", args=[request_type.pk])
    photo = SimpleUploadedFile("me.png", b"png", content_type="image/png")
    page = web(requester).post(
        url,
        {
            "name": "Rita",
            "urgent": "no",
            "why_urgent": "ignored",
            "extras": ["Mouse", "Bag"],
            "colour": "Silver",
            "photo": photo,
        },
    )
    assert page.status_code == 302
    made = ServiceRequest.objects.get()
    assert page["Location"] == made.get_absolute_url()
    assert made.answers == {
        "name": "Rita",
        "colour": "Silver",
        "extras": ["Bag", "Mouse"],
        "urgent": False,
        "photo": ["me.png"],
    }
    assert made.attachments.get().field_key == "photo"
    assert made.requested_for == requester == made.requested_by


def test_a_requester_cannot_open_a_type_they_may_not_request(web, requester):
    restricted = make_request_type(
        name="Secret", audience="restricted", allowed_people=[make_user()]
    )
    assert web(requester).get(reverse("requests:order", args=[restricted.pk])).status_code == 404


def test_an_agent_requests_on_someones_behalf(web, agent, requester, laptop):
    url = reverse("requests:order", args=[laptop.pk])
    page = web(agent).get(url)
    assert "Requested for" in page.content.decode()
    done = web(agent).post(url, {"model": "Standard 14-inch", "meta-requested_for": requester.pk})
    assert done.status_code == 302
    made = ServiceRequest.objects.get()
    assert (made.requested_for, made.requested_by) == (requester, agent)
    # The person it is for hears of it; the agent who filled the form does not.
    mails = list(Notification.objects.values_list("recipient__username", "subject"))
    assert mails == [("rita", f"[{made.number}] Received: New laptop")]


def test_a_requester_has_no_on_behalf_field(web, requester, laptop):
    other = make_user()
    url = reverse("requests:order", args=[laptop.pk])
    assert "Requested for" not in web(requester).get(url).content.decode()
    web(requester).post(url, {"model": "Standard 14-inch", "meta-requested_for": other.pk})
    assert ServiceRequest.objects.get().requested_for == requester


def test_a_requester_sees_only_their_own_requests(web, requester, laptop):
    mine = make_request(laptop, requester, {"model": "Standard 14-inch"})
    theirs = make_request(laptop, make_user(kind=UserKind.REQUESTER), {"model": "Standard 14-inch"})
    client = web(requester)
    listing = client.get(reverse("requests:mine")).content.decode()
    assert mine.number in listing and theirs.number not in listing
    assert client.get(mine.get_absolute_url()).status_code == 200
    assert client.get(theirs.get_absolute_url()).status_code == 404
    assert client.post(reverse("requests:cancel", args=[theirs.number])).status_code == 404
    assert client.get(reverse("requests:list")).status_code == 403


def test_the_request_page_reads_in_words(web, requester, laptop):
    made = make_request(
        laptop,
        requester,
        {"model": "Developer 16-inch", "reason": "Builds", "needed_by": "2026-05-01"},
    )
    page = web(requester).get(made.get_absolute_url())
    body = page.content.decode()
    assert "Why do you need the larger model?" in body and "1 May 2026" in body
    assert "2026-05-01" not in body
    assert "waits for" in body  # approved at once, waiting for delivery
    assert "900.00 EUR" in body
    assert 'id="timeline"' not in body  # history is for agents


def test_the_requester_cancels_with_a_reason(web, requester, laptop):
    made = make_request(laptop, requester, {"model": "Standard 14-inch"})
    url = reverse("requests:cancel", args=[made.number])
    page = web(requester).post(url, {"reason": "Not needed", "version": made.version})
    assert page.status_code == 302
    made.refresh_from_db()
    assert (made.state, made.cancellation_reason) == (State.CANCELLED, "Not needed")
    # A stale version shows the conflict and keeps the input.
    again = web(requester).post(url, {"reason": "again", "version": 1})
    assert again.status_code == 302  # refused: too late to cancel, said as a message


def test_agents_assign_hold_resume_fulfil_and_close(web, agent, requester):
    team = make_team(members=[agent])
    request_type = make_request_type(form=LAPTOP_FORM, fulfilment_group=team)
    made = make_request(request_type, requester, {"model": "Standard 14-inch"})
    client = web(agent)
    number = made.number

    def post(action, **data):
        made.refresh_from_db()
        return client.post(
            reverse(f"requests:{action}", args=[number]), {"version": made.version, **data}
        )

    assert post("assign", assignment_group=team.pk, assignee=agent.pk).status_code == 302
    assert post("hold", hold_reason="awaiting_requester").status_code == 302
    made.refresh_from_db()
    assert made.state == State.ON_HOLD
    assert Notification.objects.filter(subject__contains="Waiting for you").count() == 1
    assert post("resume").status_code == 302
    assert post("fulfil").status_code == 302
    assert post("close").status_code == 302
    made.refresh_from_db()
    assert made.state == State.CLOSED
    assert made.assignee == agent
    page = client.get(made.get_absolute_url()).content.decode()
    assert 'id="timeline"' in page
    # The requester was told it was delivered.
    assert Notification.objects.filter(recipient=requester, subject__contains="Delivered").exists()


def test_failing_needs_a_reason_shown_on_the_field(web, agent, requester, laptop):
    made = make_request(laptop, requester, {"model": "Standard 14-inch"})
    page = web(agent).post(
        reverse("requests:fail", args=[made.number]),
        {"failure_reason": "", "version": made.version},
    )
    assert page.status_code == 400
    assert page.context["fail_form"].errors["failure_reason"]


def test_a_requester_cannot_do_agents_moves(web, requester, laptop):
    made = make_request(laptop, requester, {"model": "Standard 14-inch"})
    page = web(requester).post(
        reverse("requests:fulfil", args=[made.number]), {"version": made.version}
    )
    assert page.status_code == 403


def test_comments_reach_the_requester_by_mail(web, agent, requester, laptop):
    made = make_request(laptop, requester, {"model": "Standard 14-inch"})
    Notification.objects.all().delete()
    web(agent).post(reverse("requests:comment", args=[made.number]), {"body": "Which colour?"})
    web(agent).post(
        reverse("requests:comment", args=[made.number]), {"body": "internal", "is_work_note": "on"}
    )
    web(requester).post(reverse("requests:comment", args=[made.number]), {"body": "Black"})
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["rita"]
    page = web(requester).get(made.get_absolute_url()).content.decode()
    assert "Which colour?" in page and "Black" in page and "internal" not in page


def test_the_list_of_all_requests_filters_and_has_no_n_plus_one(web, agent, requester, laptop):
    client = web(agent)
    make_request(laptop, requester, {"model": "Standard 14-inch"})

    def more() -> None:
        for _ in range(3):
            make_request(laptop, make_user(), {"model": "Standard 14-inch"})

    assert_constant_queries(
        "requests", "request_list", lambda: client.get(reverse("requests:list")), more
    )
    page = client.get(reverse("requests:list"), {"state": "cancelled"})
    assert page.context["page_obj"].paginator.count == 0
    page = client.get(reverse("requests:list"), {"requested_for": requester.pk, "sla": "none"})
    assert page.context["page_obj"].paginator.count == 1


def test_my_requests_has_no_n_plus_one(web, requester, laptop):
    client = web(requester)
    make_request(laptop, requester, {"model": "Standard 14-inch"})

    def more() -> None:
        for _ in range(3):
            make_request(laptop, requester, {"model": "Standard 14-inch"})

    assert_constant_queries("requests", "mine", lambda: client.get(reverse("requests:mine")), more)


# ---- request types --------------------------------------------------------------------------


def test_request_types_are_edited_by_catalogue_managers_and_their_service_owner(
    web, catalog_manager, agent
):
    own = make_service("Mine", owner=agent)
    other = make_service("Other")
    own_type = make_request_type(make_offering(own, "Desk"), name="Desk")
    other_type = make_request_type(make_offering(other, "Chair"), name="Chair")
    owner = web(agent)
    assert owner.get(reverse("requests:type_edit", args=[own_type.pk])).status_code == 200
    assert owner.get(reverse("requests:type_edit", args=[other_type.pk])).status_code == 403
    assert owner.get(reverse("requests:type_form", args=[other_type.pk])).status_code == 403
    listing = owner.get(reverse("requests:type_list")).content.decode()
    assert "Desk" in listing and "Chair" not in listing
    # The owner creates types on their own service's offerings only.
    create = owner.get(reverse("requests:type_create"))
    offerings = list(create.context["form"].fields["offering"].queryset)
    assert [o.service for o in offerings] == [own]
    manager = web(catalog_manager)
    assert manager.get(reverse("requests:type_edit", args=[other_type.pk])).status_code == 200
    assert "Chair" in manager.get(reverse("requests:type_list")).content.decode()


def test_a_requester_cannot_manage_request_types(web, requester, laptop):
    assert web(requester).get(reverse("requests:type_list")).status_code == 403
    assert web(requester).get(reverse("requests:type_form", args=[laptop.pk])).status_code == 403


def test_a_catalogue_manager_creates_and_edits_a_type(web, catalog_manager):
    offering = make_offering(make_service("Workplace"), "Laptops")
    client = web(catalog_manager)
    page = client.post(
        reverse("requests:type_create"),
        {
            "offering": offering.pk,
            "name": "Monitor",
            "audience": "everyone",
            "currency": "EUR",
            "is_active": "on",
        },
    )
    assert page.status_code == 302
    made = RequestType.objects.get(name="Monitor")
    assert page["Location"] == reverse("requests:type_form", args=[made.pk])
    edit = reverse("requests:type_edit", args=[made.pk])
    data = {
        "offering": offering.pk,
        "name": "Monitor 27",
        "audience": "everyone",
        "currency": "EUR",
        "is_active": "on",
        "version": made.version,
    }
    assert client.post(edit, data).status_code == 302
    stale = client.post(edit, {**data, "name": "Other"})
    assert stale.status_code == 409
    assert "Your input is kept" in stale.content.decode()


def _rows(prefix, rows, initial=0):
    data = {
        f"{prefix}-TOTAL_FORMS": len(rows),
        f"{prefix}-INITIAL_FORMS": initial,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"{prefix}-{index}-{name}"] = value
    return data


def test_the_form_builder_saves_rows_as_a_new_form_version(web, catalog_manager, laptop):
    client = web(catalog_manager)
    url = reverse("requests:type_form", args=[laptop.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert len(page.context["formset"].forms) == 3
    rows = [
        {
            "key": "model",
            "label": "Model",
            "type": "choice",
            "choices": "Small\nLarge",
            "ORDER": 2,
            "required": "on",
        },
        {"key": "dock", "label": "A dock too?", "type": "yes_no", "ORDER": 1},
        {
            "key": "why",
            "label": "Why large?",
            "type": "text",
            "ORDER": 3,
            "show_if_field": "model",
            "show_if_value": "Large",
            "max_length": 80,
        },
        {"key": "gone", "label": "Removed", "type": "text", "ORDER": 4, "DELETE": "on"},
    ]
    saved = client.post(url, {"version": laptop.version, **_rows("fields", rows)})
    assert saved.status_code == 302
    laptop.refresh_from_db()
    assert laptop.current_form.number == 2
    assert laptop.current_form.fields == [
        {"key": "dock", "label": "A dock too?", "type": "yes_no", "required": False},
        {
            "key": "model",
            "label": "Model",
            "type": "choice",
            "required": True,
            "choices": ["Small", "Large"],
        },
        {
            "key": "why",
            "label": "Why large?",
            "type": "text",
            "required": False,
            "max_length": 80,
            "show_if": {"field": "model", "equals": "Large"},
        },
    ]


def test_the_form_builder_shows_the_services_refusal_on_its_row(web, catalog_manager, laptop):
    client = web(catalog_manager)
    url = reverse("requests:type_form", args=[laptop.pk])
    rows = [
        {"key": "ok", "label": "Fine", "type": "text", "ORDER": 1},
        {"key": "pick", "label": "Pick", "type": "choice", "choices": "A\nA", "ORDER": 2},
    ]
    page = client.post(url, {"version": laptop.version, **_rows("fields", rows)})
    assert page.status_code == 400
    second = page.context["formset"].forms[1]
    assert second.errors["choices"] == ["each option once"]
    assert not page.context["formset"].forms[0].errors
    laptop.refresh_from_db()
    assert laptop.current_form.number == 1


def test_approval_steps_and_tasks_are_edited_row_by_row(web, catalog_manager, laptop):
    client = web(catalog_manager)
    team = make_team(name="Desktop", members=[make_user()])
    steps = reverse("requests:type_steps", args=[laptop.pk])
    assert client.get(steps).status_code == 200
    bad = client.post(
        steps,
        {
            "version": laptop.version,
            **_rows(
                "steps",
                [
                    {
                        "name": "Security",
                        "approver_source": "team",
                        "policy": "any",
                        "due_action": "reject",
                        "ORDER": 1,
                    }
                ],
            ),
        },
    )
    assert bad.status_code == 400
    assert bad.context["formset"].forms[0].errors["team"] == [
        "choose the active team whose members approve"
    ]
    good = client.post(
        steps,
        {
            "version": laptop.version,
            **_rows(
                "steps",
                [
                    {
                        "name": "Security",
                        "approver_source": "team",
                        "team": team.pk,
                        "policy": "any",
                        "due_action": "reject",
                        "ORDER": 2,
                    },
                    {
                        "name": "Manager",
                        "approver_source": "requester_manager",
                        "policy": "any",
                        "due_action": "approve",
                        "due_hours": 24,
                        "ORDER": 1,
                    },
                ],
            ),
        },
    )
    assert good.status_code == 302
    assert [s.name for s in laptop.approval_steps.all()] == ["Manager", "Security"]
    laptop.refresh_from_db()
    tasks = reverse("requests:type_tasks", args=[laptop.pk])
    done = client.post(
        tasks,
        {
            "version": laptop.version,
            **_rows(
                "tasks",
                [
                    {"position": 1, "title": "Order it", "team": team.pk},
                    {"position": 2, "title": "Set it up", "team": team.pk},
                ],
            ),
        },
    )
    assert done.status_code == 302
    assert [t.title for t in laptop.task_templates.all()] == ["Order it", "Set it up"]
    detail = client.get(laptop.get_absolute_url()).content.decode()
    assert "Set it up" in detail and "within 24 hours" in detail and "Form versions" in detail


def test_the_service_page_lists_its_request_types(web, agent, laptop):
    # The catalogue shows other apps' panels to agents only (kaizen/catalog/views.py).
    service = laptop.offering.service
    page = web(agent).get(service.get_absolute_url()).content.decode()
    assert 'id="service-request-types"' in page and "New laptop" in page


def test_leaders_of_the_request_process_manage_every_type(web, laptop):
    leader = make_user()
    people_services.do_grant_process_role(leader, Process.REQUEST, Role.MANAGER, actor=None)
    assert web(leader).get(reverse("requests:type_edit", args=[laptop.pk])).status_code == 200
    assert mail.outbox == []


def test_agents_see_the_requests_sla_clock_and_requesters_do_not(web, agent, requester):
    from kaizen.sla.tests.config_helpers import make_calendar, make_definition

    definition = make_definition(
        make_calendar(),
        name="Laptops in 3 days",
        ticket_kind="request",
        priorities=[],
        pause_reasons=["awaiting_requester"],
        escalations=[],
        target_minutes=3 * 8 * 60,
    )
    request_type = make_request_type(form=LAPTOP_FORM, delivery_target=definition)
    made = make_request(request_type, requester, {"model": "Standard 14-inch"})
    assert made.sla_clocks.exists()
    page = web(agent).get(made.get_absolute_url()).content.decode()
    assert 'id="sla-clocks"' in page and "Laptops in 3 days" in page
    assert 'id="sla-clocks"' not in web(requester).get(made.get_absolute_url()).content.decode()
    order = web(requester).get(reverse("requests:order", args=[request_type.pk]))
    assert "Laptops in 3 days" in order.content.decode()


def test_the_request_page_shows_the_answers_with_the_form_version_it_answered(
    web, requester, laptop
):
    from kaizen.requests.services.types import do_change_form

    made = make_request(laptop, requester, {"model": "Standard 14-inch"})
    relabelled = [{**LAPTOP_FORM[0], "label": "Which laptop"}, *LAPTOP_FORM[1:]]
    do_change_form(laptop, relabelled, actor=None, expected_version=None)
    page = web(requester).get(made.get_absolute_url()).content.decode()
    assert '<dt class="col-sm-5">Model</dt>' in page and "Which laptop" not in page


def test_files_are_downloaded_by_those_who_see_the_request(web, requester, laptop):
    made = make_request(laptop, requester, {"model": "Standard 14-inch"})
    upload = SimpleUploadedFile("quote.txt", b"42 EUR", content_type="text/plain")
    web(requester).post(reverse("requests:attach", args=[made.number]), {"file": upload})
    attachment = made.attachments.get()
    url = attachment.get_absolute_url()
    assert web(requester).get(url).status_code == 200
    stranger = make_user(kind=UserKind.REQUESTER)
    assert web(stranger).get(url).status_code == 404


def test_the_form_says_how_long_the_type_usually_takes_before_submitting(web, requester, laptop):
    """Five requests fulfilled in 2, 4, 6, 8 and 30 hours (no delivery target: round the
    clock): the median is 6 h, the 85th percentile (nearest rank: the 5th of 5) 30 h."""
    import datetime as dt

    from django.utils import timezone

    from kaizen.requests.services.lifecycle import do_fulfil_request

    page = web(requester).get(reverse("requests:order", args=[laptop.pk])).content.decode()
    assert "No estimate yet" in page
    start = timezone.now() - dt.timedelta(days=10)
    for hours in (2, 4, 6, 8, 30):
        request = make_request(laptop, make_user(), {"model": "Standard 14-inch"}, at=start)
        do_fulfil_request(request, actor=None, at=start + dt.timedelta(hours=hours))
    page = web(requester).get(reverse("requests:order", args=[laptop.pk])).content.decode()
    assert "Usually delivered within <strong>6 h</strong>" in page
    assert "85 in 100 within <strong>30 h</strong>" in page
