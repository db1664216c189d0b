"""Progress of a long command: a tqdm bar on a terminal, plain lines anywhere else.

A bar redraws one line with carriage returns, which a CI log or a file keeps as one endless
line. When the stream is not a terminal the same state (formatted by tqdm all the same) is
written as a whole line at most every `every` seconds, and once more at the end. Work that
ends before its first update shows nothing.
"""

import time
from typing import IO, Any

from tqdm import tqdm

LINE_FORMAT = (
    "{desc}: {percentage:3.0f}% {n_fmt}/{total_fmt}{unit} [{elapsed}<{remaining}{postfix}]"
)


def is_terminal(stream: IO[str]) -> bool:
    return bool(getattr(stream, "isatty", None) and stream.isatty())


class Progress:
    """`update(n, total=..., **figures)` as work goes on; `close()` (or `with`) at the end."""

    def __init__(
        self,
        stream: IO[str],
        desc: str,
        *,
        total: float | None = None,
        unit: str = "it",
        unit_scale: bool = False,
        every: float = 10.0,
        enabled: bool = True,
    ) -> None:
        self.stream = stream
        self.desc = desc
        self.total = total
        self.unit = unit
        self.unit_scale = unit_scale
        self.every = every
        self.n: float = 0
        self.figures: dict[str, Any] = {}
        self._started = time.monotonic()
        self._last_line: float | None = None
        self._updated = False
        self._closed = False
        terminal = is_terminal(stream)
        self._draws = enabled and terminal
        self._lines = enabled and not terminal
        self._bar: tqdm | None = None  # drawn from the first update on

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def update(self, n: float, *, total: float | None = None, **figures: Any) -> None:
        self.n = n
        self._updated = True
        if total is not None:
            self.total = total
        self.figures = figures
        if self._draws:
            if self._bar is None:
                self._bar = tqdm(
                    desc=self.desc, unit=self.unit, unit_scale=self.unit_scale, file=self.stream
                )
            self._bar.total = self.total
            self._bar.n = n
            self._bar.set_postfix(figures, refresh=False)
            self._bar.refresh()
        elif self._lines:
            now = time.monotonic()
            if self._last_line is None or now - self._last_line >= self.every:
                self._last_line = now
                self._write_line()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._bar is not None:
            self._bar.close()
        if self._lines and self._updated:
            self._write_line()

    def line(self) -> str:
        postfix = ", ".join(f"{name}={value}" for name, value in self.figures.items())
        return tqdm.format_meter(
            self.n,
            self.total,
            time.monotonic() - self._started,
            prefix=self.desc,
            unit=self.unit,
            unit_scale=self.unit_scale,
            postfix=postfix or None,
            bar_format=LINE_FORMAT if self.total else None,
        )

    def _write_line(self) -> None:
        self.stream.write(self.line() + "\n")
        self.stream.flush()
