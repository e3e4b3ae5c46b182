"""The real sentinelhub client against a local fake server (token, Catalog, Process)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from pydantic import SecretStr

from firegrid.config import SentinelHubSettings
from firegrid.errors import ConfigError, SourceUnavailableError
from firegrid.imagery import sentinelhub as sh
from firegrid.imagery.open import open_scene
from tests.imagery.fake_sentinelhub import FakeSentinelHub

BBOX = (112.50, 38.50, 112.56, 38.55)  # ~5 km in Xinzhou
START, END = datetime(2024, 10, 28, tzinfo=UTC), datetime(2024, 10, 30, tzinfo=UTC)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSentinelHub]:
    from sentinelhub import SentinelHubDownloadClient

    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # plain-http token URL of the fake only
    SentinelHubDownloadClient.clear_cache()
    with FakeSentinelHub() as server:
        yield server
    SentinelHubDownloadClient.clear_cache()


def source(fake: FakeSentinelHub) -> sh.SentinelHubSource:
    return sh.SentinelHubSource(
        SentinelHubSettings(
            client_id="id",
            client_secret=SecretStr("secret"),
            base_url=fake.url,
            token_url=f"{fake.url}/oauth/token",
            max_attempts=3,
            sleep_s=0.01,
        )
    )


def test_catalog_search(fake: FakeSentinelHub) -> None:
    hits = source(fake).search("sentinel-2-l1c", BBOX, START, END, max_cloud=30)
    assert [h.cloud_cover for h in hits] == [3.5, 55.0]
    assert hits[0].id.startswith("S2B_") and hits[0].datetime == datetime(2024, 10, 28, 3, 18, 9, tzinfo=UTC)
    assert fake.faults.calls[:2] == ["token", "search"]


def test_download_tiles_into_a_band_folder(
    fake: FakeSentinelHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sh, "MAX_REQUEST_PX", 128)  # force several Process requests
    src = source(fake)
    hit = src.search("sentinel-2-l1c", BBOX, START, END)[0]
    folder = src.download(hit, BBOX, tmp_path / "scene")
    grid = sh.UtmGrid.around(BBOX, 20.0)
    assert fake.faults.calls.count("process") == len(grid.tiles(128)) > 4
    scene = open_scene(folder)
    assert (scene.sensor, scene.platform, scene.width, scene.height) == (
        "sentinel2",
        "Sentinel-2B",
        grid.width,
        grid.height,
    )
    assert scene.acquired_at == hit.datetime and scene.crs == "EPSG:32649"
    from firegrid.detect.satellite.registry import make_detector
    from firegrid.detect.satellite.runtime import default_models_dir
    from firegrid.detect.satellite.scan import scan_scene

    result = scan_scene(scene, make_detector("sentinel2", default_models_dir()))
    assert len(result.clusters) == len(grid.tiles(128))  # the fake puts one hot pixel in every tile
    assert all(BBOX[0] - 0.01 < lon < BBOX[2] + 0.01 for lon in result.lon)


def test_rate_limit_is_retried(fake: FakeSentinelHub, tmp_path: Path) -> None:
    from sentinelhub.exceptions import SHRateLimitWarning

    fake.faults.rate_limit_once = True
    src = source(fake)
    hit = src.search("sentinel-2-l1c", BBOX, START, END)[0]
    with pytest.warns(SHRateLimitWarning, match="rate limit"):
        src.download(hit, BBOX, tmp_path / "scene")
    assert fake.faults.calls.count("process") == 2


def test_bad_credentials_and_truncated_data_are_clear_errors(fake: FakeSentinelHub, tmp_path: Path) -> None:
    fake.faults.unauthorized = True
    with pytest.raises(SourceUnavailableError, match="catalog search failed"):
        source(fake).search("sentinel-2-l1c", BBOX, START, END)
    fake.faults.unauthorized = False
    from sentinelhub import SentinelHubDownloadClient

    SentinelHubDownloadClient.clear_cache()
    fake.faults.truncate = True
    src = source(fake)
    hit = src.search("sentinel-2-l1c", BBOX, START, END)[0]
    with pytest.raises(SourceUnavailableError, match=hit.id):
        src.download(hit, BBOX, tmp_path / "scene")
    assert not (tmp_path / "scene" / "scene.json").exists()  # an interrupted download is not a scene


def test_missing_credentials() -> None:
    with pytest.raises(ConfigError, match="CLIENT_ID"):
        sh.SentinelHubSource(SentinelHubSettings())


def test_utm_grid() -> None:
    grid = sh.UtmGrid.around(BBOX, 20.0)
    assert grid.crs == "EPSG:32649" and 200 < grid.width < 300
    tiles = grid.tiles(100)
    assert sum(int(t.width) * int(t.height) for t in tiles) == grid.width * grid.height
    x0, y0, x1, y1 = grid.bounds(tiles[0])
    assert (x1 - x0, y1 - y0) == (2000.0, 2000.0)
    assert np.isclose(grid.bounds(tiles[-1])[0] + tiles[-1].width * 20.0, grid.x0 + grid.width * 20.0)
