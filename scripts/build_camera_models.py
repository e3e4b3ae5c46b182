"""Build the non-learned camera graphs into models/: the flame-colour baseline detector and the
dust/haze likelihood map (needs `onnx`)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from firegrid.detect.dust import haze
from firegrid.detect.objects import colour_baseline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("models"))
    args = parser.parse_args()
    for build in (colour_baseline.build, haze.build):
        data, manifest = build()
        (args.out / manifest["file"]).write_bytes(data)
        (args.out / f"{manifest['name']}.json").write_text(json.dumps(manifest, indent=2) + "\n")
        print(f"{manifest['file']}: {manifest['sha256']}")


if __name__ == "__main__":
    main()
