"""Small files in the published geostationary formats, written with satpy's own definitions.

* Himawari Standard Data (HSD): the header blocks are satpy's ``ahi_hsd`` dtypes filled in as JMA's
  "Himawari Standard Data User's Guide" lays them out (11 blocks, then uint16 counts); full-disk
  segments at the real sizes (2 km: 5500 x 550 per segment), optionally bz2-compressed like the
  files in NOAA's bucket.
* FY-4B AGRI L1 (HDF5): the groups, datasets and attributes satpy's ``agri_fy4b_l1`` reader reads
  (``Data/NOMChannelNN`` counts, ``Calibration/CALChannelNN`` look-up tables, the navigation
  attributes), for a region of the full disk.
"""

from __future__ import annotations

import bz2
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

FLDK = {  # resolution (m) -> columns, lines per segment (10 segments), CFAC/LFAC, COFF/LOFF
    2000: (5500, 550, 20466275, 2750.5),
    1000: (11000, 1100, 40932549, 5500.5),
    500: (22000, 2200, 81865099, 11000.5),
}
AHI_BANDS = {  # band -> resolution m, central wavelength µm, kind
    "B03": (500, 0.6399, "vis"),
    "B04": (1000, 0.8565, "vis"),
    "B07": (2000, 3.8853, "ir"),
    "B14": (2000, 11.2321, "ir"),
    "B15": (2000, 12.3806, "ir"),
}
IR_GAIN, IR_OFFSET = 0.0011, -0.01  # count -> radiance W m-2 sr-1 µm-1
VIS_GAIN, VIS_OFFSET, ALBEDO = 0.05, 0.0, 0.0019  # count -> radiance -> albedo
H, C, K = 6.62606957e-34, 299792458.0, 1.3806488e-23
SUB_LON = 140.7
MJD0 = datetime(1858, 11, 17, tzinfo=UTC)


def hsd_name(band: str, when: datetime, segment: int, compressed: bool = False) -> str:
    """``HS_H09_YYYYMMDD_HHMM_Bnn_FLDK_Rrr_Sss10.DAT[.bz2]``."""
    res = {500: "05", 1000: "10", 2000: "20"}[AHI_BANDS[band][0]]
    name = f"HS_H09_{when:%Y%m%d_%H%M}_{band}_FLDK_R{res}_S{segment:02d}10.DAT"
    return name + (".bz2" if compressed else "")


def ahi_segment_area(band: str, segment: int):  # type: ignore[no-untyped-def]
    """The pyresample area of one FLDK segment, built the way satpy's reader builds it."""
    from satpy.readers.core._geos_area import get_area_definition, get_area_extent

    cols, lines, cfac, off = FLDK[AHI_BANDS[band][0]]
    pdict = {
        "cfac": np.uint32(cfac),
        "lfac": np.uint32(cfac),
        "coff": np.float32(off),
        "loff": -np.float32(off) + 1 + segment * lines,
        "a": 6378137.0,
        "h": 35785863.0,
        "b": 6356752.3,
        "ssp_lon": SUB_LON,
        "nlines": lines,
        "ncols": cols,
        "scandir": "N2S",
        "a_name": "FLDK",
        "a_desc": "AHI FLDK area",
        "p_id": "geosh9",
    }
    return get_area_definition(pdict, get_area_extent(pdict))


def ahi_pixel(band: str, lon: float, lat: float) -> tuple[int, int, int]:
    """(segment, row in the segment, column) of a point in a band's full-disk grid."""
    for segment in range(1, 11):
        area = ahi_segment_area(band, segment)
        try:
            col, row = area.get_array_indices_from_lonlat(lon, lat)
        except ValueError:  # outside this segment
            continue
        return segment, int(row), int(col)
    raise ValueError(f"{lon}, {lat} is not on the disk")


def _planck_radiance(wavelength_um: float, t: np.ndarray) -> np.ndarray:
    w = wavelength_um * 1e-6
    return 2 * H * C**2 / (w**5 * np.expm1(H * C / (K * w * t))) / 1e6


def _counts(band: str, values: np.ndarray) -> np.ndarray:
    _, wavelength, kind = AHI_BANDS[band]
    radiance = _planck_radiance(wavelength, values) if kind == "ir" else values / ALBEDO
    gain, offset = (IR_GAIN, IR_OFFSET) if kind == "ir" else (VIS_GAIN, VIS_OFFSET)
    return np.clip(np.round((radiance - offset) / gain), 1, 16000).astype("<u2")


def _blocks(band: str, when: datetime, segment: int, name: str):  # type: ignore[no-untyped-def]
    from satpy.readers import ahi_hsd as d

    res, wavelength, kind = AHI_BANDS[band]
    cols, lines, cfac, off = FLDK[res]

    def block(dtype: np.dtype, number: int, length: int | None = None, **values: object) -> np.ndarray:
        arr = np.zeros(1, dtype)
        arr["hblock_number"], arr["blocklength"] = number, length or dtype.itemsize
        for key, value in values.items():
            arr[key] = value
        return arr

    start = (when - MJD0).total_seconds() / 86400 + 20 / 86400
    cal_type = d._IRCAL_INFO_TYPE if kind == "ir" else d._VISCAL_INFO_TYPE
    cal = np.zeros(1, cal_type)
    if kind == "ir":
        cal["c1_rad2tb_conversion"], cal["c1_tb2rad_conversion"] = 1.0, 1.0
        cal["speed_of_light"], cal["planck_constant"], cal["boltzmann_constant"] = C, H, K
    else:
        cal["coeff_rad2albedo_conversion"] = ALBEDO
        cal["cali_gain_count2rad_conversion"], cal["cali_offset_count2rad_conversion"] = VIS_GAIN, VIS_OFFSET
    gain, offset = (IR_GAIN, IR_OFFSET) if kind == "ir" else (VIS_GAIN, VIS_OFFSET)
    parts = [
        None,  # block 1 last: it needs the total header length
        block(
            d._DATA_INFO_TYPE, 2, number_of_bits_per_pixel=16, number_of_columns=cols, number_of_lines=lines
        ),
        block(
            d._PROJ_INFO_TYPE,
            3,
            sub_lon=SUB_LON,
            CFAC=cfac,
            LFAC=cfac,
            COFF=off,
            LOFF=off,
            distance_from_earth_center=42164.0,
            earth_equatorial_radius=6378.137,
            earth_polar_radius=6356.7523,
            req2_rpol2_req2=0.0066943844,
            rpol2_req2=0.993305616,
            req2_rpol2=1.006739501,
            coeff_for_sd=1737122264.0,
        ),
        block(
            d._NAV_INFO_TYPE,
            4,
            navigation_info_time=start,
            SSP_longitude=SUB_LON,
            SSP_latitude=0.0,
            distance_earth_center_to_satellite=42164.0,
            nadir_longitude=SUB_LON,
            nadir_latitude=0.0,
        ),
        block(
            d._CAL_INFO_TYPE,
            5,
            d._CAL_INFO_TYPE.itemsize + cal_type.itemsize,
            band_number=int(band[1:]),
            central_wave_length=wavelength,
            valid_number_of_bits_per_pixel=14,
            count_value_error_pixels=65535,
            count_value_outside_scan_pixels=65534,
            gain_count2rad_conversion=gain,
            offset_count2rad_conversion=offset,
        ),
        cal,
        block(d._INTER_CALIBRATION_INFO_TYPE, 6),
        block(
            d._SEGMENT_INFO_TYPE,
            7,
            total_number_of_segments=10,
            segment_sequence_number=segment,
            first_line_number_of_image_segment=(segment - 1) * lines + 1,
        ),
        block(d._NAVIGATION_CORRECTION_INFO_TYPE, 8, d._NAVIGATION_CORRECTION_INFO_TYPE.itemsize + 40),
        np.zeros(40, np.uint8),
        block(d._OBSERVATION_TIME_INFO_TYPE, 9, d._OBSERVATION_TIME_INFO_TYPE.itemsize + 40),
        np.zeros(40, np.uint8),
        block(d._ERROR_INFO_TYPE, 10, d._ERROR_INFO_TYPE.itemsize + 40),
        np.zeros(40, np.uint8),
        block(d._SPARE_TYPE, 11),
    ]
    header = sum(p.nbytes for p in parts[1:]) + d._BASIC_INFO_TYPE.itemsize
    parts[0] = block(
        d._BASIC_INFO_TYPE,
        1,
        total_number_of_hblocks=11,
        satellite=b"Himawari-9",
        proc_center_name=b"MSC",
        observation_area=b"FLDK",
        observation_timeline=int(f"{when:%H%M}"),
        observation_start_time=start,
        observation_end_time=start + 9 / 1440,
        file_creation_time=start + 15 / 1440,
        total_header_length=header,
        total_data_length=cols * lines * 2,
        file_format_version=b"1.3",
        file_name=name.encode()[:128],
    )
    return parts


def write_hsd(
    folder: Path, band: str, when: datetime, segment: int, values: np.ndarray, compress: bool = False
) -> Path:
    """One full-disk segment file; ``values`` are K (IR) or reflectance 0-1 (VIS), shaped like the segment."""
    cols, lines, _, _ = FLDK[AHI_BANDS[band][0]]
    if values.shape != (lines, cols):
        raise ValueError(f"{band} segment is {(lines, cols)}, got {values.shape}")
    name = hsd_name(band, when, segment, compressed=False)
    raw = b"".join(p.tobytes() for p in _blocks(band, when, segment, name)) + _counts(band, values).tobytes()
    path = folder / hsd_name(band, when, segment, compressed=compress)
    path.write_bytes(bz2.compress(raw, 1) if compress else raw)
    return path


def ahi_slot(
    folder: Path,
    when: datetime,
    segments: list[int],
    fires: list[tuple[float, float, float]],
    bands: tuple[str, ...] = ("B04", "B07", "B14", "B15"),
    compress: bool = False,
    seed: int = 0,
) -> list[Path]:
    """A clear daytime-like slot: ~290 K land with 0.4 K noise; ``fires`` = (lon, lat, kelvin on B07)."""
    rng = np.random.default_rng(seed)
    paths = []
    for band in bands:
        res, _, kind = AHI_BANDS[band]
        cols, lines, _, _ = FLDK[res]
        for segment in segments:
            if kind == "vis":
                values = np.full((lines, cols), 0.2, np.float32)
            else:
                base = {"B07": 292.0, "B14": 284.0, "B15": 283.0}[band]
                values = (base + rng.normal(0, 0.4, (lines, cols))).astype(np.float32)
                for lon, lat, kelvin in fires:
                    seg, row, col = ahi_pixel(band, lon, lat)
                    if seg == segment:
                        values[row, col] += kelvin if band == "B07" else kelvin / 15
            paths.append(write_hsd(folder, band, when, segment, values, compress))
    return paths


AGRI_RES = {4000: (10233137.0, 1373.5)}


def agri_name(when: datetime) -> str:
    """A FY-4B AGRI L1 4 km full-disk file name in the NSMC pattern."""
    end = when + timedelta(minutes=14, seconds=59)
    return (
        f"FY4B-_AGRI--_N_DISK_1050E_L1-_FDI-_MULT_NOM_{when:%Y%m%d%H%M%S}_{end:%Y%m%d%H%M%S}_4000M_V0001.HDF"
    )


def write_agri(
    folder: Path,
    when: datetime,
    first_line: int,
    first_col: int,
    shape: tuple[int, int],
    bt: dict[str, np.ndarray],
    refl: dict[str, np.ndarray],
    sub_lon: float = 105.0,
) -> Path:
    """A FY-4B AGRI 4 km L1 file for the region starting at (first_line, first_col) of the full disk."""
    import h5py

    path = folder / agri_name(when)
    lut_k = np.linspace(150.0, 400.0, 4096).astype(np.float32)  # count -> K
    end = when + timedelta(minutes=14, seconds=59)
    with h5py.File(path, "w") as f:
        attrs = {
            "Observing Beginning Date": f"{when:%Y-%m-%d}",
            "Observing Beginning Time": f"{when:%H:%M:%S}.000",
            "Observing Ending Date": f"{end:%Y-%m-%d}",
            "Observing Ending Time": f"{end:%H:%M:%S}.000",
            "Begin Pixel Number": np.int32(first_col),
            "End Pixel Number": np.int32(first_col + shape[1] - 1),
            "Begin Line Number": np.int32(first_line),
            "End Line Number": np.int32(first_line + shape[0] - 1),
            "Semimajor axis of ellipsoid": np.float64(6378137.0),
            "Semiminor axis of ellipsoid": np.float64(6356752.3),
            "NOMSatHeight": np.float64(42164000.0),
            "NOMCenterLon": np.float64(sub_lon),
            "NOMCenterLat": np.float64(0.0),
            "RegLength": np.int32(shape[0]),
            "RegWidth": np.int32(shape[1]),
            "Satellite Name": "FY4B",
            "Sensor Identification Code": "AGRI",
        }
        for key, value in attrs.items():
            f.attrs[key] = value
        coef = np.zeros((15, 2), np.float32)
        coef[:, 0] = 1e-4  # reflectance = 1e-4 x count
        f.create_dataset("Calibration/CALIBRATION_COEF(SCALE+OFFSET)", data=coef)
        for name, values in bt.items():
            counts = np.clip(np.round((values - 150.0) / (250.0 / 4095)), 0, 4095).astype(np.uint16)
            ds = f.create_dataset(f"Data/NOMChannel{name[1:]}", data=counts)
            ds.attrs["FillValue"], ds.attrs["valid_range"] = np.uint16(65535), np.array([0, 4095], np.uint16)
            lut = f.create_dataset(f"Calibration/CALChannel{name[1:]}", data=lut_k)
            lut.attrs["valid_range"] = np.array([150.0, 400.0], np.float32)
        for name, values in refl.items():
            counts = np.clip(np.round(values / 1e-4), 0, 4095).astype(np.uint16)
            ds = f.create_dataset(f"Data/NOMChannel{name[1:]}", data=counts)
            ds.attrs["FillValue"], ds.attrs["valid_range"] = np.uint16(65535), np.array([0, 4095], np.uint16)
    return path


def agri_pixel(lon: float, lat: float, sub_lon: float = 105.0) -> tuple[int, int]:
    """(line, column) of a point in the FY-4B AGRI 4 km full disk, the way satpy's reader navigates."""
    from satpy.readers.core._geos_area import get_area_definition, get_area_extent

    cfac, off = AGRI_RES[4000]
    pdict = {
        "coff": off + 1,
        "loff": -off + 2747 + 1,
        "cfac": cfac,
        "lfac": cfac,
        "a": 6378137.0,
        "b": 6356752.3,
        "h": 42164000.0 - 6378137.0,
        "ssp_lon": sub_lon,
        "nlines": 2748.0,
        "ncols": 2748.0,
        "scandir": "N2S",
        "a_desc": "FY-4 DISK",
        "a_name": "DISK_4000m",
        "p_id": "FY-4, 4000m",
    }
    area = get_area_definition(pdict, get_area_extent(pdict))
    col, row = area.get_array_indices_from_lonlat(lon, lat)
    return int(row), int(col)


def agri_slot(
    folder: Path,
    when: datetime,
    centre: tuple[float, float],
    fires: list[tuple[float, float, float]],
    shape: tuple[int, int] = (60, 80),
    seed: int = 0,
) -> Path:
    """A FY-4B AGRI 4 km region around ``centre`` (lon, lat), ~290 K, with ``fires`` (lon, lat, K on C07)."""
    rng = np.random.default_rng(seed)
    row, col = agri_pixel(*centre)
    first_line, first_col = row - shape[0] // 2, col - shape[1] // 2
    c07 = 292.0 + rng.normal(0, 0.4, shape)
    c13 = 284.0 + rng.normal(0, 0.4, shape)
    for lon, lat, kelvin in fires:
        r, c = agri_pixel(lon, lat)
        c07[r - first_line, c - first_col] += kelvin
        c13[r - first_line, c - first_col] += kelvin / 15
    bt = {"C07": c07, "C13": c13, "C14": c13 - 1.0}
    refl = {"C02": np.full(shape, 0.08), "C03": np.full(shape, 0.2)}
    return write_agri(folder, when, first_line, first_col, shape, bt, refl)
