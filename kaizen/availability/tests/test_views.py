"""The availability pages per role: requesters are refused, agents propose, service level
managers confirm, dismiss, correct, end and set targets; errors name their field."""

import datetime as dt
from functools import partial

import pytest
from django.urls import reverse
from django.utils import timezone

from kaizen.availability.models import AvailabilityTarget, Outage
from kaizen.availability.tests.conftest import record
from kaizen.testing import assert_constant_queries as shared_assert_constant_queries
from kaizen.testing import make_service

pytestmark = pytest.mark.django_db
assert_constant_queries = partial(shared_assert_constant_queries, "availability")


def local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def outage_data(service, **fields):
    start = timezone.now() - dt.timedelta(hours=5)
    data = {
        "service": service.pk,
        "kind": "unplanned",
        "started_at": local(start),
        "ended_at": local(start + dt.timedelta(hours=1)),
        "title": "Mail down for everyone",
        "description": "",
        "cause_kind": "unknown",
        "cause_reference": "",
        "share_affected": "",
    }
    data.update(fields)
    return data


def test_requesters_see_no_availability_page(web, requester, mail):
    outage = record(mail)
    client = web(requester)
    for url in (
        reverse("availability:overview"),
        reverse("availability:outage_list"),
        reverse("availability:outage_create"),
        outage.get_absolute_url(),
        reverse("availability:service", args=["mail"]),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("availability:outage_create"), outage_data(mail)).status_code == 403
    assert not Outage.objects.exclude(pk=outage.pk).exists()


def test_an_agents_outage_is_proposed_and_a_service_level_managers_confirmed(web, agent, slm, mail):
    response = web(agent).post(reverse("availability:outage_create"), outage_data(mail))
    proposed = Outage.objects.get()
    assert response.status_code == 302 and response["Location"] == proposed.get_absolute_url()
    assert proposed.status == "proposed" and proposed.share_affected == 100
    web(slm).post(reverse("availability:outage_create"), outage_data(mail, title="Second"))
    assert Outage.objects.get(title="Second").status == "confirmed"


def test_form_errors_name_their_field(web, agent, mail):
    client = web(agent)
    start = timezone.now() - dt.timedelta(hours=3)
    response = client.post(
        reverse("availability:outage_create"),
        outage_data(mail, ended_at=local(start - dt.timedelta(hours=1)), started_at=local(start)),
    )
    assert response.status_code == 400
    assert response.context["form"].errors["ended_at"] == ["The end must come after the start."]
    response = client.post(
        reverse("availability:outage_create"), outage_data(mail, kind="degraded")
    )
    assert "share_affected" in response.context["form"].errors
    response = client.post(
        reverse("availability:outage_create"), outage_data(mail, cause_kind="incident")
    )
    assert response.context["form"].errors["cause_reference"] == ["Give the incident number."]
    assert not Outage.objects.exists()


def test_a_degraded_service_keeps_its_share(web, slm, mail):
    web(slm).post(
        reverse("availability:outage_create"), outage_data(mail, kind="degraded", share_affected=25)
    )
    assert Outage.objects.get().share_affected == 25


def test_only_those_who_may_confirm_see_and_use_confirm(web, agent, slm, mail):
    outage = record(mail, confirmed=False)
    page = web(agent).get(outage.get_absolute_url())
    assert page.status_code == 200 and b'id="confirm"' not in page.content
    assert b"Timeline" in page.content
    data = {"version": outage.version, "started_at": local(outage.started_at)}
    url = reverse("availability:outage_confirm", args=[outage.number])
    assert web(agent).post(url, data).status_code == 403
    page = web(slm).get(outage.get_absolute_url())
    assert b'id="confirm"' in page.content and b'id="dismiss"' in page.content
    later = outage.started_at + dt.timedelta(minutes=30)
    response = web(slm).post(
        url, {**data, "started_at": local(later), "ended_at": local(outage.ended_at)}
    )
    assert response.status_code == 302
    outage.refresh_from_db()
    assert outage.status == "confirmed" and outage.confirmed_by == slm
    assert local(outage.started_at) == local(later)


def test_a_service_level_manager_dismisses_with_a_reason(web, slm, mail):
    outage = record(mail, confirmed=False)
    url = reverse("availability:outage_dismiss", args=[outage.number])
    response = web(slm).post(url, {"version": outage.version, "reason": ""})
    assert response.status_code == 400 and "reason" in response.context["dismiss_form"].errors
    web(slm).post(url, {"version": outage.version, "reason": "The incident did not stop mail"})
    outage.refresh_from_db()
    assert outage.status == "dismissed" and outage.dismissed_reason.startswith("The incident")


def test_a_stale_edit_shows_the_conflict_and_keeps_the_input(web, slm, mail):
    outage = record(mail)
    url = reverse("availability:outage_edit", args=[outage.number])
    form = web(slm).get(url).context["form"]
    data = {
        name: value if value is not None else ""
        for name, value in {**form.initial, "service": mail.pk}.items()
        if name in form.fields
    }
    data.update(
        started_at=local(outage.started_at),
        ended_at=local(outage.ended_at),
        version=outage.version,
        share_affected="",
    )
    record_update = web(slm).post(url, {**data, "title": "First edit"})
    assert record_update.status_code == 302
    response = web(slm).post(url, {**data, "title": "My edit"})
    assert response.status_code == 409
    assert "Your input is kept" in response.content.decode()
    assert response.context["form"]["title"].value() == "My edit"
    outage.refresh_from_db()
    assert outage.title == "First edit"


def test_an_agent_may_not_edit_an_outage_of_a_service_they_do_not_own(web, agent, mail):
    outage = record(mail)
    url = reverse("availability:outage_edit", args=[outage.number])
    assert web(agent).get(url).status_code == 403


def test_end_now_ends_an_ongoing_outage(web, slm, mail):
    outage = record(mail, hours=None)
    page = web(slm).get(outage.get_absolute_url())
    assert b"End now" in page.content
    web(slm).post(reverse("availability:outage_end", args=[outage.number]), {})
    outage.refresh_from_db()
    assert outage.ended_at is not None


def test_the_outage_page_names_its_cause(web, slm, mail):
    outage = record(mail, cause_kind="supplier", cause_reference="Mailhost Ltd")
    assert "Supplier: Mailhost Ltd" in web(slm).get(outage.get_absolute_url()).content.decode()


def test_the_service_page_shows_the_figures_and_the_outages_behind_them(web, agent, mail):
    outage = record(mail, hours_ago=24 * 40, hours=200)
    page = web(agent).get(reverse("availability:service", args=["mail"]))
    assert page.status_code == 200
    text = page.content.decode()
    assert outage.get_absolute_url() in text
    assert "99.5 %" in text and "Missed" in text
    assert "<svg" in text
    assert 'id="target-form"' not in text


def test_a_service_level_manager_sets_a_target_an_agent_may_not(web, agent, slm, mail, calendar):
    url = reverse("availability:set_target", args=["mail"])
    data = {"valid_from": "2026-01-01", "target_percent": "99.9", "calendar": calendar.pk}
    assert web(agent).post(url, data).status_code == 403
    assert web(slm).post(url, data).status_code == 302
    assert AvailabilityTarget.objects.filter(service=mail).count() == 2
    response = web(slm).post(url, {**data, "target_percent": "0"})
    assert response.status_code == 400
    assert "target_percent" in response.context["target_form"].errors


def test_the_overview_lists_each_service_with_its_month_and_waiting_proposals(web, agent, mail):
    record(mail, confirmed=False)
    record(mail, hours=None)
    page = web(agent).get(reverse("availability:overview"))
    text = page.content.decode()
    assert "Mail" in text and "1 outage waiting for confirmation" in text
    assert "1 going on now" in text


def test_the_waiting_filter_lists_the_proposals(web, agent, mail):
    proposed = record(mail, confirmed=False, title="Proposed one")
    record(mail, title="Confirmed one")
    page = web(agent).get(reverse("availability:outage_list") + "?status=proposed")
    assert [outage.number for outage in page.context["object_list"]] == [proposed.number]


def _more_services(calendar, count=3):
    from kaizen.availability.services import do_set_availability_target

    for index in range(count):
        service = make_service()
        do_set_availability_target(
            service,
            actor=None,
            valid_from=dt.date(2020, 1, 1),
            target_percent=99,
            calendar=calendar,
        )
        record(service, confirmed=index % 2 == 0)
        record(service, hours=None, confirmed=False)


def test_the_overview_reads_a_fixed_number_of_queries(web, agent, mail, calendar):
    record(mail)
    client = web(agent)
    assert_constant_queries(
        "overview",
        lambda: client.get(reverse("availability:overview")),
        lambda: _more_services(calendar),
    )


def test_the_outage_list_reads_a_fixed_number_of_queries(web, agent, mail, calendar):
    record(mail)
    client = web(agent)
    assert_constant_queries(
        "outage_list",
        lambda: client.get(reverse("availability:outage_list")),
        lambda: _more_services(calendar),
    )


def test_the_service_page_reads_a_fixed_number_of_queries(web, agent, mail):
    record(mail, hours_ago=24 * 40, hours=200)  # across working days: behind the figures
    client = web(agent)

    def more():
        for hours_ago in (100, 200, 300, 24 * 60):
            record(mail, hours_ago=hours_ago)
        record(mail, hours=None, confirmed=False)

    assert_constant_queries(
        "service_page",
        lambda: client.get(reverse("availability:service", args=["mail"])),
        more,
    )


def test_the_catalogue_service_page_shows_the_availability_panel(web, agent, requester, mail):
    record(mail, hours=None)
    client = web(agent)
    page = client.get(mail.get_absolute_url())
    assert b'id="availability"' in page.content
    assert reverse("availability:service", args=["mail"]).encode() in page.content
    assert b'id="availability"' not in web(requester).get(mail.get_absolute_url()).content
    client = web(agent)

    def more():
        for hours_ago in (50, 70):
            record(mail, hours_ago=hours_ago)
        record(mail, hours=None, confirmed=False)

    assert_constant_queries(
        "catalogue_service_page", lambda: client.get(mail.get_absolute_url()), more
    )


def test_the_timeline_shows_a_recorded_outage_as_the_values_it_was_created_with(web, agent, mail):
    outage = record(mail, confirmed=False, title="Mail bounced")
    text = web(agent).get(outage.get_absolute_url()).content.decode()
    assert "Outage proposed" in text and "Mail bounced" in text
    assert 'class="old"' not in text


def test_a_month_without_agreed_time_is_a_gap_in_the_chart():
    from fractions import Fraction

    from kaizen.availability.engine import AvailabilityFigure
    from kaizen.availability.views import availability_chart, availability_series

    def month(number: int, agreed: int) -> AvailabilityFigure:
        start = dt.datetime(2026, number, 1, tzinfo=dt.UTC)
        figure = AvailabilityFigure(start=start, end=start + dt.timedelta(days=28))
        figure.agreed_us, figure.downtime_us = agreed, Fraction(agreed, 100)
        return figure

    months = [month(1, 1000), month(2, 0), month(3, 1000)]
    assert [point["value"] for point in availability_series(months)] == [99.0, None, 99.0]
    assert availability_chart(months, 99.5).svg.startswith("<svg")


def test_the_catalogue_lists_each_services_availability_this_month(web, agent, requester, mail):
    make_service("Wiki", slug="wiki")
    page = web(agent).get(reverse("catalog:service_list")).content.decode()
    assert "Availability this month" in page
    row = page[page.index('href="/catalog/services/mail/"') :].split("</tr>")[0]
    # Its figure (or "No agreed time" in the first hours of a month, before office hours).
    assert "target 99.5 %" in row or "No agreed time" in row
    wiki = page[page.index('href="/catalog/services/wiki/"') :].split("</tr>")[0]
    assert 'title="No availability target"' in wiki
    browse = web(requester).get(reverse("catalog:service_list")).content.decode()
    assert "Availability this month" not in browse
