"""/kpis/: every KPI grouped by process, latest value, status colour, sparkline, the gaps."""

import datetime as dt

import pytest
from django.utils import timezone

from kaizen.kpis.collection import collect_history
from kaizen.kpis.models import Measurement, period_step_back
from kaizen.kpis.selectors import Status, kpi_status
from kaizen.kpis.tests.helpers import EXTERNAL_AVAILABILITY, INCIDENT_VOLUME, make_custom_kpi
from kaizen.testing import assert_constant_queries

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_library")]

URL = "/kpis/"


def store(key: str, start: dt.date, value: float | None, kind: str = "month") -> Measurement:
    return Measurement.objects.create(
        kpi_key=key,
        period_kind=kind,
        period_start=start,
        value=value,
        n=5,
        computed_at=timezone.now(),
        source="engine",
    )


def row_of(response, key: str):
    return next(r for g in response.context["groups"] for r in g.rows if r.key == key)


def this_month() -> dt.date:
    return timezone.localdate().replace(day=1)


def test_it_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_it_forbids_requesters(web, requester):
    assert web(requester).get(URL).status_code == 403


def test_it_is_in_the_agents_navigation_but_not_the_requesters(web, agent, requester):
    assert 'href="/kpis/"' in web(agent).get("/catalog/").content.decode()
    assert 'href="/kpis/"' not in web(requester).get("/catalog/").content.decode()


def test_it_shows_every_kpi_by_process_with_the_gap_explained(web, agent):
    make_custom_kpi(name="P1 resolution time")
    page = web(agent).get(URL).content.decode()
    for text in (
        "Incident management",
        "Service level management",
        "Change enablement",
        "Incidents opened",
        "Service availability",
        "P1 resolution time",
    ):
        assert text in page, text
    assert "Not measurable: change enablement is not in Kaizen yet" in page


def test_it_judges_the_latest_finished_period_and_shows_this_one_so_far(web, agent):
    start = this_month()
    last = period_step_back(start, "month")
    store(INCIDENT_VOLUME.key, start.replace(year=start.year - 1), 50)
    store(INCIDENT_VOLUME.key, last, 15)
    store(INCIDENT_VOLUME.key, start, 3)  # measured now, before the month ends
    response = web(agent).get(URL)
    row = row_of(response, INCIDENT_VOLUME.key)
    assert row.latest.start == last and row.latest.value == 15 and row.status == Status.AMBER
    assert row.current.start == start and row.current.so_far.startswith("so far, ")
    series = response.context["chart_data"]["series"][INCIDENT_VOLUME.key]
    assert len(series["labels"]) == 12 and series["labels"][-1] == f"{start:%b %Y}"
    assert series["values"][-2:] == [15, 3] and series["values"][0] is None
    assert series["notes"][-1] == row.current.so_far
    page = response.content.decode()
    assert 'data-status="amber"' in page and f'data-so-far="{INCIDENT_VOLUME.key}"' in page
    assert "/static/vendor/chartjs/chart.umd.min.js" in page and "cdn" not in page.lower()
    assert "/static/vendor/chartjs-plugin-zoom/chartjs-plugin-zoom.min.js" in page


def test_imported_history_of_any_age_reaches_the_scorecard(web, agent):
    """Data that ends in 2013 is the scorecard's latest, with the twelve months up to it."""
    for month, value in ((1, 4), (2, None), (6, 12), (12, 8)):
        store(INCIDENT_VOLUME.key, dt.date(2013, month, 1), value)
    response = web(agent).get(URL)
    row = row_of(response, INCIDENT_VOLUME.key)
    assert row.latest.label == "Dec 2013" and row.latest.value == 8 and row.current is None
    assert row.status == Status.GREEN
    series = response.context["chart_data"]["series"][INCIDENT_VOLUME.key]
    assert series["labels"][0] == "Jan 2013" and series["labels"][-1] == "Dec 2013"
    assert series["values"] == [4, None, None, None, None, 12, None, None, None, None, None, 8]
    assert "Dec 2013" in response.content.decode()


def test_a_kpi_with_nothing_measured_says_so(web, agent):
    row = row_of(web(agent).get(URL), INCIDENT_VOLUME.key)
    assert row.latest is None and row.periods == []


def test_it_reads_the_period_kind_from_the_query(web, agent):
    week = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday())
    store(INCIDENT_VOLUME.key, week - dt.timedelta(days=7), 3, kind="week")
    response = web(agent).get(URL, {"period": "week"})
    row = row_of(response, INCIDENT_VOLUME.key)
    assert row.latest.value == 3 and row.status == Status.GREEN


def test_it_tells_where_the_figures_came_from_in_human_terms(web, agent):
    run = collect_history()  # syncs the store first, so every event is in the figures
    page = web(agent).get(URL).content.decode()
    assert run.events_behind == 0
    assert "from all events up to then" in page and "journal up to event" not in page


@pytest.mark.parametrize(
    ("definition", "value", "expected"),
    [
        (INCIDENT_VOLUME, 10, Status.GREEN),  # lower is better: at the target
        (INCIDENT_VOLUME, 8, Status.GREEN),
        (INCIDENT_VOLUME, 20, Status.AMBER),  # up to the warning
        (INCIDENT_VOLUME, 21, Status.RED),
        (EXTERNAL_AVAILABILITY, 99.95, Status.GREEN),  # higher is better
        (EXTERNAL_AVAILABILITY, 99.7, Status.AMBER),
        (EXTERNAL_AVAILABILITY, 99.0, Status.RED),
        (EXTERNAL_AVAILABILITY, None, Status.NONE),
    ],
)
def test_it_colours_the_status_from_the_direction_and_thresholds(definition, value, expected):
    assert kpi_status(definition, value) == expected


def test_it_is_red_off_target_when_there_is_no_warning_band():
    kpi = make_custom_kpi(warning=None).to_definition()
    assert kpi_status(kpi, 4.5) == Status.RED and kpi_status(kpi, 3) == Status.GREEN
    assert kpi_status(
        make_custom_kpi(key="custom.x", target=None, warning=None).to_definition(), 3
    ) == (Status.NONE)


def test_it_reads_a_constant_number_of_queries(web, agent):
    client = web(agent)
    counter = iter(range(1, 100))

    def add_rows():
        make_custom_kpi(key=f"custom.kpi-{next(counter)}")
        for months_back in range(3):
            store(
                INCIDENT_VOLUME.key, this_month().replace(year=this_month().year - months_back), 1
            )
            store(
                EXTERNAL_AVAILABILITY.key,
                this_month().replace(year=this_month().year - months_back),
                99,
            )

    make_custom_kpi()
    store(INCIDENT_VOLUME.key, period_step_back(this_month(), "month"), 1)  # no data: 1 less
    assert_constant_queries("kpis", "scorecard", lambda: client.get(URL), add_rows)
