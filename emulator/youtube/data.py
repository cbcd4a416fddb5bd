"""YouTube's view of the shared demo creators: ids, channel/video/playlist resources, analytics.

Everything is derived from :mod:`emulator.creators` (every post is a video on YouTube), so the
same date always gives the same numbers. Ids encode what they point at, so no storage is needed.
"""

import base64
import hashlib
import json
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from emulator.creators import (
    ALL_CREATORS,
    CREATORS_BY_NUMBER,
    EPOCH,
    Creator,
    day_activity,
    followers,
    is_video,
    post_dates,
    post_stats,
    posts_published,
    stable_int,
    stable_unit,
)

SCOPE_PREFIX = "https://www.googleapis.com/auth/"
READ_SCOPES = frozenset(
    SCOPE_PREFIX + s for s in ("youtube.readonly", "youtube", "youtube.force-ssl")
)
"""Any of these lets a token read the Data API."""
ANALYTICS_SCOPES = frozenset(
    SCOPE_PREFIX + s for s in ("yt-analytics.readonly", "yt-analytics-monetary.readonly")
)
SCOPE_LABELS: dict[str, str] = {
    SCOPE_PREFIX + "youtube.readonly": "View your YouTube account",
    SCOPE_PREFIX + "youtube": "Manage your YouTube account",
    SCOPE_PREFIX + "youtube.force-ssl": "See, edit, and permanently delete your YouTube videos",
    SCOPE_PREFIX + "yt-analytics.readonly": "View YouTube Analytics reports for your content",
    SCOPE_PREFIX + "yt-analytics-monetary.readonly": (
        "View monetary and non-monetary YouTube Analytics reports for your content"
    ),
    "openid": "Associate you with your personal info on Google",
    "email": "See your primary Google Account email address",
    "profile": "See your personal info",
}
NO_CHANNEL: frozenset[str] = frozenset({"personal_pat"})
"""Google accounts without a YouTube channel: ``channels?mine=true`` gives no items."""
HIDDEN_SUBSCRIBERS: frozenset[str] = frozenset({"tiny_tim"})
"""Channels that hide their subscriber count (``hiddenSubscriberCount: true``)."""

ANALYTICS_METRICS: dict[str, str] = {
    "views": "INTEGER",
    "estimatedMinutesWatched": "INTEGER",
    "averageViewDuration": "INTEGER",
    "averageViewPercentage": "FLOAT",
    "subscribersGained": "INTEGER",
    "subscribersLost": "INTEGER",
    "likes": "INTEGER",
    "dislikes": "INTEGER",
    "comments": "INTEGER",
    "shares": "INTEGER",
    "videosAddedToPlaylists": "INTEGER",
}
"""Core channel metrics of the Analytics API and their ``dataType``."""
MONETARY_METRICS: frozenset[str] = frozenset(
    {
        "estimatedRevenue",
        "estimatedAdRevenue",
        "grossRevenue",
        "estimatedRedPartnerRevenue",
        "monetizedPlaybacks",
        "playbackBasedCpm",
        "adImpressions",
        "cpm",
    }
)
"""Revenue metrics: 403 for channels outside the YouTube Partner Program (all demo creators)."""
ANALYTICS_LAG_DAYS = 2
"""Analytics data lags 48-72 h: the newest row is for today - 2."""

_TITLES: tuple[str, ...] = (
    "A week of mornings: what actually changed",
    "Behind the scenes of episode {n}",
    "Three tips I wish I knew earlier",
    "Answering your questions (Q&A #{n})",
    "I tried something different today",
    "The honest review nobody asked for",
    "How I plan a month of videos",
    "Part {n}: the long version",
)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def etag(value: object) -> str:
    """A stable etag for a resource (same content → same etag)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return _b64(hashlib.blake2b(text, digest_size=20).digest())


def channel_id(creator: Creator) -> str:
    """``UC`` + 22 characters, like every channel id."""
    raw = stable_int(2**128, creator.key, "yt-channel").to_bytes(16, "big")
    return "UC" + _b64(raw)[:22]


def uploads_playlist(creator: Creator) -> str:
    """The uploads playlist: the channel id with ``UU`` instead of ``UC``."""
    return "UU" + channel_id(creator)[2:]


_BY_CHANNEL: dict[str, Creator] = {
    channel_id(c): c for c in ALL_CREATORS if c.key not in NO_CHANNEL
}
_BY_UPLOADS: dict[str, Creator] = {uploads_playlist(c): c for c in _BY_CHANNEL.values()}


def creator_for_channel(value: str) -> Creator | None:
    return _BY_CHANNEL.get(value)


def creator_for_uploads(value: str) -> Creator | None:
    return _BY_UPLOADS.get(value)


def has_channel(creator: Creator) -> bool:
    return creator.key not in NO_CHANNEL


def _check(number: int, index: int) -> bytes:
    return hashlib.blake2b(f"yt-video:{number}:{index}".encode(), digest_size=4).digest()


def video_id(creator: Creator, index: int) -> str:
    """11 url-safe characters that encode creator and upload index (plus a check)."""
    raw = bytes([creator.number]) + index.to_bytes(3, "big") + _check(creator.number, index)
    return _b64(raw)


def parse_video_id(value: str) -> tuple[Creator, int] | None:
    """Inverse of :func:`video_id`; ``None`` for ids we never issued."""
    if len(value) != 11:
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=")
    except (ValueError, TypeError):
        return None
    creator = CREATORS_BY_NUMBER.get(raw[0]) if len(raw) == 8 else None
    if creator is None or not has_channel(creator):
        return None
    index = int.from_bytes(raw[1:4], "big")
    if raw[4:] != _check(creator.number, index):
        return None
    return creator, index


def rfc3339(moment: datetime) -> str:
    """Google's timestamp flavour: ``2026-11-19T14:03:11Z``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def channel_created(creator: Creator) -> date:
    """When the channel was created: some weeks before its first upload."""
    first = creator.first_post or EPOCH + timedelta(days=5)
    return first - timedelta(days=30 + stable_int(300, creator.key, "yt-created"))


def public_subscribers(count: int) -> int:
    """Public counts above 1,000 are rounded down to three significant figures (since 2019)."""
    if count < 1000:
        return count
    step: int = 10 ** (len(str(count)) - 3)
    return count // step * step


def _thumbnails(key: str) -> dict[str, object]:
    base = f"https://i.ytimg.com/vi/{key}"
    return {
        "default": {"url": f"{base}/default.jpg", "width": 120, "height": 90},
        "medium": {"url": f"{base}/mqdefault.jpg", "width": 320, "height": 180},
        "high": {"url": f"{base}/hqdefault.jpg", "width": 480, "height": 360},
    }


def uploads(creator: Creator, today: date) -> int:
    """Videos published before ``today`` (the uploads playlist length)."""
    return posts_published(creator, today)


@lru_cache(maxsize=256)
def lifetime_views(creator: Creator, today: date) -> int:
    """Channel ``viewCount``: the views of every upload as of ``today``."""
    return sum(post_stats(creator, i, today).views for i in range(uploads(creator, today)))


def channel_parts(creator: Creator, today: date) -> dict[str, dict[str, object]]:
    """Every supported part of the channel resource on ``today``."""
    cid = channel_id(creator)
    description = f"Videos by {creator.display_name}."
    statistics: dict[str, object] = {"viewCount": str(lifetime_views(creator, today))}
    if creator.key in HIDDEN_SUBSCRIBERS:
        statistics["hiddenSubscriberCount"] = True
    else:
        statistics["subscriberCount"] = str(public_subscribers(followers(creator, today)))
        statistics["hiddenSubscriberCount"] = False
    statistics["videoCount"] = str(uploads(creator, today))
    created = datetime.combine(channel_created(creator), time(9, 30))
    return {
        "snippet": {
            "title": creator.display_name,
            "description": description,
            "customUrl": "@" + creator.key.replace("_", ""),
            "publishedAt": rfc3339(created),
            "thumbnails": _thumbnails(cid),
            "localized": {"title": creator.display_name, "description": description},
        },
        "contentDetails": {"relatedPlaylists": {"likes": "", "uploads": uploads_playlist(creator)}},
        "statistics": statistics,
        "status": {
            "privacyStatus": "public",
            "isLinked": True,
            "longUploadsStatus": "longUploadsUnspecified",
        },
    }


def _published(creator: Creator, index: int) -> datetime:
    seconds = 6 * 3600 + stable_int(16 * 3600, creator.key, "yt-time", index)
    return datetime.combine(post_dates(creator)[index], time()) + timedelta(seconds=seconds)


def _title(creator: Creator, index: int) -> str:
    return _TITLES[stable_int(len(_TITLES), creator.key, "yt-title", index)].format(n=index + 1)


def _duration(creator: Creator, index: int) -> str:
    """ISO 8601 duration: Shorts for the creator's "video" posts, longer videos otherwise."""
    if is_video(creator, index):
        return f"PT{15 + stable_int(45, creator.key, 'yt-dur', index)}S"
    seconds = 240 + stable_int(900, creator.key, "yt-dur", index)
    return f"PT{seconds // 60}M{seconds % 60}S"


def video_parts(creator: Creator, index: int, today: date) -> dict[str, dict[str, object]]:
    """Every supported part of video ``index`` on ``today``."""
    vid = video_id(creator, index)
    stats = post_stats(creator, index, today)
    title = _title(creator, index)
    description = f"{title} — {creator.display_name}"
    return {
        "snippet": {
            "publishedAt": rfc3339(_published(creator, index)),
            "channelId": channel_id(creator),
            "title": title,
            "description": description,
            "thumbnails": _thumbnails(vid),
            "channelTitle": creator.display_name,
            "categoryId": "22",
            "liveBroadcastContent": "none",
            "localized": {"title": title, "description": description},
        },
        "contentDetails": {
            "duration": _duration(creator, index),
            "dimension": "2d",
            "definition": "hd",
            "caption": "false",
            "licensedContent": False,
            "contentRating": {},
            "projection": "rectangular",
        },
        "statistics": {
            "viewCount": str(stats.views),
            "likeCount": str(stats.likes),
            "favoriteCount": "0",
            "commentCount": str(stats.comments),
        },
        "status": {
            "uploadStatus": "processed",
            "privacyStatus": "public",
            "license": "youtube",
            "embeddable": True,
            "publicStatsViewable": True,
            "madeForKids": False,
        },
    }


def playlist_item_id(creator: Creator, index: int) -> str:
    """An opaque playlist item id (it is not the video id)."""
    return _b64(f"{uploads_playlist(creator)}.{video_id(creator, index)}".encode())


def playlist_item_parts(
    creator: Creator, index: int, position: int
) -> dict[str, dict[str, object]]:
    """Every supported part of the uploads playlist's item for upload ``index``."""
    vid = video_id(creator, index)
    published = rfc3339(_published(creator, index))
    title = _title(creator, index)
    return {
        "snippet": {
            "publishedAt": published,
            "channelId": channel_id(creator),
            "title": title,
            "description": f"{title} — {creator.display_name}",
            "thumbnails": _thumbnails(vid),
            "channelTitle": creator.display_name,
            "playlistId": uploads_playlist(creator),
            "position": position,
            "resourceId": {"kind": "youtube#video", "videoId": vid},
            "videoOwnerChannelTitle": creator.display_name,
            "videoOwnerChannelId": channel_id(creator),
        },
        "contentDetails": {"videoId": vid, "videoPublishedAt": published},
        "status": {"privacyStatus": "public"},
    }


def subscriber_flow(creator: Creator, day: date) -> tuple[int, int]:
    """(gained, lost) during ``day``: ``followers(day)`` is the count a sync sees that day (its
    start), so gained - lost is exactly ``followers(day + 1) - followers(day)``."""
    start, end = followers(creator, day), followers(creator, day + timedelta(days=1))
    churn = round(end * 0.0008 * stable_unit(creator.key, "yt-churn", (day - EPOCH).days))
    change = end - start
    return max(change, 0) + churn, max(-change, 0) + churn


def day_metrics(creator: Creator, day: date) -> dict[str, float]:
    """Every analytics metric of the channel for one day."""
    activity = day_activity(creator, day)
    offset = (day - EPOCH).days
    duration = 45 + stable_int(240, creator.key, "yt-avd", offset)
    gained, lost = subscriber_flow(creator, day)
    return {
        "views": activity.views,
        "estimatedMinutesWatched": round(activity.views * duration / 60),
        "averageViewDuration": duration if activity.views else 0,
        "averageViewPercentage": round(20 + 50 * stable_unit(creator.key, "yt-avp", offset), 2)
        if activity.views
        else 0.0,
        "subscribersGained": gained,
        "subscribersLost": lost,
        "likes": activity.likes,
        "dislikes": round(activity.likes * 0.02),
        "comments": activity.comments,
        "shares": activity.shares,
        "videosAddedToPlaylists": activity.saves,
    }
