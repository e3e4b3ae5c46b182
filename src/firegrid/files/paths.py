"""Paths that come from outside (API bodies, watch folders, camera files, scene folders) stay under the
data roots: checked as text (no NUL byte, no GDAL virtual file system, no URL, no inline XML), then
resolved with every symbolic link followed, then compared with the resolved roots."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from firegrid.errors import UnsafeFileError

# what GDAL would treat as something other than a local file: /vsicurl/, /vsizip/, ... and inline XML
_NOT_A_PATH = ("/vsi", "<", "http:", "https:", "ftp:", "file:")


def check_path_text(text: str, what: str = "path") -> None:
    """Refuse a path string with a NUL byte, a GDAL virtual file system prefix, a URL or inline XML."""
    if "\x00" in text:
        raise UnsafeFileError(f"{what}: the path contains a NUL byte")
    lowered = text.strip().lower()
    if lowered.startswith(_NOT_A_PATH) or "://" in lowered:
        raise UnsafeFileError(
            f"{what}: {text[:120]!r} is not a plain local path (GDAL virtual file systems, URLs and "
            "inline XML are refused)"
        )


def resolve(path: Path | str, what: str = "path") -> Path:
    """The absolute path with every symbolic link followed (``UnsafeFileError`` when it cannot be)."""
    text = str(path)
    check_path_text(text, what)
    try:
        resolved = Path(text).resolve()
    except (OSError, RuntimeError, ValueError) as exc:
        raise UnsafeFileError(f"{what}: {text[:120]!r} cannot be resolved ({exc})") from None
    check_path_text(str(resolved), what)  # "a/../../vsicurl/..." resolves to "/vsicurl/..."
    return resolved


def is_inside(resolved: Path, roots: Sequence[Path]) -> bool:
    """True when an already resolved path is one of ``roots`` or lies below one (roots are resolved)."""
    for root in roots:
        base = root.resolve()
        if resolved == base or base in resolved.parents:
            return True
    return False


def confine(path: Path | str, roots: Sequence[Path], what: str = "path") -> Path:
    """The resolved path when it lies under ``roots`` after following links; else ``UnsafeFileError``."""
    resolved = resolve(path, what)
    if not is_inside(resolved, roots):
        listed = ", ".join(str(r) for r in roots) or "(no roots configured)"
        raise UnsafeFileError(
            f"{what}: {str(path)[:200]} must lie under {listed} (after following links); "
            "add a folder to FIREGRID_SCAN__ROOTS to allow it"
        )
    return resolved
