"""Keep secrets and phone numbers out of the logs.

The sync code never logs payloads, bodies or headers; this filter is the second line:
every record of the ``sync`` loggers has the device token (any token this process has
seen) and anything that looks like a phone number masked before it is written.
"""
from __future__ import annotations

import logging
import re
import threading

_secrets: set[str] = set()
_lock = threading.Lock()
# mobile numbers (1xx xxxx xxxx, optional +86), landlines (0xxx-xxxxxxx), and any long digit run
_PHONE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(?:1[3-9]\d[- ]?\d{4}[- ]?\d{4}|0\d{2,3}-?\d{7,8}|\d{7,})(?!\d)")
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")


def register_secret(value: str | None) -> None:
    if value and len(value) >= 8:
        with _lock:
            _secrets.add(value)


def scrub(text: str) -> str:
    with _lock:
        secrets = list(_secrets)
    for s in secrets:
        if s in text:
            text = text.replace(s, "***")
    text = _BEARER.sub(r"\1***", text)
    return _PHONE.sub("***", text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        clean = scrub(message)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            # the formatted traceback may quote an exception message: scrub it too
            exc = record.exc_info[1]
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = scrub(text)
            del exc
        return True


_FILTER = RedactingFilter()


def get_logger(name: str) -> logging.Logger:
    """A logger whose records are scrubbed (a logger's filters apply to its own records
    only, so every sync module takes its logger from here)."""
    logger = logging.getLogger(name)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    return logger


def install() -> None:
    """Scrub the HTTP libraries' loggers too (they may log URLs and headers at DEBUG)."""
    for name in ("sync", "httpx", "httpcore", "httpcore.http11", "httpcore.connection"):
        get_logger(name)
