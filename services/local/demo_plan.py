"""What ``lsa demo`` loads, as plain data: clients, programs, deliverables, accounts, CSV rows.

Everything is a pure function of the client's number and ``today`` (always
:func:`shared.clock.today` in use, never a fixed date), so a run next month plans the same
portfolio around next month and a second run on the same day plans exactly the same one —
which is what makes ``lsa demo`` idempotent together with the system's own rules (a ``PUT``
replaces, a connection is reused, an imported day replaces the earlier import of that day).

Client ``n`` is ``demo-client-NN``, the person behind the emulator's generated demo creator
``demo_NN`` (``emulator/creators.py``), and connects 2 or 3 of that person's platforms: every
platform appears, Instagram, TikTok and YouTube most.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from emulator.creators import DEMO_CREATORS, followers

MAX_CLIENTS = len(DEMO_CREATORS)
"""One generated demo creator per client, so at most 99 clients."""
HISTORY_DAYS = 365
"""The year of daily history every account gets."""
DELIVERABLE_EVERY_DAYS = 30
"""One deliverable (M1, M2, …) falls due every 30 days from the program's start."""
PROGRAM_DAYS = 365

#: The platforms each client connects, in turn (client 1 the first set, client 11 the first
#: again). Across ten clients: Instagram 7, TikTok 6, YouTube 6, X, Facebook and LinkedIn 2.
PLATFORM_SETS: tuple[tuple[str, ...], ...] = (
    ("instagram", "tiktok", "youtube"),
    ("instagram", "youtube"),
    ("instagram", "tiktok", "x"),
    ("tiktok", "youtube"),
    ("instagram", "facebook", "youtube"),
    ("instagram", "tiktok"),
    ("instagram", "youtube", "linkedin"),
    ("tiktok", "x"),
    ("instagram", "facebook"),
    ("tiktok", "youtube", "linkedin"),
)
_TIMEZONES = (
    "Europe/Berlin",
    "America/New_York",
    "Europe/London",
    "America/Los_Angeles",
    "Asia/Singapore",
    "Australia/Sydney",
    "Europe/Madrid",
)
_TITLES = (
    "Kick-off and goals",
    "Content audit",
    "Posting plan",
    "Profile refresh",
    "First collaboration",
    "Live Q&A",
    "Quarter review",
    "Series launch",
    "Community week",
    "Growth review",
    "Campaign wrap-up",
    "Year plan",
    "Final review",
)


@dataclass(frozen=True)
class DeliverablePlan:
    code: str
    title: str
    due_on: date
    completed_on: date | None


@dataclass(frozen=True)
class ClientPlan:
    """One demo client: their program, the demo account they own and the platforms they use."""

    number: int
    client_id: str
    name: str
    email: str
    timezone: str
    program_start: date
    program_end: date
    follower_goal: int | None
    account: str
    platforms: tuple[str, ...]
    deliverables: tuple[DeliverablePlan, ...]

    def program_body(self) -> dict[str, object]:
        """The body of ``PUT /api/admin/social/clients/{id}/program``."""
        return {
            "name": self.name,
            "email": self.email,
            "timezone": self.timezone,
            "program_start": self.program_start.isoformat(),
            "program_end": self.program_end.isoformat(),
            "follower_goal": self.follower_goal,
        }


def deliverable_body(deliverable: DeliverablePlan) -> dict[str, object]:
    """The body of ``PUT /api/admin/social/clients/{id}/deliverables/{code}``."""
    completed = deliverable.completed_on
    return {
        "title": deliverable.title,
        "due_on": deliverable.due_on.isoformat(),
        "completed_on": completed.isoformat() if completed else None,
    }


def program_start(number: int, today: date) -> date:
    """Between 75 and 344 days ago: every client is months into a one-year program."""
    return today - timedelta(days=75 + (number * 53) % 270)


def deliverables(number: int, start: date, today: date) -> tuple[DeliverablePlan, ...]:
    """M1, M2, … one due every 30 days; those due by today are done (up to 3 days early or 4
    late), unless their completion would lie after today (overdue, still open); then one or two
    more due later, still open."""
    due_by_today = (today - start).days // DELIVERABLE_EVERY_DAYS
    upcoming = 1 + number % 2
    plans = []
    for k in range(1, due_by_today + upcoming + 1):
        due = start + timedelta(days=DELIVERABLE_EVERY_DAYS * k)
        slip = (number * 3 + k * 5) % 8 - 3
        completed = due + timedelta(days=slip) if due <= today else None
        plans.append(
            DeliverablePlan(
                code=f"M{k}",
                title=_TITLES[(k - 1) % len(_TITLES)],
                due_on=due,
                completed_on=completed if completed is not None and completed <= today else None,
            )
        )
    return tuple(plans)


def client_plan(number: int, today: date) -> ClientPlan:
    """Demo client ``number`` (1 … 99) around ``today``."""
    if not 1 <= number <= MAX_CLIENTS:
        raise ValueError(f"demo clients are numbered 1 … {MAX_CLIENTS}, not {number}")
    creator = DEMO_CREATORS[number - 1]
    start = program_start(number, today)
    platforms = PLATFORM_SETS[(number - 1) % len(PLATFORM_SETS)]
    goal = None
    if number % 4:  # three in four clients have a follower goal: about +25 % on today
        goal = max(100, round(followers(creator, today) * len(platforms) * 1.25 / 100) * 100)
    first, last = creator.display_name.lower().split()
    return ClientPlan(
        number=number,
        client_id=f"demo-client-{number:02d}",
        name=creator.display_name,
        email=f"{first}.{last}.{number:02d}@example.com",
        timezone=_TIMEZONES[number % len(_TIMEZONES)],
        program_start=start,
        program_end=start + timedelta(days=PROGRAM_DAYS),
        follower_goal=goal,
        account=creator.key,
        platforms=platforms,
        deliverables=deliverables(number, start, today),
    )


def portfolio(count: int, today: date) -> list[ClientPlan]:
    """The first ``count`` demo clients."""
    if not 1 <= count <= MAX_CLIENTS:
        raise ValueError(f"the demo portfolio has 1 … {MAX_CLIENTS} clients, not {count}")
    return [client_plan(n, today) for n in range(1, count + 1)]


def import_range(today: date) -> tuple[date, date]:
    """The days a history import sends for every account: the whole year before today.

    The days the platform reported itself are skipped by the import (it never replaces them)
    and listed in its answer, so the rows need not know where each platform's own history
    begins: they fill what it lacks — Instagram's year before its 30 days, all of TikTok's and
    X's year, and the days a platform reports late (YouTube's two-day lag), so an account's
    follower counts reach back a year from its first day.
    """
    return today - timedelta(days=HISTORY_DAYS), today - timedelta(days=1)


def history_csv(days: Iterable[Mapping[str, object]]) -> str:
    """The import's CSV (``date,followers,following,posts``) from the emulator's day counts;
    an unknown count is left empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("date", "followers", "following", "posts"))
    for day in days:
        writer.writerow(
            tuple(
                "" if day.get(column) is None else day[column]
                for column in ("date", "followers", "following", "posts")
            )
        )
    return out.getvalue()
