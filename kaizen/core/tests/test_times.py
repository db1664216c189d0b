"""One format for every time on every page, in the reader's time zone (kaizen.core.times)."""

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import timezone

from kaizen.core.times import exact_text, local_text, relative_text

MOMENT = dt.datetime(2026, 3, 5, 23, 7, 9, 123456, tzinfo=dt.UTC)


def render(source: str, **context) -> str:
    return Template("{% load kaizen %}" + source).render(Context(context))


def test_it_shows_a_time_in_the_reader_s_zone_with_the_exact_instant_as_tooltip():
    with timezone.override("Europe/Paris"):
        assert render("{{ at|when }}", at=MOMENT) == (
            '<time datetime="2026-03-05T23:07:09Z" title="Fri 6 Mar 2026, 00:07:09 CET">'
            "6 Mar 2026, 00:07</time>"
        )
    with timezone.override("America/New_York"):
        assert local_text(MOMENT) == "5 Mar 2026, 18:07"
        assert exact_text(MOMENT) == "Thu 5 Mar 2026, 18:07:09 EST"


def test_it_shows_the_same_text_as_the_date_filter_did():
    with timezone.override("Asia/Tokyo"):
        expected = Template("{{ at|date:'j M Y, H:i' }}").render(Context({"at": MOMENT}))
        assert local_text(MOMENT) == expected == "6 Mar 2026, 08:07"


def test_it_shows_dates_and_the_other_styles():
    with timezone.override("Europe/Paris"):
        assert local_text(MOMENT, "date") == "6 Mar 2026"
        assert local_text(MOMENT, "weekday") == "Fri 6 Mar 2026, 00:07"
        assert local_text(dt.date(2026, 12, 25)) == "25 Dec 2026"
        assert local_text(dt.date(2026, 12, 25), "weekday") == "Fri 25 Dec 2026"
        assert render("{{ day|when }}", day=dt.date(2026, 12, 25)) == (
            '<time datetime="2026-12-25" title="Fri 25 Dec 2026">25 Dec 2026</time>'
        )


def test_it_says_how_long_ago_or_until():
    now = timezone.now()
    assert relative_text(now - dt.timedelta(days=3, hours=5)) == "3\xa0days ago"
    assert relative_text(now + dt.timedelta(hours=2, minutes=30)) == "in 2\xa0hours"
    assert relative_text(now - dt.timedelta(seconds=20)) == "less than a minute ago"
    assert relative_text(now + dt.timedelta(seconds=50)) == "in less than a minute"


def test_it_shows_nothing_for_no_value_so_default_applies():
    assert render('{{ at|when|default:"never" }}', at=None) == "never"


def test_it_refuses_an_unknown_style():
    with pytest.raises(ValueError, match="unknown time style 'long'"):
        render('{{ at|when:"long" }}', at=MOMENT)


def test_it_writes_the_iso_dates_of_a_stored_text_as_pages_do():
    """Explanations and summaries stored with ISO dates read like every page at display time
    (the stored text is left as it is)."""
    stored = (
        "baseline 71.2 % over 8 weeks (2026-01-05 to 2026-02-23); beyond the limits at "
        "2026-03-02T00:00:00+00:00; run 2026-03-05 23:07 UTC; ref INC-2026-03-05-1 and 12-2026-01"
    )
    with timezone.override("Europe/Paris"):
        assert render("{{ text|dated }}", text=stored) == (
            "baseline 71.2 % over 8 weeks (5 Jan 2026 to 23 Feb 2026); beyond the limits at "
            "2 Mar 2026, 01:00; run 6 Mar 2026, 00:07 UTC; ref INC-2026-03-05-1 and 12-2026-01"
        )
    assert render("{{ text|dated }}", text="<b>2026-13-45</b>") == "&lt;b&gt;2026-13-45&lt;/b&gt;"
    assert render("{{ text|dated }}", text=None) == ""
