"""Instagram's error shapes are Meta's (:func:`shared.platforms.meta.classify`; through Facebook
Login, :func:`shared.platforms.facebook.errors.graph_classifier`); its own is a post refused as
such, whatever its metrics."""

from __future__ import annotations

from shared.platforms.meta import classify, refuses_the_object

__all__ = ["PostRefused", "classify", "refuses_the_object"]


class PostRefused(Exception):
    """A post Meta gives no insights at all (see :func:`~shared.platforms.meta.refuses_the_object`).

    Not a :class:`PlatformError`, so it passes through
    :func:`~shared.platforms.resilience.fetch_metrics` untouched: a refusal of the post is not
    learned as a refusal of the metrics for the other posts.
    """
