"""Reading import files as a stream: plain, `.gz` or `.zip` CSV, with progress in bytes.

Nothing here loads a whole file: rows come one at a time, so memory stays flat whatever the
file's size.
"""

import csv
import gzip
import hashlib
import io
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

# What a file that is not what its name says raises while it is read: bad text encoding, bad
# CSV quoting, a ".gz" that is not gzip (OSError) or is cut short (EOFError, zlib.error).
UNREADABLE = (UnicodeDecodeError, csv.Error, OSError, EOFError, zlib.error)


class SourceError(Exception):
    """The file cannot be read as an import source (missing, not CSV, empty archive...)."""


@dataclass
class Row:
    number: int  # the line of the file the row starts on (the header is line 1)
    values: dict[str, str]


class _CountingReader(io.RawIOBase):
    """Counts the bytes read from the underlying (compressed or plain) file for progress."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.raw.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self.bytes_read += size
        return size


@dataclass
class OpenedSource:
    name: str
    size: int  # bytes of the file as stored (compressed size for .gz)
    counter: _CountingReader
    text: IO[str]

    @property
    def bytes_read(self) -> int:
        return self.counter.bytes_read


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def open_source(path: Path, encoding: str = "utf-8-sig") -> Iterator[OpenedSource]:
    """Open `path` for streaming text: a .zip holding one CSV, a .gz, or a plain file."""
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".zip":
        try:
            archive = zipfile.ZipFile(path)
        except zipfile.BadZipFile as exc:
            raise SourceError(f"{path}: not a readable zip archive ({exc})") from exc
        with archive:
            members = [info for info in archive.infolist() if not info.is_dir()]
            csv_members = [info for info in members if info.filename.lower().endswith(".csv")]
            chosen = csv_members or members
            if len(chosen) != 1:
                raise SourceError(f"{path}: the archive must hold exactly one CSV file")
            with archive.open(chosen[0]) as raw:
                yield _opened(
                    f"{path.name}:{chosen[0].filename}", chosen[0].file_size, raw, encoding
                )
        return
    with path.open("rb") as handle:
        size = path.stat().st_size
        if suffix == ".gz":
            counter = _CountingReader(handle)
            with gzip.GzipFile(fileobj=io.BufferedReader(counter)) as unzipped:
                text = io.TextIOWrapper(unzipped, encoding=encoding, newline="")
                yield OpenedSource(path.name, size, counter, text)
            return
        yield _opened(path.name, size, handle, encoding)


def _opened(name: str, size: int, raw: IO[bytes], encoding: str) -> OpenedSource:
    counter = _CountingReader(raw)
    text = io.TextIOWrapper(io.BufferedReader(counter, 1 << 16), encoding=encoding, newline="")
    return OpenedSource(name, size, counter, text)


def csv_rows(source: OpenedSource, *, required: tuple[str, ...] = ()) -> Iterator[Row]:
    """The rows of a CSV source as dicts keyed by the header. Missing required columns are a
    SourceError (nothing can be imported); a row with the wrong number of cells is returned
    with what it has (the importer reports it)."""
    reader = csv.reader(source.text)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise SourceError(f"{source.name}: the file is empty") from None
    except UNREADABLE as exc:
        raise SourceError(f"{source.name}: not a readable CSV file ({exc})") from exc
    missing = [name for name in required if name not in header]
    if missing:
        raise SourceError(f"{source.name}: missing column(s): {', '.join(missing)}")
    width = len(header)
    try:
        for cells in reader:
            line = reader.line_num
            if not cells:
                continue
            if len(cells) != width:
                yield Row(line, {"__width__": f"{len(cells)} cells, expected {width}"})
                continue
            yield Row(line, dict(zip(header, cells, strict=True)))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise SourceError(
            f"{source.name}: unreadable after line {reader.line_num} ({exc})"
        ) from exc
