"""The opportunity pages: who sees them (requesters never), the list's filters and figures,
starting an initiative, dismissing with a reason, scanning now, and a list whose number of
queries does not grow with its rows."""

import datetime as dt
import json
import re
from itertools import count

import pytest
from django.utils import timezone

from kaizen.core.times import local_text
from kaizen.improvement.models import Initiative, Opportunity, OpportunityStatus, Origin
from kaizen.improvement.opportunity_detection import Finding
from kaizen.improvement.opportunity_rows import period_text
from kaizen.improvement.services.opportunities import do_record_opportunity
from kaizen.journal.events import EventType
from kaizen.journal.models import JournalEvent
from kaizen.kpis.tests.helpers import insert_incident_facts
from kaizen.testing import assert_constant_queries

pytestmark = pytest.mark.django_db

LIST = "/improvement/opportunities/"
SCAN = "/improvement/opportunities/scan/"
_numbers = count(1)


def make_opportunity(*, strength=12.0, value=None, kind="sla_hotspot", status=None, user=None):
    """An opportunity as the scan records it (the recording service), optionally dismissed."""
    name = value or f"Service {next(_numbers)}"
    summary = f"Service {name}: 60 % of its 30 resolved incidents met their SLA."
    finding = Finding(
        kind=kind,
        kpi_key="incident.sla_met_pct",
        dimension="service",
        dimension_value=name,
        title=f"SLA breaches: service {name} at 60 %",
        summary=summary,
        strength=strength,
        evidence={
            "figure": {
                "kpi": "incident.sla_met_pct",
                "name": "Incidents resolved within SLA",
                "unit": "percent",
                "value": 60.0,
                "n": 30,
                "target": 95,
                "warning": 90,
            },
            "range": {"start": "2026-02-01", "end": "2026-04-30"},
            "period_kind": "month",  # of the series, as the detector writes it
            "dimension": "service",
            "breakdown": [
                {"value": name, "figure": 60.0, "n": 30, "breaches": strength},
                {"value": "VPN", "figure": 100.0, "n": 40, "breaches": 0.0},
            ],
            "series": [
                {"period": "2026-02-01", "value": 70.0, "n": 10},
                {"period": "2026-03-01", "value": 60.0, "n": 10},
                {"period": "2026-04-01", "value": 50.0, "n": 10},
            ],
            "summary": summary,
        },
    )
    opportunity, _ = do_record_opportunity(finding)
    if status == OpportunityStatus.DISMISSED:
        from kaizen.improvement.services import do_dismiss_opportunity

        do_dismiss_opportunity(opportunity, actor=user, reason="Known already")
        opportunity.refresh_from_db()
    return opportunity


def url(opportunity, action=""):
    return f"/improvement/opportunities/{opportunity.pk}/{action + '/' if action else ''}"


# -- who sees what --------------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_sign_in(client):
    opportunity = make_opportunity()
    for address in (LIST, url(opportunity)):
        response = client.get(address)
        assert response.status_code == 302 and "/login" in response["Location"]


def test_it_forbids_requesters(web, requester):
    opportunity = make_opportunity()
    client = web(requester)
    assert client.get(LIST).status_code == 403
    assert client.get(url(opportunity)).status_code == 403
    assert client.post(url(opportunity, "start")).status_code == 403
    assert client.post(url(opportunity, "dismiss"), {"reason": "no"}).status_code == 403
    assert client.post(SCAN).status_code == 403
    assert Initiative.objects.count() == 0


def test_it_shows_agents_the_list_and_the_evidence(web, agent):
    opportunity = make_opportunity(value="Email")
    client = web(agent)

    page = client.get(LIST).content.decode()
    assert "Service Email" in page and "60 % met their SLA" in page
    assert "Start initiative" not in page  # an agent without leadership raises none

    response = client.get(url(opportunity))
    assert response.status_code == 200
    page = response.content.decode()
    assert opportunity.summary in page
    chart = response.context["chart_data"]
    assert chart["values"] == [70.0, 60.0, 50.0]
    assert chart["labels"] == ["Feb 2026", "Mar 2026", "Apr 2026"]  # the months, by name
    assert chart["breakdown"]["labels"] == ["Email", "VPN"]
    assert chart["breakdown"]["marked"] == [0]
    assert {line["kind"] for line in chart["lines"]} == {"target", "warning"}
    assert 'id="opportunity-chart-data"' in page and "chart.umd.min.js" in page
    assert "Dismiss" not in page  # only the CSI manager dismisses


def test_it_answers_404_for_a_missing_opportunity(web, agent):
    assert web(agent).get("/improvement/opportunities/999/").status_code == 404


def test_it_refuses_get_on_the_actions(web, csi_manager):
    opportunity = make_opportunity()
    client = web(csi_manager)
    assert client.get(url(opportunity, "start")).status_code == 405
    assert client.get(url(opportunity, "dismiss")).status_code == 405
    assert client.get(SCAN).status_code == 405


# -- the list -------------------------------------------------------------------------------


def test_it_hides_dismissed_opportunities_unless_asked(web, agent, csi_manager):
    kept = make_opportunity(value="Email")
    dismissed = make_opportunity(value="Print", status="dismissed", user=csi_manager)
    client = web(agent)

    def listed(query=""):
        return [row.pk for row in client.get(LIST + query).context["object_list"]]

    assert listed() == [kept.pk]
    assert listed("?status=dismissed") == [dismissed.pk]
    assert sorted(listed("?status=all")) == sorted([kept.pk, dismissed.pk])


def test_it_filters_by_kind_and_sorts_by_strength(web, agent):
    weak = make_opportunity(strength=3)
    strong = make_opportunity(strength=30)
    other = make_opportunity(strength=10, kind="recurring_incidents")
    client = web(agent)
    rows = client.get(LIST).context["object_list"]
    assert [row.pk for row in rows] == [strong.pk, other.pk, weak.pk]
    rows = client.get(LIST + "?kind=recurring_incidents").context["object_list"]
    assert [row.pk for row in rows] == [other.pk]


def test_sorting_by_opportunity_follows_what_the_column_shows(web, agent):
    """The column shows "Service Zeta", the stored title "SLA breaches: service Zeta at 60 %";
    a KPI-wide finding shows the KPI's name. Sorted by what is shown, not by the title."""
    from kaizen.improvement.models import Opportunity

    zeta = make_opportunity(value="zeta")
    alpha = make_opportunity(value="Alpha")
    whole_kpi = make_opportunity(value="Mail")
    Opportunity.objects.filter(pk=whole_kpi.pk).update(
        dimension="", dimension_value="", title="A title that sorts first"
    )
    client = web(agent)
    rows = client.get(LIST + "?sort=title").context["object_list"]
    # "incidents resolved within sla" < "service alpha" < "service zeta"
    assert [row.pk for row in rows] == [whole_kpi.pk, alpha.pk, zeta.pk]
    rows = client.get(LIST + "?sort=-title").context["object_list"]
    assert [row.pk for row in rows] == [zeta.pk, alpha.pk, whole_kpi.pk]


def _table(page: str) -> tuple[list[str], list[list[str]]]:
    """The list's header cells and each row's cells, as text."""

    def text(html: str) -> str:
        return " ".join(re.sub(r"<[^>]+>", " ", html).split())

    table = page[page.index('id="opportunities"') : page.index("</table>")]
    head = [text(cell) for cell in re.findall(r"<th[^>]*>(.*?)</th>", table, re.S)]
    body = table[table.index("<tbody>") :]
    rows = [
        [text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr data-opportunity[^>]*>(.*?)</tr>", body, re.S)
    ]
    return head, rows


def test_the_list_reads_each_opportunity_once_with_its_period_in_words(web, agent):
    make_opportunity(value="Email", strength=12)
    head, rows = _table(web(agent).get(LIST).content.decode())
    assert head == ["Opportunity", "Kind", "Evidence", "Period", "Status", "Last seen", ""]
    today = local_text(timezone.localdate())
    assert rows == [
        [
            "Service Email Incidents resolved within SLA",
            "SLA breach hot spot",
            "60 % met their SLA of 30 incidents",
            "Feb – Apr 2026",  # the evidence's range, 2026-02-01 to 2026-04-30
            "Open",
            today,
            "",
        ]
    ]


def test_it_folds_findings_about_the_same_subject_and_says_how_many(web, agent):
    strong = make_opportunity(value="Email", strength=12, kind="sla_hotspot")
    weak = make_opportunity(value="Email", strength=5, kind="adverse_trend")
    other = make_opportunity(value="Print", strength=8, kind="adverse_trend")
    client = web(agent)
    response = client.get(LIST)
    assert [row.pk for row in response.context["object_list"]] == [strong.pk, other.pk]
    page = response.content.decode()
    assert "1 finding about the same subject as a stronger one is folded under it" in page
    _, rows = _table(page)
    assert rows[0][0] == "Service Email Incidents resolved within SLA Also adverse trend"
    assert f'href="/improvement/opportunities/{weak.pk}/"' in page
    # A filter by kind shows that kind's own rows, nothing folded.
    response = client.get(LIST + "?kind=adverse_trend")
    assert [row.pk for row in response.context["object_list"]] == [other.pk, weak.pk]
    assert "folded" not in response.content.decode()


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2026-03-01", "2026-03-31", "Mar 2026"),
        ("2026-01-01", "2026-03-31", "Jan – Mar 2026"),
        ("2025-11-01", "2026-02-28", "Nov 2025 – Feb 2026"),
        ("2026-09-08", "2026-12-07", "last 90 days"),  # ends today
        ("2026-06-02", "2026-11-30", "2 Jun – 30 Nov 2026"),
        ("2025-12-29", "2026-03-29", "29 Dec 2025 – 29 Mar 2026"),
    ],
)
def test_periods_read_as_people_say_them(start, end, expected):
    assert period_text({"start": start, "end": end}, dt.date(2026, 12, 7)) == expected
    assert period_text({}, dt.date(2026, 12, 7)) == ""


def test_it_offers_start_to_whoever_raises_initiatives_and_scan_to_the_csi_manager(
    web, process_owner, csi_manager
):
    make_opportunity()
    page = web(process_owner).get(LIST).content.decode()
    assert "Start initiative" in page and "Scan now" not in page
    page = web(csi_manager).get(LIST).content.decode()
    assert "Start initiative" in page and "Scan now" in page


def test_the_list_reads_a_constant_number_of_queries(web, agent):
    # 6: the session, the user, the folds (five columns of the filtered rows), the count, the
    # user's process roles (permissions), the page;
    # every figure shown comes from the row's own evidence.
    make_opportunity()
    client = web(agent)
    assert_constant_queries(
        "improvement",
        "opportunity_list",
        lambda: client.get(LIST),
        lambda: [make_opportunity(), make_opportunity(kind="recurring_incidents")],
    )


# -- start, dismiss, scan -------------------------------------------------------------------


def test_it_starts_an_initiative_and_goes_to_it(web, process_owner):
    opportunity = make_opportunity(value="Email")
    response = web(process_owner).post(url(opportunity, "start"))

    initiative = Initiative.objects.get()
    assert response.status_code == 302 and response["Location"] == initiative.get_absolute_url()
    assert initiative.origin == Origin.OPPORTUNITY and initiative.opportunity == opportunity
    assert initiative.owner == process_owner
    opportunity.refresh_from_db()
    assert opportunity.status == OpportunityStatus.STARTED
    assert opportunity.initiative == initiative


def test_it_forbids_starting_for_an_agent_without_leadership(web, agent):
    opportunity = make_opportunity()
    assert web(agent).post(url(opportunity, "start")).status_code == 403
    assert Initiative.objects.count() == 0


def test_it_starts_only_one_initiative_from_an_opportunity(web, process_owner):
    opportunity = make_opportunity()
    client = web(process_owner)
    client.post(url(opportunity, "start"))
    response = client.post(url(opportunity, "start"), follow=True)
    assert Initiative.objects.count() == 1
    assert "started from it already" in response.content.decode()


def test_it_dismisses_with_a_reason_and_journals_who(web, csi_manager):
    opportunity = make_opportunity(strength=12)
    response = web(csi_manager).post(url(opportunity, "dismiss"), {"reason": "A known outage"})

    assert response.status_code == 302 and response["Location"] == LIST
    opportunity.refresh_from_db()
    assert opportunity.status == OpportunityStatus.DISMISSED
    assert opportunity.dismissed_reason == "A known outage"
    assert opportunity.dismissed_by == csi_manager and opportunity.dismissed_strength == 12
    event = JournalEvent.objects.get(event_type=EventType.OPPORTUNITY_DISMISSED)
    assert event.actor == csi_manager and event.subject_id == str(opportunity.pk)


def test_it_needs_a_reason_to_dismiss(web, csi_manager):
    opportunity = make_opportunity()
    response = web(csi_manager).post(url(opportunity, "dismiss"), {"reason": "  "})
    assert response.status_code == 400
    assert response.context["dismiss_form"].errors["reason"]
    opportunity.refresh_from_db()
    assert opportunity.status == OpportunityStatus.OPEN


def test_it_says_an_opportunity_is_dismissed_already(web, csi_manager):
    """A second dismissal (an old tab, a double click) gets the page back with why, not a
    server error."""
    opportunity = make_opportunity(status=OpportunityStatus.DISMISSED, user=csi_manager)
    response = web(csi_manager).post(url(opportunity, "dismiss"), {"reason": "Again"}, follow=True)
    assert response.redirect_chain == [(url(opportunity), 302)]
    (message,) = response.context["messages"]
    assert message.level_tag == "error"
    assert str(message).startswith("only an open opportunity is dismissed")
    opportunity.refresh_from_db()
    assert opportunity.dismissed_reason == "Known already"


def test_it_lets_only_the_csi_manager_dismiss(web, process_owner):
    opportunity = make_opportunity()
    response = web(process_owner).post(url(opportunity, "dismiss"), {"reason": "Not now"})
    assert response.status_code == 403
    opportunity.refresh_from_db()
    assert opportunity.status == OpportunityStatus.OPEN


def test_it_scans_now_for_the_csi_manager_only(web, csi_manager, process_owner):
    today = timezone.localdate()
    last_month = today.replace(day=1) - dt.timedelta(days=10)
    opened = dt.datetime.combine(last_month, dt.time(9))
    insert_incident_facts(
        *(
            {
                "opened_at": opened,
                "resolved_at": opened + dt.timedelta(hours=2),
                "sla_met": number < 10,  # 10 of 25 within SLA
                "service": "Email",
            }
            for number in range(25)
        )
    )
    assert web(process_owner).post(SCAN).status_code == 403
    assert Opportunity.objects.count() == 0

    response = web(csi_manager).post(SCAN, follow=True)

    assert response.redirect_chain[-1][0] == LIST
    assert Opportunity.objects.filter(
        kind="sla_hotspot", dimension="service", dimension_value="Email"
    ).exists()
    page = response.content.decode()
    assert "Scan done:" in page and "Satisfaction drop: not available" in page


def test_the_detail_page_shows_a_control_chart_with_its_limits_and_signals(web, agent):
    finding = Finding(
        kind="control_signal",
        kpi_key="incident.sla_met_pct",
        title="Incidents resolved within SLA: special-cause signal",
        summary="It moved.",
        strength=2,
        evidence={
            "figure": {"unit": "percent", "value": 79.0, "target": 95, "warning": 90},
            "period_kind": "week",
            "series": [
                {"period": "2026-04-20", "value": 96.0, "n": 40},
                {"period": "2026-04-27", "value": 79.0, "n": 40},
            ],
            "control_chart": {
                "centre": 96.0,
                "ucl": 99.0,
                "lcl": 93.0,
                "points": [
                    {"index": 0, "signals": []},
                    {"index": 1, "signals": [1]},
                ],
                "signals": [{"rule": 1, "first_index": 1, "last_index": 1, "adverse": True}],
                "explanation": "The process is not in control.",
            },
        },
    )
    opportunity, _ = do_record_opportunity(finding)
    response = web(agent).get(url(opportunity))
    chart = response.context["chart_data"]
    assert chart["marked"] == [1]
    assert {line["kind"] for line in chart["lines"]} == {
        "target",
        "warning",
        "centre",
        "ucl",
        "lcl",
    }
    data = json.loads(
        response.content.decode()
        .split('id="opportunity-chart-data" type="application/json">')[1]
        .split("</script>")[0]
    )
    assert data["values"] == [96.0, 79.0]
    assert "The process is not in control." in response.content.decode()


def test_the_page_reads_a_constant_number_of_queries(web, agent):
    """An opportunity's page and its timeline: one query for the timeline with who did each,
    however long it is."""
    opportunity = make_opportunity()
    client = web(agent)

    def add_rows():
        from kaizen.journal.services import record_event
        from kaizen.testing import make_user

        record_event(
            EventType.OPPORTUNITY_UPDATED,
            opportunity,
            actor=make_user(),
            data={"note": "looked at it again"},
        )

    add_rows()
    assert_constant_queries(
        "improvement", "opportunity_page", lambda: client.get(url(opportunity)), add_rows
    )
