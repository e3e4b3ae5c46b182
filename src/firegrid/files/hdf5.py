"""HDF5 (and netCDF-4) files that would make the server read other files.

An HDF5 file can hold external links (a name resolved in another file), datasets whose bytes lie in
external raw files, and virtual datasets mapped from other files. h5py, h5netcdf and satpy follow
all three when a dataset is read, so a file handed in from outside is walked before any reader sees
it: links and dataset layouts are inspected (never followed) and any such reference refuses the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from firegrid.errors import UnsafeFileError

MAX_LINKS = 200_000  # a real L1 granule has a few hundred; a file past this is refused, not walked


def _problem(group: Any, name: str) -> str | None:
    import h5py

    link = group.get(name, getlink=True)
    if isinstance(link, h5py.ExternalLink):
        return f"an external link /{name} to {link.filename}"
    if not isinstance(link, h5py.HardLink):
        return None  # a soft link names an object inside this file
    obj = group.get(name)
    if isinstance(obj, h5py.Dataset):
        if obj.is_virtual:
            return f"a virtual dataset /{name} mapped from other files"
        if obj.external:
            return f"a dataset /{name} stored in external files"
    return None


def refuse_outside_references(path: Path, what: str | None = None) -> None:
    """``UnsafeFileError`` naming ``what`` when the HDF5 file at ``path`` holds an external link, an
    external-storage dataset or a virtual dataset (or cannot be walked as HDF5 at all)."""
    import h5py

    what = what or path.name
    found: list[str] = []
    count = 0

    def visit(name: str, _link: object) -> bool | None:
        nonlocal count
        count += 1
        problem = _problem(root, name) if count <= MAX_LINKS else f"more than {MAX_LINKS} links"
        if problem is not None:
            found.append(problem)
            return True  # stop the walk
        return None

    try:
        with h5py.File(path, "r") as root:
            root.visititems_links(visit)
    except OSError as exc:
        raise UnsafeFileError(f"{what}: not a readable HDF5 file ({exc}); refused") from exc
    if found:
        raise UnsafeFileError(
            f"{what}: refused, the file holds {found[0]} (it would make the server read files "
            "outside the data roots)"
        )
