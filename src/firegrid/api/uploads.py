"""Receive uploaded files safely: after authentication, within the route's body limit, off the event loop.

Upload routes take the ``Request`` and their dependencies only (no ``UploadFile`` parameter), so
FastAPI authenticates and checks the permission before a byte of the body is read; then
``read_form`` parses the multipart body (the middleware in ``bodies.py`` bounds it), the file goes
to the upload store under its content hash, and the parsing or decoding runs in a worker thread
(``offload``) bounded by the app's heavy-work limiter.
"""

from __future__ import annotations

import hashlib
import math
import re
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import anyio.to_thread
from fastapi import Request
from starlette.datastructures import FormData, UploadFile

from firegrid.errors import InputError, UploadTooLargeError

_SAFE = re.compile(r"[^\w.\-]+", re.UNICODE)
CHUNK = 1 << 20
T = TypeVar("T")


def safe_name(filename: str | None) -> str:
    """The base name with anything but word characters, dots and dashes replaced."""
    base = Path((filename or "").replace("\\", "/").replace("\x00", "")).name
    cleaned = _SAFE.sub("_", base).lstrip(".")
    if not cleaned:
        raise InputError("the upload has no usable file name")
    return cleaned[:200]


@asynccontextmanager
async def read_form(request: Request, max_fields: int = 8) -> AsyncIterator[FormData]:
    """The multipart form of an authenticated request (at most one file); closed after the block."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise InputError("send the file as multipart/form-data")
    async with request.form(max_files=1, max_fields=max_fields) as form:
        yield form


def form_file(form: FormData, name: str) -> UploadFile:
    """The uploaded file of field ``name``."""
    value = form.get(name)
    if not isinstance(value, UploadFile):
        raise InputError(f"the form has no file field {name!r}")
    return value


def form_float(form: FormData, name: str, low: float, high: float) -> float | None:
    """An optional number field within [low, high]."""
    value = form.get(name)
    if value is None or value == "":
        return None
    try:
        number = float(str(value))
    except ValueError:
        raise InputError(f"form field {name} is not a number") from None
    if not math.isfinite(number) or not low <= number <= high:
        raise InputError(f"form field {name} must lie in [{low}, {high}]")
    return number


async def save_upload(upload: UploadFile, directory: Path, limit: int) -> tuple[Path, str, str]:
    """Store an upload under ``directory/<sha256>/<safe name>``; returns (path, name, sha256)."""
    name = safe_name(upload.filename)
    directory.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with tempfile.NamedTemporaryFile(dir=directory, delete=False) as tmp:
        try:
            while chunk := await upload.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise UploadTooLargeError(f"{name}: upload exceeds the limit of {limit} bytes")
                digest.update(chunk)
                tmp.write(chunk)
        except BaseException:
            tmp.close()
            Path(tmp.name).unlink(missing_ok=True)
            raise
    sha = digest.hexdigest()
    target = directory / sha / name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(tmp.name, target)
    return target, name, sha


async def read_limited(upload: UploadFile, limit: int) -> bytes:
    """The upload's bytes, refusing more than ``limit`` (413) without reading it all first."""
    data = bytearray()
    while chunk := await upload.read(CHUNK):
        data += chunk
        if len(data) > limit:
            raise UploadTooLargeError(f"{upload.filename or 'upload'}: exceeds the limit of {limit} bytes")
    return bytes(data)


async def offload(limiter: anyio.CapacityLimiter | None, function: Callable[..., T], *args: Any) -> T:
    """Run blocking work (parsing, decoding, GDAL, the database) in a worker thread so the event loop
    keeps answering; heavy work passes the app's limiter (at most that many at once), light work None."""
    return await anyio.to_thread.run_sync(function, *args, limiter=limiter)


def multipart_body(file_field: str, description: str, **fields: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI request body of an upload route (the route reads the form itself)."""
    properties = {file_field: {"type": "string", "format": "binary", "description": description}, **fields}
    schema = {"type": "object", "properties": properties, "required": [file_field]}
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}}


def form_route(
    declaration: dict[str, Any], file_field: str, description: str, **fields: dict[str, Any]
) -> dict[str, Any]:
    """A route's ``access(...)`` keyword arguments with the OpenAPI body of its form added."""
    extra = {**declaration.get("openapi_extra", {}), **multipart_body(file_field, description, **fields)}
    return {**declaration, "openapi_extra": extra}
