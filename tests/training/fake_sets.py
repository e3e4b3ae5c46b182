"""A tiny synthetic data root in the lookout (VOC + split.csv) and CCTV (YOLO) layouts."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

VOC = """<annotation><size><width>{w}</width><height>{h}</height></size>
<object><name>smoke</name><bndbox><xmin>{x0}</xmin><ymin>{y0}</ymin><xmax>{x1}</xmax><ymax>{y1}</ymax></bndbox>
</object></annotation>"""


def _scene(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    img = np.zeros((h, w, 3), np.uint8)
    img[: h // 2] = (230, 190, 140)  # sky (BGR)
    img[h // 2 :] = (60, 110, 90)  # hills
    return np.clip(img + rng.normal(0, 6, img.shape), 0, 255).astype(np.uint8)


def make_shared(root: Path, per_split: int = 3) -> Path:
    """``root/camera/hpwren_smoke`` and ``root/camera/fire_smoke_cctv`` with a few drawn plumes and flames."""
    rng = np.random.default_rng(0)
    hp = root / "camera" / "hpwren_smoke"
    (hp / "images").mkdir(parents=True)
    (hp / "annotations").mkdir()
    lines = ["stem,annotated_smoke_box,view_cluster,split"]
    t = 10**12
    for split, view in (("train", 1), ("val", 2)):
        for i in range(per_split * 3):
            t += 1000
            stem = "c" + np.base_repr(t, 36).lower().rjust(8, "0") + f"fake{i}"
            img = _scene(rng, 160, 120)
            annotated = i % 3 == 2  # pattern 001001...: positives with negatives far enough before them
            if annotated:
                x, y = int(rng.integers(20, 120)), 50
                cv2.ellipse(img, (x, y), (12, 6), 0, 0, 360, (200, 200, 205), -1)
                (hp / "annotations" / f"{stem}.xml").write_text(
                    VOC.format(w=160, h=120, x0=x - 12, y0=y - 6, x1=x + 12, y1=y + 6)
                )
            cv2.imwrite(str(hp / "images" / f"{stem}.jpeg"), img)
            lines.append(f"{stem},{int(annotated)},{view},{split}")
    (hp / "split.csv").write_text("\n".join(lines) + "\n")
    cc = root / "camera" / "fire_smoke_cctv"
    for folder in ("train", "valid"):
        (cc / folder / "images").mkdir(parents=True)
        (cc / folder / "labels").mkdir()
        for i in range(per_split):
            img = _scene(rng, 96, 96)
            cv2.circle(img, (48, 60), 14, (0, 120, 255), -1)
            cv2.imwrite(str(cc / folder / "images" / f"f{i}.jpg"), img)
            (cc / folder / "labels" / f"f{i}.txt").write_text("0 0.5 0.625 0.3 0.3\n")
        (cc / folder / "labels" / "d.txt").write_text("1 0.5 0.5 0.2 0.2\n")  # class "default": dropped
        cv2.imwrite(str(cc / folder / "images" / "d.jpg"), _scene(rng, 96, 96))
    return root
