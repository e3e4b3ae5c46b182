from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
import rasterio

from firegrid.imagery.landsat import acquisition_time, parse_mtl, reflectance_coefficients
from firegrid.imagery.open import open_scene
from firegrid.imagery.windows import SceneReader, WindowSpec
from tests.imagery.helpers import write_band

TOA = "satellite/landsat_toa_reference"


@pytest.mark.shared_data
@pytest.mark.parametrize(
    "name",
    [
        "mtltest_v2_LC08_L1TP_188018_20200927_20201005_02_T1_MTL.txt",
        "mtltest_v3_LC08_L1TP_009057_20141023_20200910_02_T1_MTL.txt",
    ],
)
def test_collection2_mtl_texts_parse(shared_data: Path, name: str) -> None:
    mtl = parse_mtl(shared_data / TOA / name)
    mult, add = reflectance_coefficients(mtl, 7)
    assert mult == pytest.approx(2e-5) and add == pytest.approx(-0.1)
    assert mtl["SPACECRAFT_ID"] == "LANDSAT_8" and float(mtl["SUN_ELEVATION"]) > 0
    assert acquisition_time(mtl) is not None and acquisition_time(mtl).tzinfo is UTC  # type: ignore[union-attr]


@pytest.mark.shared_data
def test_v2_acquisition_time(shared_data: Path) -> None:
    mtl = parse_mtl(shared_data / TOA / "mtltest_v2_LC08_L1TP_188018_20200927_20201005_02_T1_MTL.txt")
    assert acquisition_time(mtl) == datetime(2020, 9, 27, 9, 29, 57, 870766, tzinfo=UTC)


@pytest.mark.shared_data
def test_toa_reflectance_matches_rio_toa_golden(shared_data: Path, tmp_path: Path) -> None:
    """refl = 55000 * (DN * 2e-5 - 0.1) / sin(sun elevation); max abs error <= 1e-4 after the scale."""
    folder = tmp_path / "LC81390452014295LGN00"
    folder.mkdir()
    (folder / "LC81390452014295LGN00_MTL.json").write_bytes(
        (shared_data / TOA / "LC81390452014295LGN00_MTL.json").read_bytes()
    )
    with rasterio.open(shared_data / TOA / "tiny_LC81390452014295LGN00_B5.TIF") as ds:
        dn = ds.read(1)
        for n in (5, 7):  # the reader needs band 7 for the grid; reuse band 5's pixels
            write_band(folder / f"LC81390452014295LGN00_B{n}.TIF", dn, crs=ds.crs.to_string(), res=600.0)
    with rasterio.open(shared_data / TOA / "tiny_LC81390452014295LGN00_B5_refl.TIF") as ds:
        golden = ds.read(1).astype(np.float64) / 55000.0
    scene = open_scene(folder)
    assert scene.sensor == "landsat" and scene.reflectance == "uncorrected"
    assert scene.sun_elevation == pytest.approx(52.12893938)
    with SceneReader(scene) as reader:
        window = reader.read(WindowSpec(0, 0, 0, scene.height, scene.width), ("b5",), 0, sun_corrected=True)
    ours = window.bands["b5"].astype(np.float64)
    valid = dn > 0
    assert np.nanmax(np.abs(ours[valid] - golden[valid])) <= 1e-4
    assert not window.valid[~valid].any()  # DN 0 is fill
    expected = (dn[valid] * 2e-5 - 0.1) / math.sin(math.radians(52.12893938))
    assert np.allclose(ours[valid], expected, atol=1e-6)


def test_landsat_folder_with_qa(tmp_path: Path) -> None:
    folder = tmp_path / "LC09_L1TP_125033_20241028_20241028_02_T1"
    name = folder.name
    (folder).mkdir()
    lines = [
        "GROUP = LANDSAT_METADATA_FILE",
        "  GROUP = PRODUCT_CONTENTS",
        f'    LANDSAT_PRODUCT_ID = "{name}"',
    ]
    lines += [f'    FILE_NAME_BAND_{n} = "{name}_B{n}.TIF"' for n in range(1, 8)]
    lines += [
        f'    FILE_NAME_QUALITY_L1_PIXEL = "{name}_QA_PIXEL.TIF"',
        "  END_GROUP = PRODUCT_CONTENTS",
        "  GROUP = IMAGE_ATTRIBUTES",
        '    SPACECRAFT_ID = "LANDSAT_9"',
        "    DATE_ACQUIRED = 2024-10-28",
        '    SCENE_CENTER_TIME = "03:05:11.1234560Z"',
        "    SUN_ELEVATION = 30.0",
        "  END_GROUP = IMAGE_ATTRIBUTES",
        "  GROUP = LEVEL1_RADIOMETRIC_RESCALING",
    ]
    lines += [
        f"    REFLECTANCE_MULT_BAND_{n} = 2.0000E-05\n    REFLECTANCE_ADD_BAND_{n} = -0.100000"
        for n in range(1, 8)
    ]
    lines += ["  END_GROUP = LEVEL1_RADIOMETRIC_RESCALING", "END_GROUP = LANDSAT_METADATA_FILE", "END"]
    (folder / f"{name}_MTL.txt").write_text("\n".join(lines))
    dn = np.full((4, 4), 20000, np.uint16)
    for n in range(1, 8):
        write_band(folder / f"{name}_B{n}.TIF", dn)
    qa = np.zeros((4, 4), np.uint16)
    qa[0, 0] = 1  # fill
    qa[1, 1] = 1 << 3  # cloud
    qa[2, 2] = 1 << 7  # water
    write_band(folder / f"{name}_QA_PIXEL.TIF", qa)
    scene = open_scene(folder)
    assert (scene.platform, scene.scene_id) == ("Landsat-9", name)
    assert scene.acquired_at == datetime(2024, 10, 28, 3, 5, 11, 123456, tzinfo=UTC)
    with SceneReader(scene) as reader:
        w = reader.read(WindowSpec(0, 0, 0, 4, 4), ("b5", "b7"), 1, sun_corrected=False)
    assert w.bands["b5"][1, 1] == pytest.approx(20000 * 2e-5 - 0.1)  # uncorrected for Schroeder
    assert not w.valid[1, 1] and not w.valid[2, 2] and w.water[3, 3]  # padded by 1
    assert not w.inside[0, 0] and w.valid.sum() == 14


def test_corrupt_band_file_is_named(tmp_path: Path) -> None:
    from firegrid.errors import InputError

    (tmp_path / "band7.tif").write_bytes(b"II*\x00garbage")
    with pytest.raises(InputError, match=r"band7\.tif: cannot read raster"):
        open_scene(tmp_path)
