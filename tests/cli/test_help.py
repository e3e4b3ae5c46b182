"""``--help`` reads as a person expects: ``PATH...``, flags without ``<bool>``, the installed models, and
one option choosing the scene detectors (the old ``--detector`` still works, unlisted)."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from firegrid.cli.main import app
from firegrid.cli.scan import _wanted
from firegrid.detect.objects.model import installed_models
from firegrid.detect.satellite.runtime import default_models_dir

runner = CliRunner()


def help_of(*command: str) -> str:
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("command", [("ingest",), ("detect-image",), ("scan",), ("demo",), ("sites", "list")])
def test_help_has_no_type_noise(command: tuple[str, ...]) -> None:
    text = help_of(*command)
    assert "<bool>" not in text and "{" + "paths}" not in text and "<list[" not in text


def test_usage_names_the_arguments_conventionally() -> None:
    assert "ingest [OPTIONS] PATHS..." in help_of("ingest")
    assert "--json " in help_of("ingest")


def test_detect_image_lists_the_installed_models() -> None:
    models = installed_models(default_models_dir())
    assert "fire-colour-baseline" in models and "smoke-fire" in models
    text = " ".join(help_of("detect-image").split())
    assert all(name in text for name in models)


def test_scan_has_one_detectors_option() -> None:
    text = help_of("scan")
    assert "--detectors" in text and "--detector " not in text and "landsat-goli2018" in text
    assert _wanted("fire", None) == (["fire"], None)
    assert _wanted("landsat-goli2018,bare-soil", None) == (["bare-soil", "fire"], "landsat-goli2018")
    assert _wanted("fire", "landsat-goli2018") == (["fire"], "landsat-goli2018")  # the old spelling
    for bad in ("smoke", "", "landsat-goli2018,landsat-schroeder2016"):
        with pytest.raises(typer.BadParameter):
            _wanted(bad, None)
