"""One redaction for every URL firegrid shows or logs: credentials in the userinfo (``user:pw@``)
and the values of token-like query parameters (``token``, ``key``, ``access_token``, ``signature``,
``password``, ``secret``, ``auth``, ...) become ``***``.

Used by the API wherever a URL is described (cameras, PTZ, robots, webhook, sources) and by the log
record factory (``logs.install_redaction``), so a secret never leaves the server in a response or
a log line.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

MASK = "***"
# a query parameter whose name contains one of these carries a secret
_SECRET_PARAM = re.compile(r"token|key|sig|pass|pwd|secret|auth|credential|session|cookie", re.IGNORECASE)
# a mapping key that names a secret (map_key, client_secret, password_env, access_token, ...)
_SECRET_KEY = re.compile(
    r"(^|_)(token|key|secret|password|passwd|pwd|signature|sig|auth|credentials?)($|_)", re.IGNORECASE
)
_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s\"'<>]+")
_QUERY_PAIR = re.compile(r"(?<=[?&])([^=&\s\"'<>#]+)=([^&\s\"'<>#]+)")  # a path's query in an access log


def _params(text: str) -> str:
    out = []
    for part in text.split("&"):
        name, eq, value = part.partition("=")
        out.append(f"{name}={MASK}" if eq and value and _SECRET_PARAM.search(name) else part)
    return "&".join(out)


def redact_url(url: str) -> str:
    """``url`` without its userinfo and with the values of secret-looking parameters masked."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rsplit('@', 1)[1]}"
    query = _params(parts.query) if parts.query else ""
    fragment = _params(parts.fragment) if "=" in parts.fragment else parts.fragment
    return urlunsplit((parts.scheme, netloc, parts.path, query, fragment))


def redact_text(text: str) -> str:
    """Every URL inside ``text`` (a log line, an error) redacted, and secret-looking parameters of
    bare paths (``GET /x?token=...`` in an access log)."""
    if "://" in text:
        text = _URL.sub(lambda m: redact_url(m.group(0)), text)
    if "=" in text:
        text = _QUERY_PAIR.sub(
            lambda m: f"{m.group(1)}={MASK}" if _SECRET_PARAM.search(m.group(1)) else m.group(0), text
        )
    return text


def redact(value: Any) -> Any:
    """A JSON-like value with secrets masked: string values under secret-named keys, and every URL."""
    if isinstance(value, dict):
        return {
            k: (MASK if value[k] and isinstance(k, str) and _SECRET_KEY.search(k) else redact(value[k]))
            for k in value
        }
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    return value
