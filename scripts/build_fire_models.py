"""Build the per-pixel active-fire ONNX graphs and manifests into models/ (needs `onnx`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from firegrid.detect.satellite.export import write_all


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("models"))
    args = parser.parse_args()
    for manifest in write_all(args.out):
        print(f"{manifest['file']}: {manifest['sha256']}")


if __name__ == "__main__":
    main()
