"""Reading a history import: a CSV of an account's earlier daily counts, checked row by row.

The file has a header line naming its columns — ``date`` and ``followers``, optionally
``following`` and ``posts``, in any order, case and spaces ignored — then one row per day::

    date,followers,following,posts
    2026-03-01,5000,310,120
    2026-03-02,5012,,121

``date`` is a UTC day (``YYYY-MM-DD``) from 2000-01-01 to today, each day once; ``followers``
is required, a whole number ≥ 0; ``following`` and ``posts`` may be left empty (unknown).
Blank lines and trailing separators are ignored. Every bad row is reported with its line
number (the header is line 1) and the reason; a file with any bad row is refused whole, so an
import is never half done.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

from services.analytics.history import ImportRow
from shared.date_params import EARLIEST

REQUIRED = ("date", "followers")
OPTIONAL = ("following", "posts")
HEADER = "date,followers[,following,posts]"
#: The largest count a day's column holds (a 32-bit integer).
MAX_COUNT = 2_147_483_647
#: Bad rows listed at most; the rest are counted in one last entry.
MAX_ERRORS = 1000
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_WHOLE = re.compile(r"[0-9]+")
_NEGATIVE = re.compile(r"-[0-9]+")


@dataclass(frozen=True)
class RowError:
    """One problem of one line, in FastAPI's validation-error shape (see :meth:`as_detail`)."""

    line: int
    column: str | None
    type: str
    msg: str
    input: str | None = None
    ctx: dict[str, object] | None = None

    def as_detail(self) -> dict[str, object]:
        loc: list[object] = ["body", self.line]
        if self.column is not None:
            loc.append(self.column)
        detail: dict[str, object] = {
            "type": self.type,
            "loc": loc,
            "msg": self.msg,
            "input": self.input,
        }
        if self.ctx is not None:
            detail["ctx"] = self.ctx
        return detail


@dataclass
class ParsedImport:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def details(self) -> list[dict[str, object]]:
        """The errors for a 422 body: at most :data:`MAX_ERRORS`, then how many more."""
        shown = [e.as_detail() for e in self.errors[:MAX_ERRORS]]
        if len(self.errors) > MAX_ERRORS:
            rest = len(self.errors) - MAX_ERRORS
            shown.append(
                {
                    "type": "too_many_errors",
                    "loc": ["body"],
                    "msg": f"{rest} more problems not listed",
                    "input": None,
                }
            )
        return shown


def _header(cells: list[str], line: int) -> tuple[list[str], list[RowError]]:
    names = [cell.strip().lower() for cell in cells]
    while names and not names[-1]:  # a trailing separator
        names.pop()
    errors = []
    for name in names:
        if name not in REQUIRED + OPTIONAL:
            msg = f"unknown column {name!r} (expected {HEADER})"
            errors.append(RowError(line, None, "header", msg, name))
    for name in sorted({n for n in names if names.count(n) > 1}):
        errors.append(RowError(line, None, "header", f"column {name!r} appears twice", name))
    for name in REQUIRED:
        if name not in names:
            msg = f"column {name!r} is missing (expected {HEADER})"
            errors.append(RowError(line, None, "header", msg))
    return names, errors


def _day(value: str, line: int, today: date, seen: dict[date, int]) -> date | RowError:
    if not value:
        return RowError(line, "date", "missing", "date is missing", value)
    if not _DATE.fullmatch(value):
        return RowError(line, "date", "date_invalid", "not a date (YYYY-MM-DD)", value)
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return RowError(line, "date", "date_invalid", "not a date of the calendar", value)
    if day < EARLIEST:
        ctx: dict[str, object] = {"earliest": EARLIEST.isoformat()}
        return RowError(line, "date", "date_out_of_range", "before 2000-01-01", value, ctx)
    if day > today:
        ctx = {"latest": today.isoformat()}
        msg = f"in the future (the last day allowed is today, {today.isoformat()} UTC)"
        return RowError(line, "date", "date_in_future", msg, value, ctx)
    if day in seen:
        first = seen[day]
        msg = f"{value} is already on line {first}"
        return RowError(line, "date", "date_duplicate", msg, value, {"first_line": first})
    return day


def _count(value: str, line: int, column: str, *, required: bool) -> int | RowError | None:
    if not value:
        if required:
            return RowError(line, column, "missing", f"{column} is missing", value)
        return None
    if _NEGATIVE.fullmatch(value):
        return RowError(line, column, "negative", f"{column} is negative", value)
    if not _WHOLE.fullmatch(value):
        return RowError(line, column, "int_parsing", f"{column} is not a whole number", value)
    number = int(value)
    if number > MAX_COUNT:
        msg = f"{column} is too large (at most {MAX_COUNT})"
        return RowError(line, column, "too_large", msg, value)
    return number


def parse_history_csv(text: str, today: date) -> ParsedImport:
    """The rows of ``text`` if every one is good; else every problem found (and no rows)."""
    parsed = ParsedImport()
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=True)
    names: list[str] | None = None
    seen: dict[date, int] = {}
    last_line = 0
    try:
        for cells in reader:
            line, last_line = last_line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # a blank line
            if names is None:
                names, errors = _header(cells, line)
                if errors:
                    parsed.errors = errors
                    return parsed
                continue
            _row(parsed, names, cells, line, today, seen)
    except csv.Error as error:
        parsed.errors.append(RowError(last_line + 1, None, "csv", f"not readable CSV: {error}"))
        parsed.rows = []
        return parsed
    if names is None:
        parsed.errors.append(
            RowError(1, None, "header_missing", f"the header line is missing ({HEADER})")
        )
    elif not parsed.rows and not parsed.errors:
        parsed.errors.append(
            RowError(last_line + 1, None, "no_rows", "no rows after the header: nothing to import")
        )
    if parsed.errors:
        parsed.rows = []
    return parsed


def _row(
    parsed: ParsedImport,
    names: list[str],
    cells: list[str],
    line: int,
    today: date,
    seen: dict[date, int],
) -> None:
    while len(cells) > len(names) and not cells[-1].strip():
        cells = cells[:-1]  # trailing separators, as spreadsheets write them
    if len(cells) > len(names):
        msg = f"{len(cells)} fields, the header has {len(names)}"
        parsed.errors.append(RowError(line, None, "row_length", msg, ",".join(cells)))
        return
    padded = [c.strip() for c in cells] + [""] * (len(names) - len(cells))
    values = dict(zip(names, padded, strict=True))
    problems: list[RowError] = []
    day = _day(values["date"], line, today, seen)
    if isinstance(day, RowError):
        problems.append(day)
    else:
        seen[day] = line
    counts: dict[str, int | None] = {}
    for column in ("followers", *OPTIONAL):
        if column not in values:
            counts[column] = None
            continue
        value = _count(values[column], line, column, required=column == "followers")
        if isinstance(value, RowError):
            problems.append(value)
        else:
            counts[column] = value
    if problems or isinstance(day, RowError):
        parsed.errors.extend(problems)
        return
    followers = counts["followers"]
    assert followers is not None  # required: a missing one is a problem above
    parsed.rows.append(ImportRow(day, followers, counts["following"], counts["posts"]))
