from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from firegrid.imagery.open import band_name, open_scene
from firegrid.imagery.windows import SceneReader, WindowSpec
from tests.imagery.helpers import write_band

MTD = """<?xml version="1.0" encoding="UTF-8"?>
<n1:Level-1C_User_Product xmlns:n1="https://psd-14.sentinel2.eo.esa.int/PSD/User_Product_Level-1C.xsd">
 <n1:General_Info><Product_Info>
  <PRODUCT_START_TIME>2024-10-28T03:18:09.024Z</PRODUCT_START_TIME>
  <PRODUCT_URI>S2B_MSIL1C_20241028T031809_N0511_R118_T49SGA_20241028T040000.SAFE</PRODUCT_URI>
  <PROCESSING_BASELINE>05.11</PROCESSING_BASELINE>
  <Datatake><SPACECRAFT_NAME>Sentinel-2B</SPACECRAFT_NAME></Datatake>
 </Product_Info>
 <Product_Image_Characteristics>
  <QUANTIFICATION_VALUE unit="none">10000</QUANTIFICATION_VALUE>
  <Radiometric_Offset_List>{offsets}</Radiometric_Offset_List>
 </Product_Image_Characteristics></n1:General_Info>
</n1:Level-1C_User_Product>"""


def make_safe(root: Path) -> Path:
    safe = root / "S2B_MSIL1C_20241028T031809_N0511_R118_T49SGA_20241028T040000.SAFE"
    offsets = "".join(f'<RADIO_ADD_OFFSET band_id="{i}">-1000</RADIO_ADD_OFFSET>' for i in range(13))
    safe.mkdir(parents=True)
    (safe / "MTD_MSIL1C.xml").write_text(MTD.format(offsets=offsets))
    img = safe / "GRANULE" / "L1C_T49SGA_A000001_20241028T031809" / "IMG_DATA"
    stem = "T49SGA_20241028T031809"
    b12 = np.full((6, 6), 2000, np.uint16)  # (2000 - 1000) / 10000 = 0.1
    b12[3, 3] = 65535  # saturated
    b12[0, 0] = 0  # nodata
    write_band(img / f"{stem}_B12.jp2", b12, res=20.0, driver="JP2OpenJPEG")
    write_band(img / f"{stem}_B11.jp2", np.full((6, 6), 3000, np.uint16), res=20.0, driver="JP2OpenJPEG")
    write_band(img / f"{stem}_B8A.jp2", np.full((6, 6), 4000, np.uint16), res=20.0, driver="JP2OpenJPEG")
    b04 = np.tile(np.array([[1500, 2500], [2500, 1500]], np.uint16), (6, 6))  # 12x12 at 10 m, 2x2 mean 2000
    write_band(img / f"{stem}_B04.jp2", b04, res=10.0, driver="JP2OpenJPEG")
    return safe


def test_safe_offsets_quantification_and_10m_averaging(tmp_path: Path) -> None:
    scene = open_scene(make_safe(tmp_path))
    assert scene.sensor == "sentinel2" and scene.platform == "Sentinel-2B"
    assert scene.acquired_at == datetime(2024, 10, 28, 3, 18, 9, 24000, tzinfo=UTC)
    assert (scene.width, scene.height, scene.bands["b4"].factor) == (6, 6, 2)
    with SceneReader(scene) as reader:
        w = reader.read(WindowSpec(0, 0, 0, 6, 6), ("b4", "b8a", "b11", "b12"), 0, sun_corrected=True)
    assert w.bands["b12"][1, 1] == pytest.approx(0.1)
    assert w.bands["b11"][1, 1] == pytest.approx(0.2)
    assert w.bands["b4"][1, 1] == pytest.approx(0.1)  # (2000 - 1000) / 10000 after 2x2 averaging
    assert not w.valid[0, 0]  # DN 0 is nodata
    assert w.saturated[3, 3] and w.saturated.sum() == 1


def test_safe_on_the_10m_grid_windows_match_the_whole_image(tmp_path: Path) -> None:
    scene = open_scene(make_safe(tmp_path), resolution=10)
    assert (scene.width, scene.height) == (12, 12)
    assert scene.bands["b12"].upsample == 2 and scene.bands["b4"].factor == 1
    with SceneReader(scene) as reader:
        whole = reader.read(WindowSpec(0, 0, 0, 12, 12), ("b4", "b12"), 0, sun_corrected=True)
        part = reader.read(WindowSpec(1, 5, 3, 4, 7), ("b4", "b12"), 1, sun_corrected=True)
    assert whole.bands["b4"][0, 1] == pytest.approx(0.15)  # 10 m values kept
    assert whole.bands["b12"][6, 6] == whole.bands["b12"][7, 7]  # one 20 m pixel -> 2x2
    for band in ("b4", "b12"):
        core = part.bands[band][part.core]
        np.testing.assert_array_equal(core, whole.bands[band][5:9, 3:10])
    assert whole.saturated[6:8, 6:8].all() and whole.saturated.sum() == 4


@pytest.mark.parametrize(
    ("name", "band"),
    [
        ("band7.tif", "b7"),
        ("LC08_L1TP_B7.TIF", "b7"),
        ("T50SKH_20241028_B12.jp2", "b12"),
        ("B8A_20m.tif", "b8a"),
        ("B04.tif", "b4"),
        ("b10.TIF", "b10"),
        ("notes.txt", None),
        ("thumbnail.png", None),
    ],
)
def test_band_names(name: str, band: str | None) -> None:
    assert band_name(name) == band


def test_integer_band_folder_uses_the_s2_offset(tmp_path: Path) -> None:
    for name in ("B8A", "B11", "B12"):
        write_band(tmp_path / f"{name}.tif", np.full((3, 3), 3000, np.uint16), res=20.0)
    scene = open_scene(tmp_path)
    assert scene.sensor == "sentinel2"
    with SceneReader(scene) as reader:
        w = reader.read(WindowSpec(0, 0, 0, 3, 3), ("b8a", "b11", "b12"), 0, sun_corrected=True)
    assert w.bands["b12"][0, 0] == pytest.approx(0.2)
