"""Progress: a tqdm bar on a terminal, whole lines (no carriage returns) anywhere else."""

import io

from kaizen.core import progress
from kaizen.core.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_off_a_terminal_it_writes_a_line_at_most_every_interval_and_one_at_the_end(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(progress.time, "monotonic", clock)
    out = io.StringIO()
    bar = Progress(out, "log.csv", total=1000, unit="B", every=10)
    bar.update(100, rows=10)  # the first update is shown at once
    clock.now += 4
    bar.update(200, rows=20)  # 4 s later: held back
    clock.now += 6
    bar.update(500, rows=50)  # 10 s after the first line
    clock.now += 2
    bar.update(1000, rows=100)
    bar.close()
    bar.close()  # a second close writes nothing more
    assert out.getvalue() == (
        "log.csv:  10% 100/1000B [00:00<?, rows=10]\n"
        "log.csv:  50% 500/1000B [00:10<00:10, rows=50]\n"
        "log.csv: 100% 1000/1000B [00:12<00:00, rows=100]\n"
    )


def test_the_total_can_arrive_with_an_update_and_can_stay_unknown():
    out = io.StringIO()
    with Progress(out, "Replay", unit=" incidents") as bar:
        bar.update(3)
    with Progress(out, "Demo incidents", unit=" incidents") as bar:
        bar.update(30, total=300)
    lines = out.getvalue().splitlines()
    assert len(lines) == 4  # each: the first update, and the end
    assert lines[1].startswith("Replay: 3 incidents [00:00")
    assert lines[3].startswith("Demo incidents:  10% 30/300 incidents [00:00<")


def test_work_that_never_updates_shows_nothing():
    for stream in (io.StringIO(), Terminal()):
        with Progress(stream, "Demo incidents", total=300):
            pass
        assert stream.getvalue() == ""


def test_on_a_terminal_it_draws_one_bar_redrawn_in_place():
    out = Terminal()
    with Progress(out, "log.csv", total=1000, unit="B") as bar:
        bar.update(500, rows=50)
        bar.update(1000, rows=100)
    text = out.getvalue()
    assert "\r" in text and text.count("\n") == 1  # redrawn in place, one line left at the end
    assert "log.csv: 100%" in text and "rows=100" in text


def test_disabled_it_writes_nothing():
    for stream in (io.StringIO(), Terminal()):
        with Progress(stream, "log.csv", total=10, enabled=False) as bar:
            bar.update(10)
        assert stream.getvalue() == ""
