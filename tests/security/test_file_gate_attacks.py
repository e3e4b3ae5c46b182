"""The file gate against payloads other than the ones the issue reported (the reviewer's own attack):
GeoPackage SQL tricks, plain SQLite, KML, a zipped Shapefile that hides a VRT, a zip bomb, a TIFF whose
first kilobyte names a VRT, netCDF under a raster name, paths through /proc, camera secrets."""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

import numpy as np
import pytest

from firegrid.errors import UnsafeFileError
from firegrid.files import confine, open_raster
from firegrid.files.archives import unpack_shapefile
from firegrid.vector import read_vector
from tests.imagery.helpers import write_band
from tests.security.payloads import gpkg_reading_another_file, listener, ogr_vrt, raster_vrt, zipped

SHP_HEADER = b"\x00\x00\x27\x0a" + b"\x00" * 96


def test_a_geopackage_view_cannot_read_another_file(tmp_path: Path) -> None:
    target = tmp_path / "other.tif"
    write_band(target, np.full((4, 4), 7, np.uint8), crs="EPSG:4326", res=1.0)
    gpkg = tmp_path / "sites.gpkg"
    gpkg_reading_another_file(gpkg, target)
    leaked = read_vector(gpkg, layer="leak").features
    assert [f.properties["name"] for f in leaked] == [None]  # gdal_get_pixel_value is refused


def test_plain_sqlite_named_gpkg_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sites.gpkg"
    with sqlite3.connect(path) as db:  # no GeoPackage application id: GDAL's SQLite driver would open it
        db.execute("CREATE TABLE t (name TEXT)")
    with pytest.raises(UnsafeFileError, match="SQLite database that is not a GeoPackage"):
        read_vector(path)


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("sites.kml", b"<?xml version='1.0'?><kml/>", "not accepted"),
        ("sites.geojson", b'<?xml version="1.0"?>\n<kml/>', "content is XML"),
        ("sites.csv", b"name,wkt\n<OGRVRTDataSource>", "ogrvrtdatasource"),
        ("sites.shp.zip", zipped({"s.shp": SHP_HEADER, "s.vrt": "<OGRVRTDataSource/>"}), "contains s.vrt"),
        ("sites.zip", zipped({"s.shp": b"<OGRVRTDataSource/>"}), "refused"),
        ("sites.zip", zipped({"a.shp": SHP_HEADER, "b.shp": SHP_HEADER}), "exactly one .shp"),
        ("sites.zip", zipped({"C:/evil.shp": SHP_HEADER}), "outside the archive"),
        (
            "sites.xlsx",
            zipped({"[Content_Types].xml": "<Types/>", "x.vrt": "<VRTDataset/>"}),
            "refused",
        ),
        (
            "sites.json",
            b'{"type": "gdal_streamed_alg", "command_line": "gdal vector read /etc/passwd"}',
            "gdal",
        ),
    ],
)
def test_other_hostile_vectors_are_refused(tmp_path: Path, name: str, content: bytes, words: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnsafeFileError, match=f"(?i){words}"):
        read_vector(path)


def test_zip_bombs_are_cut_while_unpacking(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("s.shp", SHP_HEADER + b"\x00" * 4_000_000)
    with pytest.raises(UnsafeFileError, match="unpacks to"):
        unpack_shapefile(bomb, tmp_path / "out", "bomb.zip", max_bytes=1_000_000)


def test_hostile_rasters_are_refused_without_network(tmp_path: Path) -> None:
    with listener() as server:
        cases = {
            "b7.tif": raster_vrt(f"/vsicurl/{server.url}/x.tif").encode(),
            "b12.jp2": raster_vrt("/etc/passwd").encode(),
            "polyglot.tif": b"II*\x00\x08\x00\x00\x00" + b"<VRTDataset rasterXSize='1'>" + b"\x00" * 200,
            "scene.tif": b"\x89HDF\r\n\x1a\n" + b"\x00" * 200,  # netCDF-4/HDF5 (remote references) renamed
            "scene.nc": b"CDF\x01" + b"\x00" * 200,
        }
        for name, content in cases.items():
            (tmp_path / name).write_bytes(content)
            with pytest.raises(UnsafeFileError), open_raster(tmp_path / name):
                pass
        assert server.requests == []


def test_paths_through_proc_and_relative_tricks_stay_out(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "scenes").mkdir(parents=True)
    for path in (
        "/proc/self/root/etc",
        f"/proc/self/cwd/{root}/../..",
        f"{root}/scenes/../../",
        f"{root}/scenes/\u2025/etc",  # a look-alike of ".." is just a name: inside, not a traversal
    ):
        try:
            resolved = confine(path, [root])
        except UnsafeFileError:
            continue
        assert resolved.is_relative_to(root.resolve()), path
    with pytest.raises(UnsafeFileError):
        confine(ogr_vrt(Path("/etc/passwd")), [root])  # inline XML as a "path"


def test_geostationary_files_must_be_what_their_names_say(tmp_path: Path) -> None:
    from firegrid.imagery.geostationary.reader import read_slot

    abi = tmp_path / "OR_ABI-L1b-RadF-M6C07_G18_s20252970600210_e20252970609518_c20252970609566.nc"
    abi.write_text(raster_vrt("/etc/passwd"))  # a VRT under a netCDF name
    hsd = tmp_path / "HS_H09_20251024_0600_B07_FLDK_R20_S0110.DAT"
    hsd.write_bytes(b"CDF\x01" + b"\x00" * 64)  # netCDF (remote references possible) under an HSD name
    for path in (abi, hsd):
        with pytest.raises(UnsafeFileError):
            read_slot([path])


def _h5_reaching_out(path: Path, secret: Path, how: str) -> None:
    import h5py

    with h5py.File(path, "w") as f:
        f.create_dataset("Rad", data=np.zeros((4, 4), "u2"))  # a plain dataset first: it alone is fine
        if how == "external link":
            f["leak"] = h5py.ExternalLink(str(secret), "/data")
        elif how == "external storage":
            f.create_dataset("leak", shape=(16,), dtype="u1", external=[(str(secret), 0, 16)])
        else:
            layout = h5py.VirtualLayout(shape=(4,), dtype="u1")
            layout[:] = h5py.VirtualSource(str(secret), "data", shape=(4,))
            f.create_group("g").create_virtual_dataset("leak", layout)


@pytest.mark.parametrize("how", ["external link", "external storage", "virtual dataset"])
def test_hdf5_files_that_read_other_files_are_refused(tmp_path: Path, how: str) -> None:
    import h5py

    from firegrid.imagery.geostationary.reader import read_slot

    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.h5"
    with h5py.File(secret, "w") as f:
        f["data"] = np.frombuffer(b"top-secret-bytes", "u1")
    name = "OR_ABI-L1b-RadF-M6C07_G18_s20252970600210_e20252970609518_c20252970609566.nc"
    inside = tmp_path / "roots"
    inside.mkdir()
    _h5_reaching_out(inside / name, secret, how)
    with pytest.raises(UnsafeFileError, match=f"{name}: refused, the file holds .*/leak"):
        read_slot([inside / name])
    plain = inside / name.replace("C07", "C14")
    with h5py.File(plain, "w") as f:
        f["Rad"] = np.zeros((2, 2), "u2")
    from firegrid.files.sniff import check_geo_file

    check_geo_file(plain)  # a plain HDF5 file passes the gate
