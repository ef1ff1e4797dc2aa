#!/usr/bin/env python3
"""Write every pair of images under DIR/<person>/ as a face_eval pairs CSV.

    scripts/make_pairs.py DIR > DIR/pairs.csv

Paths are written relative to DIR, where face_eval looks for them.
"""

import csv
import itertools
import sys
from pathlib import Path

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}


def main(folder: Path) -> None:
    images = sorted(
        path for path in folder.glob("*/*") if path.suffix.lower() in IMAGE_SUFFIXES
    )
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["image_a", "image_b", "same"])
    for a, b in itertools.combinations(images, 2):
        same = int(a.parent == b.parent)
        writer.writerow([a.relative_to(folder), b.relative_to(folder), same])


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
