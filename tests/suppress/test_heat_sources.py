from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from firegrid import geo
from firegrid.detect.detections import Detections
from firegrid.suppress import SuppressionIndex, read_heat_sources, spurious_mask


@pytest.mark.shared_data
def test_power_plant_registry_skips_hydro_wind_and_solar(shared_data: Path) -> None:
    sources, errors = read_heat_sources(
        shared_data / "heat_sources" / "gppd_wri_china_shanxi_and_xinzhou_surroundings.csv"
    )
    assert errors == []
    kinds = {s.kind.lower() for s in sources}
    assert "coal" in kinds and not kinds & {"hydro", "wind", "solar"}
    assert any("Guangyu" in s.name for s in sources)


@pytest.mark.shared_data
def test_gem_coordinates_column(shared_data: Path) -> None:
    sources, errors = read_heat_sources(
        shared_data / "heat_sources" / "gem_gspt_shanxi_steel_plants.csv", 1500
    )
    assert errors == [] and len(sources) == 20
    first = sources[0]
    assert (first.lat, first.lon) == pytest.approx((36.332449, 113.15509))
    assert geo.area_m2(first.geometry) == pytest.approx(np.pi * 1500**2, rel=0.01)


def test_csv_bad_rows_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "plants.csv"
    path.write_text("name,lat,lon,radius_m\nA,38.5,112.5,800\nB,not,112.5,\nC,38.6,112.6,-5\n")
    sources, errors = read_heat_sources(path)
    assert [s.name for s in sources] == ["A"]
    assert [e.line for e in errors] == [3, 4]


def test_index_matches_inside_the_radius_only() -> None:
    from firegrid.suppress.heat_sources import from_point

    plant = from_point("plant", "coal", 112.5, 38.5, 1000, "p1")
    index = SuppressionIndex([7], [plant.geometry])
    north_900m, north_1100m = 38.5 + 900 / 111_000, 38.5 + 1100 / 111_000
    assert list(index.match([112.5, 112.5, 112.5], [38.5, north_900m, north_1100m])) == [7, 7, -1]


def test_spurious_viirs_hits() -> None:
    from datetime import UTC, datetime

    now = datetime(2024, 1, 1, tzinfo=UTC)
    det = Detections.from_columns(
        lon=[1, 1, 1],
        lat=[1, 1, 1],
        observed_at=[now] * 3,
        sensor=["VIIRS", "VIIRS", "MODIS"],
        brightness_k=[340, 340, 340],
        frp=[0.2, 5, 0.2],
    )
    assert list(spurious_mask(det)) == [True, False, False]
