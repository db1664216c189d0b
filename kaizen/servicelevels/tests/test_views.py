"""The agreement pages per role: requesters are refused, agents read, service level managers
make agreements with their targets, new versions and corrections; errors name their field."""

import datetime as dt
from functools import partial

import pytest
from django.urls import reverse
from django.utils import timezone

from kaizen.servicelevels.models import Agreement, AgreementTerms
from kaizen.servicelevels.services import do_create_agreement, do_create_supplier
from kaizen.servicelevels.tests.helpers import commitment
from kaizen.testing import assert_constant_queries as shared_assert_constant_queries
from kaizen.testing import make_service, make_team

pytestmark = pytest.mark.django_db
assert_constant_queries = partial(shared_assert_constant_queries, "servicelevels")


def target_rows(*rows: dict, kind: str = "sla") -> dict:
    """The targets formset's POST data: the rows given, then empty ones."""
    data = {"targets-TOTAL_FORMS": "3", "targets-INITIAL_FORMS": "0"}
    for index in range(3):
        row = rows[index] if index < len(rows) else {}
        for name in ("metric", "priority", "attainment_percent"):
            data[f"targets-{index}-{name}"] = str(row.get(name, ""))
        other = "sla_definition" if kind == "sla" else "minutes"
        data[f"targets-{index}-{other}"] = str(row.get(other, ""))
    return data


def sla_data(slm, finance, mail, calendar, definition, **fields) -> dict:
    data = {
        "name": "Mail for Finance",
        "description": "",
        "customer": finance.pk,
        "owner": slm.pk,
        "status": "active",
        "starts_on": "2026-01-01",
        "ends_on": "",
        "review_cadence": "3",
        "reference": "",
        "terms-calendar": calendar.pk,
        "terms-availability_percent": "99.5",
        "terms-services": [mail.pk],
        "terms-handoff_minutes": "15",
        **target_rows(
            {
                "metric": "resolution",
                "priority": 1,
                "sla_definition": definition.pk,
                "attainment_percent": "95",
            }
        ),
    }
    data.update(fields)
    return data


def test_requesters_see_no_agreements_and_agents_may_not_make_them(web, requester, agent):
    assert web(requester).get(reverse("servicelevels:agreement_list")).status_code == 403
    client = web(agent)
    assert client.get(reverse("servicelevels:agreement_list")).status_code == 200
    assert client.get(reverse("servicelevels:agreement_create")).status_code == 403
    assert client.get(reverse("servicelevels:customer_create")).status_code == 403


def test_a_service_level_manager_makes_an_sla_with_its_targets(
    web, slm, finance, mail, calendar, resolution_p1
):
    response = web(slm).post(
        reverse("servicelevels:agreement_create") + "?kind=sla",
        sla_data(slm, finance, mail, calendar, resolution_p1),
    )
    agreement = Agreement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == agreement.get_absolute_url()
    terms = agreement.versions.get()
    assert list(terms.services.all()) == [mail]
    assert [target["attainment_percent"] for target in terms.targets] == ["95.00"]
    page = web(slm).get(agreement.get_absolute_url()).content.decode()
    assert "Resolution of priority 1 within 8 business hours (P1 resolution), for 95 % of" in page
    assert "Nothing underpins it" in page


def test_errors_name_their_field_and_keep_the_input(
    web, slm, finance, mail, calendar, resolution_p1
):
    data = sla_data(
        slm,
        finance,
        mail,
        calendar,
        resolution_p1,
        customer="",
        **{"terms-services": [], "terms-availability_percent": "120"},
    )
    response = web(slm).post(reverse("servicelevels:agreement_create") + "?kind=sla", data)
    assert response.status_code == 400
    form, terms_form = response.context["form"], response.context["terms_form"]
    assert "customer" in form.errors
    assert "availability_percent" in terms_form.errors
    assert not Agreement.objects.exists()
    data = sla_data(slm, finance, mail, calendar, resolution_p1, **{"terms-services": []})
    response = web(slm).post(reverse("servicelevels:agreement_create") + "?kind=sla", data)
    assert response.status_code == 400
    assert response.context["terms_form"].errors["services"] == [
        "Name the services (or offerings, configuration items) it covers."
    ]


def test_a_new_version_from_a_later_day_and_the_refusal_of_a_back_dated_one(
    web, slm, mail_sla, calendar, resolution_p1
):
    url = reverse("servicelevels:terms_create", args=[mail_sla.number])
    client = web(slm)
    page = client.get(url)
    assert page.context["form"].initial["availability_percent"] == "99.5"  # as it was typed
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    common = {
        "calendar": calendar.pk,
        "availability_percent": "99.9",
        "services": [mail_sla.versions.get().services.get().pk],
        "handoff_minutes": "15",
        "note": "Raised after the review",
        **target_rows(
            {
                "metric": "resolution",
                "priority": 1,
                "sla_definition": resolution_p1.pk,
                "attainment_percent": "98",
            }
        ),
    }
    refused = client.post(url, {**common, "valid_from": "2026-01-01"})
    assert refused.status_code == 400
    assert "valid_from" in refused.context["form"].errors
    response = client.post(url, {**common, "valid_from": tomorrow.isoformat()})
    assert response.status_code == 302
    second = AgreementTerms.objects.get(agreement=mail_sla, sequence=2)
    assert second.targets[0]["attainment_percent"] == "98.00"
    # Not yet in force: it may be corrected; the first may not.
    edit_second = reverse("servicelevels:terms_edit", args=[mail_sla.number, 2])
    edit_first = reverse("servicelevels:terms_edit", args=[mail_sla.number, 1])
    assert client.get(edit_second).status_code == 200
    assert client.get(edit_first).status_code == 403


def test_the_chain_check_on_the_page(web, slm, agent, mail_sla, mail, calendar, network_team):
    commitment(slm, network_team, calendar, [mail], minutes=600, name="Network support")
    page = web(agent).get(mail_sla.get_absolute_url()).content.decode()
    assert "Does not fit: 2 h too long" in page
    ola = Agreement.objects.get(kind="ola")
    supports = web(agent).get(ola.get_absolute_url()).content.decode()
    assert "SLA00001" in supports


def test_the_service_page_shows_its_customers_teams_and_suppliers(
    web, slm, agent, mail_sla, mail, calendar
):
    acme = do_create_supplier(actor=slm, name="Acme Networks")
    do_create_agreement(
        actor=slm,
        kind="uc",
        name="Acme line",
        owner=slm,
        supplier=acme,
        starts_on=dt.date(2026, 1, 1),
        calendar=calendar,
        services=[mail],
        status="active",
    )
    page = web(agent).get(mail.get_absolute_url()).content.decode()
    assert 'id="service-agreements"' in page
    assert "Acme Networks" in page and "Finance" in page


def test_customers_and_suppliers_pages(web, slm, agent, finance):
    client = web(slm)
    response = client.post(
        reverse("servicelevels:supplier_create"),
        {
            "name": "acme networks",
            "description": "",
            "contact_name": "",
            "contact_email": "",
            "contact_phone": "",
            "website": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    duplicate = client.post(
        reverse("servicelevels:supplier_create"),
        {"name": "ACME Networks", "is_active": "on"},
    )
    assert duplicate.status_code == 400
    assert duplicate.context["form"].errors["name"] == [
        "There is already a supplier named ACME Networks."
    ]
    assert web(agent).get(reverse("servicelevels:customer_list")).status_code == 200
    assert web(agent).get(finance.get_absolute_url()).status_code == 200


def _more_agreements(slm, calendar, count=3):
    team = make_team("More")
    for index in range(count):
        service = make_service(f"Extra {index}", slug=f"extra-{index}")
        commitment(
            slm,
            team,
            calendar,
            [service],
            minutes=60,
            name=f"Extra {index}",
            metric="response",
            priority=None,
            attainment=90,
        )


def test_the_list_reads_a_fixed_number_of_queries(web, agent, slm, mail_sla, calendar):
    client = web(agent)
    assert_constant_queries(
        "agreement_list",
        lambda: client.get(reverse("servicelevels:agreement_list")),
        lambda: _more_agreements(slm, calendar),
    )


def test_the_sla_page_reads_a_fixed_number_of_queries(web, agent, slm, mail_sla, calendar):
    client = web(agent)
    team = make_team("Links")

    def more_links(count=3, first=0):
        for index in range(first, first + count):
            commitment(
                slm,
                team,
                calendar,
                list(mail_sla.versions.get().services.all()),
                minutes=60,
                name=f"Link {index}",
                attainment=90,
            )

    more_links(count=1, first=9)  # one link already: then the page reads them all at once
    assert_constant_queries(
        "sla_page",
        lambda: client.get(mail_sla.get_absolute_url()),
        more_links,
    )
