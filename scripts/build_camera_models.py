"""Build the non-learned flame-colour baseline detector into models/ (needs `onnx`)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from firegrid.detect.objects.colour_baseline import build


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("models"))
    args = parser.parse_args()
    data, manifest = build()
    (args.out / manifest["file"]).write_bytes(data)
    (args.out / f"{manifest['name']}.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"{manifest['file']}: {manifest['sha256']}")


if __name__ == "__main__":
    main()
