"""Receive uploaded files safely: size limit, no path traversal, content hash."""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from pathlib import Path

from fastapi import UploadFile

from firegrid.errors import InputError, UploadTooLargeError

_SAFE = re.compile(r"[^\w.\-]+", re.UNICODE)
CHUNK = 1 << 20


def safe_name(filename: str | None) -> str:
    """The base name with anything but word characters, dots and dashes replaced."""
    base = Path((filename or "").replace("\\", "/")).name
    cleaned = _SAFE.sub("_", base).lstrip(".")
    if not cleaned:
        raise InputError("the upload has no usable file name")
    return cleaned[:200]


async def save_upload(upload: UploadFile, directory: Path, limit: int) -> tuple[Path, str, str]:
    """Store an upload under ``directory/<sha256>/<safe name>``; returns (path, name, sha256)."""
    name = safe_name(upload.filename)
    directory.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with tempfile.NamedTemporaryFile(dir=directory, delete=False) as tmp:
        while chunk := await upload.read(CHUNK):
            size += len(chunk)
            if size > limit:
                tmp.close()
                Path(tmp.name).unlink(missing_ok=True)
                raise UploadTooLargeError(f"{name}: upload exceeds the limit of {limit} bytes")
            digest.update(chunk)
            tmp.write(chunk)
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
