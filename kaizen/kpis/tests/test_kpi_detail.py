"""/kpis/<key>/: definition, chart over time, breakdown, data quality, measurement provenance."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from kaizen.kpis.models import Measurement, period_after, period_step_back
from kaizen.kpis.selectors import Status
from kaizen.kpis.services import do_collect_measurements
from kaizen.kpis.tests.helpers import (
    EXTERNAL_AVAILABILITY,
    INCIDENT_VOLUME,
    insert_incident_facts,
    make_custom_kpi,
    record_points,
)
from kaizen.testing import assert_constant_queries

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_library")]


def url(key: str) -> str:
    return f"/kpis/{key}/"


def chart_data(page: str) -> dict:
    return json.loads(page.split('id="kpi-chart-data" type="application/json">')[1].split("<")[0])


@pytest.fixture
def availability():
    record_points(
        EXTERNAL_AVAILABILITY.key,
        {"occurred_at": "2026-03-02T08:00:00Z", "value": 99.0, "service": "Email"},
        {"occurred_at": "2026-03-09T08:00:00Z", "value": 100.0, "service": "VPN"},
    )
    do_collect_measurements(actor=None, keys=[EXTERNAL_AVAILABILITY.key], period_kinds=["month"])
    return EXTERNAL_AVAILABILITY


def test_it_forbids_requesters(web, requester, availability):
    assert web(requester).get(url(availability.key)).status_code == 403


def test_it_answers_404_for_an_unknown_kpi(web, agent):
    assert web(agent).get(url("no.such_kpi")).status_code == 404


def test_it_shows_the_definition_and_the_measurements_with_provenance(web, agent, availability):
    response = web(agent).get(url(availability.key))
    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "Service availability",
        "mean of the reported availability",
        "Higher is better",
        "99.9 %",
        "from 2 data points (",
    ):
        assert text in page, text
    data = chart_data(page)
    assert data["labels"] == ["Mar 2026"] and data["values"] == [99.5]
    assert data["target"] == 99.9 and data["suffix"] == " %"
    assert "Measured" in page and "journal up to event" not in page


def test_it_breaks_down_by_a_chosen_dimension_measuring_now_when_nothing_is_stored(
    web, agent, availability
):
    response = web(agent).get(url(availability.key), {"by": "service"})
    assert response.context["measured_now"] is True
    assert [(row["value"], row["figure"]) for row in response.context["breakdown"]] == [
        ("Email", 99.0),
        ("VPN", 100.0),
    ]
    assert "measured now, not stored" in response.content.decode()


def test_it_uses_stored_breakdowns_when_collected(web, agent, availability):
    do_collect_measurements(
        actor=None, keys=[availability.key], period_kinds=["month"], breakdowns=["service"]
    )
    response = web(agent).get(url(availability.key), {"by": "service"})
    assert response.context["measured_now"] is False
    assert len(response.context["breakdown"]) == 2


def test_it_links_custom_kpis_to_their_form_for_managers_only(web, agent, improvement_manager):
    kpi = make_custom_kpi(
        source="external",
        period_column="occurred_at",
        column="value",
        filters=[],
        key="custom.uptime",
        direction="higher",
        target=99,
        warning=98,
        aggregate="mean",
    )
    edit = f'href="/kpis/{kpi.key}/edit/"'
    assert edit not in web(agent).get(url(kpi.key)).content.decode()
    page = web(improvement_manager).get(url(kpi.key)).content.decode()
    assert edit in page and f'href="/kpis/{kpi.key}/upload/"' in page
    assert "Custom KPI created" in page  # its timeline


def test_it_shows_a_not_measurable_kpi_with_its_reason(web, agent):
    page = web(agent).get(url("test.change_success")).content.decode()
    assert "change enablement is not in Kaizen yet" in page
    assert Measurement.objects.count() == 0
    assert timezone.now()  # nothing measured, nothing stored


# -- incidents only in 2012-2013 and this month: the range, gaps, folds, "so far" ---------------


def months_between(first: dt.date, last: dt.date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


@pytest.fixture
def old_and_new():
    """Incidents opened in Mar 2012 (2), Apr 2012 (1), Nov 2013 (3) and this month (1), then
    the whole history measured by month (test.incidents_opened: target 10, warning 20)."""
    this_month = timezone.localdate().replace(day=1)
    insert_incident_facts(
        {"opened_at": dt.datetime(2012, 3, 5, 12)},
        {"opened_at": dt.datetime(2012, 3, 20, 12)},
        {"opened_at": dt.datetime(2012, 4, 10, 12)},
        *({"opened_at": dt.datetime(2013, 11, day, 12)} for day in (4, 12, 20)),
        {"opened_at": dt.datetime.combine(this_month, dt.time(0, 1))},
    )
    do_collect_measurements(actor=None, keys=[INCIDENT_VOLUME.key], period_kinds=["month"])
    return this_month


def test_it_shows_where_the_data_is_with_gaps_not_zeros(web, agent, old_and_new):
    this_month = old_and_new
    months = months_between(dt.date(2012, 3, 1), this_month)
    response = web(agent).get(url(INCIDENT_VOLUME.key))
    data = chart_data(response.content.decode())
    assert len(data["labels"]) == len(data["values"]) == months
    assert data["labels"][:3] == ["Mar 2012", "Apr 2012", "May 2012"]
    assert data["labels"][-1] == f"{this_month:%b %Y}"
    nov_2013 = months_between(dt.date(2012, 3, 1), dt.date(2013, 11, 1)) - 1
    measured = {index: value for index, value in enumerate(data["values"]) if value is not None}
    assert measured == {0: 2, 1: 1, nov_2013: 3, months - 1: 1}
    assert 0 not in data["values"]  # empty months are gaps (null), never zeros
    days = (period_after(this_month, "month") - this_month).days
    today = timezone.localdate().day
    assert data["notes"][-1] == f"so far, {today} day{'s' if today != 1 else ''} of {days}"
    assert data["notes"][:-1] == [""] * (months - 1)


def test_it_folds_the_empty_years_and_does_not_judge_this_month(web, agent, old_and_new):
    this_month = old_and_new
    last_month = period_step_back(this_month, "month")
    response = web(agent).get(url(INCIDENT_VOLUME.key))
    lines = [(line.label, line.folded, line.count) for line in response.context["lines"]]
    assert lines == [
        (f"{this_month:%b %Y}", False, 1),
        (f"Dec 2013 – {last_month:%b %Y}", True, months_between(dt.date(2013, 12, 1), last_month)),
        ("Nov 2013", False, 1),
        ("May 2012 – Oct 2013", True, 18),
        ("Apr 2012", False, 1),
        ("Mar 2012", False, 1),
    ]
    page = response.content.decode()
    assert 'No incidents opened <span class="small">(18 months)</span>' in page
    # This month is shown so far and not judged; the status is Nov 2013's (3, on target).
    assert response.context["current"].start == this_month
    assert response.context["latest"].label == "Nov 2013"
    assert response.context["status"] == Status.GREEN
    assert 'data-status="so_far"' in page and "not judged until it ends" in page
    assert page.count('data-status="so_far"') == 1


def test_the_quality_panel_speaks_in_words_and_agrees_with_the_table(web, agent, old_and_new):
    this_month = old_and_new
    last_month = period_step_back(this_month, "month")
    quiet = months_between(dt.date(2013, 12, 1), last_month)
    panel = web(agent).get(url(INCIDENT_VOLUME.key)).context["quality"]
    assert panel.label == "Fair"
    assert panel.lines == [
        f"7 incidents in Mar 2012 – {this_month:%b %Y}.",
        "Opened at filled for all of them.",
        "No incidents opened in May 2012 – Oct 2013 (18 months).",
        f"No incidents opened in Dec 2013 – {last_month:%b %Y} ({quiet} months).",
    ]


def test_a_chosen_range_shows_its_periods_and_says_which_were_never_measured(
    web, agent, old_and_new
):
    response = web(agent).get(
        url(INCIDENT_VOLUME.key), {"start": "2012-01-01", "end": "2012-12-31"}
    )
    data = chart_data(response.content.decode())
    assert data["labels"][0] == "Jan 2012" and data["labels"][-1] == "Dec 2012"
    assert data["values"] == [None, None, 2, 1] + [None] * 8
    lines = [(line.label, line.folded, line.measured) for line in response.context["lines"]]
    assert lines == [
        ("May 2012 – Dec 2012", True, True),
        ("Apr 2012", False, True),
        ("Mar 2012", False, True),
        ("Jan 2012 – Feb 2012", True, False),  # before the data: never measured
    ]
    assert "Not measured" in response.content.decode()
    assert response.context["quality"].lines[0] == "3 incidents in Mar 2012 – Apr 2012."


def test_a_range_ending_before_it_starts_names_the_field(web, agent, old_and_new):
    response = web(agent).get(
        url(INCIDENT_VOLUME.key), {"start": "2013-01-01", "end": "2012-01-01"}
    )
    assert response.status_code == 200
    assert "To must not be before From." in response.content.decode()


def test_it_reads_a_constant_number_of_queries(web, agent, old_and_new):
    client = web(agent)
    counter = iter(range(1, 100))

    def add_rows():
        for _ in range(3):
            insert_incident_facts({"opened_at": dt.datetime(2010, 1, next(counter), 12)})
        do_collect_measurements(
            actor=None, keys=[INCIDENT_VOLUME.key], period_kinds=["month"], breakdowns=["service"]
        )

    assert_constant_queries(
        "kpis",
        "kpi_detail",
        lambda: client.get(url(INCIDENT_VOLUME.key), {"by": "service"}),
        add_rows,
    )
