from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from firegrid.firepoints import read_fire_points

CSPP = (
    "satellite/cspp_activefires/"
    "AFIMG_j01_d20210414_t1126439_e1128084_b17637_c20210414114130392094_cspp_dev.txt"
)


@pytest.mark.shared_data
def test_cspp_edr_parses(shared_data: Path) -> None:
    result = read_fire_points(shared_data / CSPP)
    assert result.format == "cspp" and result.errors == [] and len(result.detections) == 18
    row = next(result.detections.rows())
    assert row["platform"] == "NOAA-20" and row["sensor"] == "VIIRS"
    # mid-granule: 11:26:43.9 .. 11:28:08.4
    assert row["observed_at"] == datetime(2021, 4, 14, 11, 27, 26, 150000, tzinfo=UTC)
    assert row["footprint_m"] == pytest.approx(375.0)
    assert row["confidence"] == pytest.approx(0.6)  # class 8 = nominal


def test_cspp_eight_columns_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "AFIMG_npp_d20211001_t2359000_e0001000_b1_c1_cspp_dev.txt"
    path.write_text(
        "# Active Fires I-band EDR\n#\n"
        "  59.1,  17.1,  331.5,  0.375,  0.375,  9,  4.6, 0\n"
        "  59.1,  17.1,  331.5,  0.375,  0.375,  5,  4.6\n"
        "  59.1\n"
    )
    result = read_fire_points(path)
    assert len(result.detections) == 1
    assert [e.line for e in result.errors] == [4, 5]
    row = next(result.detections.rows())
    assert row["platform"] == "Suomi NPP"
    assert row["observed_at"] == datetime(2021, 10, 2, 0, 0, tzinfo=UTC)  # crosses midnight
    assert row["attrs"]["anomaly"] == "0"
