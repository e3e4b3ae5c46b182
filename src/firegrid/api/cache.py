"""Conditional JSON answers for the map layers: a strong ETag per (layer, caller's scope, query,
data version), 304 when the client has it, and a bounded per-process cache of built bodies (plain
and gzip), so a repeated view costs a version lookup, not a query."""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from firegrid.auth.roles import Principal

# Authenticated data: only the caller's browser may keep it, and must revalidate every time
# (a 304 costs no body); the answer differs per credentials and encoding.
HEADERS = {
    "Cache-Control": "private, no-cache",
    "Vary": "Authorization, X-API-Key, Accept-Encoding",
}
GZIP_MIN_BYTES = 1024


class ResponseCache:
    """Least-recently-used bodies by ETag, bounded by their total size."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._bodies: OrderedDict[str, tuple[bytes, bytes | None]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, etag: str) -> tuple[bytes, bytes | None] | None:
        """The plain and gzip bodies of ``etag``, if kept."""
        with self._lock:
            hit = self._bodies.get(etag)
            if hit is not None:
                self._bodies.move_to_end(etag)
            return hit

    def put(self, etag: str, plain: bytes, packed: bytes | None) -> None:
        """Keep a body, dropping the least recently used beyond ``max_bytes``."""
        size = len(plain) + len(packed or b"")
        if size > self.max_bytes:
            return
        with self._lock:
            if etag in self._bodies:
                return
            self._bodies[etag] = (plain, packed)
            self._size += size
            while self._size > self.max_bytes:
                _, (old, old_packed) = self._bodies.popitem(last=False)
                self._size -= len(old) + len(old_packed or b"")


def etag_of(layer: str, principal: Principal, query: str, version: Any) -> str:
    """A strong ETag for one layer as seen by one scope at one data version."""
    raw = f"{layer}|{principal.paths}|{query}|{version}"
    return '"' + hashlib.sha1(raw.encode()).hexdigest() + '"'


def _matches(request: Request, etag: str) -> bool:
    header = request.headers.get("if-none-match")
    if not header:
        return False
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return etag in tags or "*" in tags


def cached_json(request: Request, etag: str, build: Callable[[], Any]) -> Response:
    """304 when the client holds ``etag``; else the body (gzip when accepted), built at most once
    per process while it stays in the cache."""
    headers = {"ETag": etag, **HEADERS}
    if _matches(request, etag):
        return Response(status_code=304, headers=headers)
    cache: ResponseCache = request.app.state.response_cache
    kept = cache.get(etag)
    if kept is None:
        plain = json.dumps(build(), ensure_ascii=False, separators=(",", ":"), default=str).encode()
        packed = gzip.compress(plain, 6, mtime=0) if len(plain) >= GZIP_MIN_BYTES else None
        cache.put(etag, plain, packed)
        kept = plain, packed
    plain, packed = kept
    if packed is not None and "gzip" in request.headers.get("accept-encoding", ""):
        return Response(packed, media_type="application/json", headers=headers | {"Content-Encoding": "gzip"})
    return Response(plain, media_type="application/json", headers=headers)
