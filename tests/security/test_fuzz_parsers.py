"""Fuzz the parsers of outside data: whatever the bytes, a parser returns a result with per-row errors or
raises a firegrid ``InputError`` naming the input — never another exception (which would fail a batch)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firegrid.drones.metadata import xmp_dji
from firegrid.errors import FiregridError
from firegrid.firepoints.formats import read_fire_points
from firegrid.imagery.landsat import acquisition_time, parse_mtl, reflectance_coefficients

FIRMS_HEADER = (
    "latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,satellite,confidence,version,frp,daynight"
)
GOOD_ROW = "38.79393,112.86973,353.84,0.39,0.36,2024-10-28,0536,N,nominal,2.0NRT,3.47,D"
BULLETIN_HEADER = "序号,区县,乡镇,经度,纬度,监测时间,卫星,可信度"
GOOD_BULLETIN = "1,忻府区,秀容街道,112.73,38.41,2024-10-28 13:36,NPP,高"
FUZZ = settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)

cell = st.one_of(
    st.text(max_size=12),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(-(10**12), 10**12).map(str),
    st.sampled_from(
        ["", "nan", "1e309", "-0", "２０２４-10-28", "24:61", "北", '"', "\x00", "38.7,", "０.５"]
    ),
)
row = st.lists(cell, min_size=0, max_size=14).map(lambda cells: ",".join(c.replace("\n", " ") for c in cells))
encoding = st.sampled_from(["utf-8", "gbk", "utf-8-sig", "utf-16"])


def _write(data: bytes, suffix: str) -> Path:
    handle = tempfile.NamedTemporaryFile(suffix=suffix, delete=False)  # noqa: SIM115 - closed right away
    handle.write(data)
    handle.close()
    return Path(handle.name)


def _parse_or_input_error(path: Path) -> None:
    try:
        result = read_fire_points(path)
    except FiregridError:
        return
    finally:
        path.unlink(missing_ok=True)
    assert len(result.detections) <= max(result.rows_read, len(result.detections))
    for error in result.errors:
        assert error.message  # every rejected row says why


@FUZZ
@given(rows=st.lists(row, max_size=8), good=st.integers(0, 3), enc=encoding)
def test_firms_csv(rows: list[str], good: int, enc: str) -> None:
    text = "\n".join([FIRMS_HEADER, *([GOOD_ROW] * good), *rows]) + "\n"
    _parse_or_input_error(_write(text.encode(enc, errors="replace"), ".csv"))


@FUZZ
@given(rows=st.lists(row, max_size=8), good=st.integers(0, 3), enc=encoding)
def test_bulletin_csv(rows: list[str], good: int, enc: str) -> None:
    text = "\n".join([BULLETIN_HEADER, *([GOOD_BULLETIN] * good), *rows]) + "\n"
    _parse_or_input_error(_write(text.encode(enc, errors="replace"), ".csv"))


@FUZZ
@given(data=st.binary(max_size=400))
def test_any_bytes_as_a_fire_point_file(data: bytes) -> None:
    for suffix in (".csv", ".json", ".txt", ".xlsx"):
        _parse_or_input_error(_write(data, suffix))


mtl_line = st.one_of(
    st.builds(
        lambda k, v: f"    {k} = {v}",
        st.sampled_from(
            ["REFLECTANCE_MULT_BAND_7", "REFLECTANCE_ADD_BAND_7", "DATE_ACQUIRED", "SCENE_CENTER_TIME"]
        ),
        cell,
    ),
    st.text(max_size=30),
)


@FUZZ
@given(lines=st.lists(mtl_line, max_size=10), as_json=st.booleans(), raw=st.binary(max_size=60))
def test_mtl(lines: list[str], as_json: bool, raw: bytes) -> None:
    if as_json:
        body = json.dumps(
            {"LANDSAT_METADATA_FILE": dict(line.split("=", 1) for line in lines if "=" in line)}
        )
        data = body.encode() + (raw if raw.startswith(b"x") else b"")
    else:
        data = "\n".join(lines).encode() + raw
    path = _write(data, ".json" if as_json else "_MTL.txt")
    try:
        mtl = parse_mtl(path)
        reflectance_coefficients(mtl, 7)
        acquisition_time(mtl)
    except FiregridError:
        pass
    finally:
        path.unlink(missing_ok=True)


xmp_value = st.one_of(cell, st.just("+12.5"), st.just("-90.0"))


@FUZZ
@given(values=st.lists(xmp_value, max_size=6), noise=st.binary(max_size=200), as_attr=st.booleans())
def test_dji_xmp(values: list[str], noise: bytes, as_attr: bool) -> None:
    names = [
        "GimbalPitchDegree",
        "GimbalYawDegree",
        "RelativeAltitude",
        "FlightRollDegree",
        "AbsoluteAltitude",
        "X",
    ]
    if as_attr:
        fields = " ".join(f'drone-dji:{n}="{v}"' for n, v in zip(names, values, strict=False))
        packet = f"<x:xmpmeta><rdf:Description {fields}/></x:xmpmeta>"
    else:
        fields = "".join(f"<drone-dji:{n}>{v}</drone-dji:{n}>" for n, v in zip(names, values, strict=False))
        packet = f"<x:xmpmeta>{fields}</x:xmpmeta>"
    parsed = xmp_dji(noise + packet.encode("utf-8", "replace") + noise)
    assert all(isinstance(v, float) for v in parsed.values())
