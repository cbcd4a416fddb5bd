"""The connector's token-lending contract, which the ingestor calls: one limit both sides keep.

The connector refuses a batch call above :data:`MAX_TOKEN_BATCH` ids (422) and the ingestor
sends a bigger batch in several calls, so both import the number from here rather than each
keeping a copy that could drift.
"""

from __future__ import annotations

#: Most connections one ``POST /internal/access-tokens`` may ask for: above the ingestor's
#: default sync batch (64), low enough to keep one ``WHERE id IN (...)`` and one answer small.
MAX_TOKEN_BATCH = 500
