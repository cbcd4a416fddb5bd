"""structlog set-up shared by every process.

JSON lines in production (one object per line, ready for a log pipeline), coloured console output
in dev. The standard library's loggers (uvicorn, aiokafka, httpx, faststream) are routed through
the same processors, so redaction and the correlation id apply to their lines as well.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

from shared.redaction import redact_processor, redact_text


class _RedactingFormatter(structlog.stdlib.ProcessorFormatter):
    """Also scrub exception text, which structlog renders after the processors ran."""

    def format(self, record: logging.LogRecord) -> str:
        return redact_text(super().format(record))


def configure_logging(service: str, *, level: str = "INFO", json: bool = False) -> None:
    """Configure structlog and the root logger; safe to call more than once."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        redact_processor,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    # In JSON, tracebacks become text only here: scrub them before the renderer escapes them.
    # (The console renderer formats them itself; the formatter scrubs its output.)
    exceptions: list[Any] = [structlog.processors.format_exc_info, redact_processor] if json else []
    formatter = _RedactingFormatter(
        foreign_pre_chain=shared,
        processors=[
            lambda _l, _m, ed: {**ed, "service": service},
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            *exceptions,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Chatty libraries: their INFO lines add nothing an operator acts on.
    for noisy in ("aiokafka", "httpx", "httpcore", "faststream", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


#: The most of an error's text a log line carries (a traceback, when wanted, goes separately).
LOGGED_ERROR_LENGTH = 300


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger
