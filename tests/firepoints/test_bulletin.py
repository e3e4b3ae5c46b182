from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from firegrid.firepoints import read_fire_points
from firegrid.firepoints.fields import coordinate


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("112.5", 112.5),
        ("112°30'00\"", 112.5),
        ("112°30′36″", 112.51),
        ("112度30分36秒", 112.51),
        ("38 30 00 S", -38.5),
        ("-38.25", -38.25),
    ],
)
def test_coordinates(text: str, expected: float) -> None:
    assert coordinate(text, "lon") == pytest.approx(expected)


def test_gbk_bulletin_with_title_row_and_dms(tmp_path: Path) -> None:
    text = (
        "忻州市秸秆焚烧火点通报,,,,\n"
        "序号,县(市、区),乡镇,经度,纬度,监测时间\n"
        "1,五台县,东冶镇,113°02'10\",38°40'12\",2024-10-28 13:30\n"
        "2,原平市,,112.70,38.70,2024/10/28 14:05\n"
        "3,代县,,abc,38.70,2024-10-28 14:05\n"
    )
    path = tmp_path / "bulletin.csv"
    path.write_bytes(text.encode("gbk"))
    result = read_fire_points(path)
    assert result.format == "bulletin"
    assert len(result.detections) == 2
    assert result.errors[0].line == 5 and "longitude" in result.errors[0].message
    row = next(result.detections.rows())
    assert row["lon"] == pytest.approx(113 + 2 / 60 + 10 / 3600)
    assert row["observed_at"] == datetime(2024, 10, 28, 5, 30, tzinfo=UTC)  # Beijing time -> UTC
    assert row["attrs"]["reported_county"] == "五台县"
    assert row["attrs"]["reported_township"] == "东冶镇"


def test_xlsx_bulletin_with_date_only(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Fire points, week 44"])
    ws.append(["county", "township", "lon", "lat", "date"])
    ws.append(["代县", "", 112.96, 39.1, datetime(2024, 10, 29)])
    path = tmp_path / "week44.xlsx"
    wb.save(path)
    result = read_fire_points(path)
    assert result.errors == [] and len(result.detections) == 1
    row = next(result.detections.rows())
    assert row["attrs"]["time_precision"] == "day"
    assert row["observed_at"] == datetime(2024, 10, 28, 16, 0, tzinfo=UTC)


def test_corrupt_xlsx_is_refused_by_name(tmp_path: Path) -> None:
    from firegrid.errors import UnsupportedFormatError

    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(UnsupportedFormatError, match=r"broken\.xlsx"):
        read_fire_points(path)
