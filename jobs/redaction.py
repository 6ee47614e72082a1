"""Secrets in URLs, masked wherever jobs show what they did: job objects, record errors, log lines.

A resource URL may carry credentials: a query token (``?token=``, ``access_token``, ``apikey``, ``key``,
``signature``…) or ``user:password@`` userinfo. Its owner needs it whole (the resource object shows it as
stored), but a job's params, result and error, its record errors and the log are read by other people (other
managers of the dataset, operators), so there the secret parts read ``***``. Only the secret parts: the host,
path and other parameters stay, so the message still says which source failed.

The module imports nothing of Django's models: the logging configuration loads it before apps are ready.
"""

from __future__ import annotations

import logging
import re
from typing import Any

MASK = "***"
# Query (or fragment) parameter names whose value is a credential. Compared lowercased; names ending in one
# of SECRET_SUFFIXES count too (``x-amz-signature``, ``client_secret``, ``refresh_token``, ``sas_token``…).
SECRET_NAMES = frozenset(
    {"token", "access_token", "apikey", "api_key", "key", "signature", "sig", "password", "passwd", "pwd", "secret"}
)
SECRET_SUFFIXES = ("token", "secret", "signature", "password", "apikey", "api_key", "credential")

# A URL ends before whitespace or quotes, and never on the punctuation of the sentence around it ("…x.csv: 403").
URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s\"'<>]*[^\s\"'<>.,;:!?)\]]")
# ``scheme://userinfo@``: everything up to the last "@" before the host's path, query or fragment.
USERINFO = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/?#]*@")
PARAMETER = re.compile(r"([?&;#])([^=&;#]+)=([^&;#]*)")


def is_secret_name(name: str) -> bool:
    lowered = name.strip().lower()
    return lowered in SECRET_NAMES or lowered.endswith(SECRET_SUFFIXES)


def redact_url(url: str) -> str:
    """``url`` with its userinfo and the values of its secret parameters replaced by ``***``."""
    url = USERINFO.sub(rf"\1{MASK}@", url)

    def masked(match: re.Match) -> str:
        separator, name, value = match.groups()
        return f"{separator}{name}={MASK}" if is_secret_name(name) and value else match.group(0)

    return PARAMETER.sub(masked, url)


def redact_text(text: str) -> str:
    """``text`` with every URL in it redacted (see ``redact_url``)."""
    if "://" not in text:
        return text
    return URL.sub(lambda match: redact_url(match.group(0)), text)


def redacted(value: Any) -> Any:
    """A JSON value with every string redacted, and the string values of secret-named keys masked whole."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {
            key: MASK if isinstance(item, str) and item and is_secret_name(str(key)) else redacted(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redacted(item) for item in value]
    return value


class RedactingFilter(logging.Filter):
    """A logging filter that redacts URLs in a record's message and traceback before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact_text(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        return True
