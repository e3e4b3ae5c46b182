from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely
from pyogrio.raw import read, write
from pyproj import Transformer
from shapely.geometry import Polygon, box

from firegrid import sample
from firegrid.grid.build import FieldMap, build_grid
from firegrid.vector import read_vector
from tests.grid.helpers import feature, two_by_two
from tests.grid.helpers import write as write_geojson


def test_sample_grid_is_clean() -> None:
    tree, report = build_grid(read_vector(sample.path(sample.GRID)))
    levels = [c.level for c in tree]
    assert levels.count("county") == 14 and levels.count("township") == 173
    assert levels.count("village") > 1000
    assert (
        report.rejected == [] and report.overlaps == [] and report.gaps == [] and report.outside_parent == []
    )
    assert tree.path("140902001001") == "140900/140902/140902001/140902001001"


def test_invalid_polygon_is_repaired_and_reported(tmp_path: Path) -> None:
    bowtie = Polygon([(112, 38), (112.01, 38.01), (112.01, 38), (112, 38.01), (112, 38)])
    tree, report = build_grid(
        read_vector(write_geojson(tmp_path / "g.geojson", [feature("A", "village", None, bowtie)]))
    )
    assert "A" in tree.cells and tree["A"].geometry.is_valid
    assert (
        len(report.repaired) == 1
        and "code A" in report.repaired[0]
        and "Self-intersection" in report.repaired[0]
    )


def test_unusable_features_are_rejected_by_name(tmp_path: Path) -> None:
    cell = box(112, 38, 112.01, 38.01)
    features = [
        feature("C", "county", None, cell),
        feature("C", "county", None, cell),  # duplicate
        feature("", "village", "C", cell),  # no code
        feature("X", "hamlet", "C", cell),  # unknown level
        feature("V", "village", "NOPE", cell),  # missing parent
        feature("T", "county", "C", cell),  # parent not above
        feature("W", "village", "V", cell),  # parent rejected... and not above
        feature("L", "village", "C", {"type": "LineString", "coordinates": [[112, 38], [112.01, 38.01]]}),
    ]
    tree, report = build_grid(read_vector(write_geojson(tmp_path / "g.geojson", features)))
    assert list(tree.cells) == ["C"]
    text = "\n".join(report.rejected)
    assert "feature #1 (code C): duplicate code" in text
    assert "feature #2: no code" in text
    assert "code X): unknown level 'hamlet'" in text
    assert "code V: parent NOPE does not exist" in text
    assert "code T: parent C is a county, not above county" in text
    assert "code L): no polygon left after repair" in text


def test_overlaps_and_gaps_between_siblings_are_reported(tmp_path: Path) -> None:
    features = [
        feature("C", "county", None, box(112, 38, 112.03, 38.01)),
        feature("A", "township", "C", box(112, 38, 112.012, 38.01)),  # overlaps B by 0.002 deg
        feature("B", "township", "C", box(112.01, 38, 112.02, 38.01)),  # gap from 112.02 to 112.03
    ]
    _, report = build_grid(read_vector(write_geojson(tmp_path / "g.geojson", features)))
    assert [(o["a"], o["b"]) for o in report.overlaps] == [("A", "B")]
    assert report.overlaps[0]["area_m2"] == pytest.approx(0.002 * 0.01 * 111320 * 87700, rel=0.05)
    assert report.gaps[0]["parent"] == "C"
    assert report.gaps[0]["area_m2"] == pytest.approx(0.01 * 0.01 * 111320 * 87700, rel=0.05)


def test_custom_field_names_and_chinese_levels(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "g.geojson",
        [
            {
                "type": "Feature",
                "properties": {"bm": "1", "mc": "甲县", "jb": "县", "sj": None},
                "geometry": box(112, 38, 112.01, 38.01).__geo_interface__,
            },
            {
                "type": "Feature",
                "properties": {"bm": "2", "mc": "乙镇", "jb": "乡镇", "sj": "1"},
                "geometry": box(112, 38, 112.01, 38.01).__geo_interface__,
            },
        ],
    )
    tree, report = build_grid(read_vector(path), FieldMap(code="bm", name="mc", level="jb", parent="sj"))
    assert report.rejected == []
    assert tree["2"].level == "township" and tree["2"].name == "乙镇" and tree.path("2") == "1/2"


def test_projected_input_is_reprojected(tmp_path: Path) -> None:
    meta, _, wkb, fields = read(str(two_by_two(tmp_path / "wgs.geojson")))
    to_utm = Transformer.from_crs(4326, 32649, always_xy=True)
    geoms = shapely.transform(
        shapely.from_wkb(wkb), lambda xy: np.column_stack(to_utm.transform(xy[:, 0], xy[:, 1]))
    )
    path = tmp_path / "utm.gpkg"
    write(
        str(path),
        shapely.to_wkb(geoms),
        fields,
        meta["fields"],
        crs="EPSG:32649",
        geometry_type="Polygon",
        driver="GPKG",
    )
    layer = read_vector(path)
    assert layer.source_crs == "EPSG:32649"
    tree, _ = build_grid(layer)
    assert tree["C"].geometry.bounds == pytest.approx((112, 38, 112.02, 38.02), abs=1e-7)
