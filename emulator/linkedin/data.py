"""LinkedIn's view of the shared demo creators: member ids, posts, analytics, API versions."""

import string
from datetime import date, datetime, time, timedelta

from emulator.creators import (
    ALL_CREATORS,
    Creator,
    day_activity,
    is_video,
    post_dates,
    post_stats,
    posts_published,
    stable_int,
)

SCOPES: dict[str, str] = {
    "openid": "Use your name and photo (OpenID Connect)",
    "profile": "Use your name and photo",
    "email": "Use the primary email address associated with your LinkedIn account",
    "r_member_profileAnalytics": "Retrieve your profile analytics, including followers",
    "r_member_postAnalytics": "Retrieve your posts and their reporting data",
    "r_member_social": "Retrieve your posts, comments and likes (restricted)",
    "w_member_social": "Create, modify and delete posts, comments and reactions on your behalf",
    "r_organization_social": "Retrieve your organizations' posts, comments and likes",
    "rw_organization_admin": "Manage your organizations' pages and retrieve reporting data",
}
"""Scopes the demo app is approved for (a real app gets only the products it was granted)."""

PROFILE_SCOPES = frozenset({"openid", "profile"})
FOLLOWERS_SCOPE = "r_member_profileAnalytics"
POST_ANALYTICS_SCOPE = "r_member_postAnalytics"
POSTS_SCOPE = "r_member_social"

QUERY_TYPES: tuple[str, ...] = ("IMPRESSION", "MEMBERS_REACHED", "RESHARE", "REACTION", "COMMENT")
TOTAL_ONLY: frozenset[str] = frozenset({"MEMBERS_REACHED"})
"""Unique reach cannot be split by day: LinkedIn serves it with ``aggregation=TOTAL`` only."""
METRIC_TYPE_KEY = "com.linkedin.adsexternalapi.memberanalytics.v1.CreatorPostAnalyticsMetricTypeV1"
STRING_METRIC_TYPE_SINCE = "202605"
"""From this version ``metricType`` is a plain string; before, a one-key union object."""

VERSION_LIFETIME_MONTHS = 12
"""LinkedIn supports a monthly version for (at least) a year, then answers 426."""
HISTORY_DAYS = 365
"""Follower history goes back twelve months."""

_ALPHABET = string.ascii_letters + string.digits + "-_"

_CAPTIONS: tuple[str, ...] = (
    "Three lessons from a year of building in public. #leadership",
    "We're hiring! Know someone great? Tag them below.",
    "A short thread on what actually moves the needle in B2B marketing.",
    "Proud of the team for shipping this one 🚀",
    "Unpopular opinion: meetings should have a written agenda. Agree?",
    "New article: part {n} of my series on remote collaboration.",
    "Grateful for 10 years in this industry. Here's what changed.",
    "Quick poll in the comments: how do you plan your week?",
)


def person_id(creator: Creator) -> str:
    """The member id (OpenID ``sub``, ``urn:li:person:{id}``): 10 url-safe characters."""
    number = stable_int(len(_ALPHABET) ** 10, creator.key, "li-person")
    chars = []
    for _ in range(10):
        number, digit = divmod(number, len(_ALPHABET))
        chars.append(_ALPHABET[digit])
    return "".join(chars)


_BY_PERSON: dict[str, Creator] = {person_id(c): c for c in ALL_CREATORS}


def creator_for_person(member_id: str) -> Creator | None:
    """The creator behind a member id."""
    return _BY_PERSON.get(member_id)


def person_urn(creator: Creator) -> str:
    """``urn:li:person:{id}``."""
    return f"urn:li:person:{person_id(creator)}"


def post_urn(creator: Creator, index: int) -> str:
    """19-digit activity id encoding creator and index; videos are ugcPosts, the rest shares."""
    kind = "ugcPost" if is_video(creator, index) else "share"
    return f"urn:li:{kind}:7{creator.number:03d}{index:015d}"


def parse_post_urn(urn: str) -> tuple[Creator, int] | None:
    """Inverse of :func:`post_urn` (the share/ugcPost kind must match the post)."""
    prefix, _, number = urn.rpartition(":")
    if prefix not in ("urn:li:share", "urn:li:ugcPost") or len(number) != 19:
        return None
    if not number.isdigit() or not number.startswith("7"):
        return None
    creator = next((c for c in ALL_CREATORS if c.number == int(number[1:4])), None)
    if creator is None:
        return None
    index = int(number[4:])
    if index >= len(post_dates(creator)) or post_urn(creator, index) != urn:
        return None
    return creator, index


def published_ms(creator: Creator, index: int) -> int:
    """Publication time of post ``index`` in epoch milliseconds (LinkedIn's time format)."""
    posted = post_dates(creator)[index]
    seconds = 6 * 3600 + stable_int(16 * 3600, creator.key, "li-post-time", index)
    moment = datetime.combine(posted, time()) + timedelta(seconds=seconds)
    return int((moment - datetime(1970, 1, 1)).total_seconds()) * 1000


def post_element(creator: Creator, index: int) -> dict[str, object]:
    """A Posts API element (``GET /rest/posts?q=author``)."""
    urn = post_urn(creator, index)
    published = published_ms(creator, index)
    caption = _CAPTIONS[stable_int(len(_CAPTIONS), creator.key, "li-caption", index)]
    element: dict[str, object] = {
        "id": urn,
        "author": person_urn(creator),
        "commentary": caption.format(n=index + 1),
        "visibility": "PUBLIC",
        "distribution": {
            "feedDistribution": "MAIN_FEED",
            "targetEntities": [],
            "thirdPartyDistributionChannels": [],
        },
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
        "createdAt": published,
        "publishedAt": published,
        "lastModifiedAt": published,
    }
    if is_video(creator, index):
        element["content"] = {
            "media": {"id": f"urn:li:video:D4E{stable_int(10**12, creator.key, 'v', index)}"}
        }
    return element


def post_counts(creator: Creator, index: int, today: date) -> dict[str, int]:
    """Lifetime analytics of one post on ``today``, by queryType."""
    stats = post_stats(creator, index, today)
    return {
        "IMPRESSION": stats.views,
        "MEMBERS_REACHED": stats.reach,
        "RESHARE": stats.shares,
        "REACTION": stats.likes,
        "COMMENT": stats.comments,
    }


def day_counts(creator: Creator, day: date) -> dict[str, int]:
    """Analytics of all the member's posts during ``day``, by queryType."""
    activity = day_activity(creator, day)
    return {
        "IMPRESSION": activity.views,
        "MEMBERS_REACHED": activity.reach,
        "RESHARE": activity.shares,
        "REACTION": activity.likes,
        "COMMENT": activity.comments,
    }


def lifetime_counts(creator: Creator, today: date) -> dict[str, int]:
    """All-time analytics of all the member's posts (``q=me`` without ``dateRange``)."""
    totals = dict.fromkeys(QUERY_TYPES, 0)
    for index in range(posts_published(creator, today)):
        for name, value in post_counts(creator, index, today).items():
            totals[name] += value
    return totals


def version_months(version: str) -> int | None:
    """``YYYYMM`` (optionally ``.NN`` patch) → months since year 0, or ``None`` if malformed."""
    base = version.split(".", 1)[0]
    if len(base) != 6 or not base.isdigit():
        return None
    year, month = int(base[:4]), int(base[4:])
    if not 1 <= month <= 12:
        return None
    return year * 12 + month - 1


def version_active(version: str, today: date) -> bool:
    """Released (not in the future) and not yet sunset (younger than a year)."""
    months = version_months(version)
    if months is None:
        return False
    age = today.year * 12 + today.month - 1 - months
    return 0 <= age < VERSION_LIFETIME_MONTHS


def metric_type(name: str, version: str) -> object:
    """``metricType`` as the requested version writes it (string from 202605, union before)."""
    months, since = version_months(version), version_months(STRING_METRIC_TYPE_SINCE)
    if months is not None and since is not None and months >= since:
        return name
    return {METRIC_TYPE_KEY: name}


def li_date(day: date) -> dict[str, int]:
    """LinkedIn's Date record."""
    return {"year": day.year, "month": day.month, "day": day.day}
