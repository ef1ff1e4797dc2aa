"""Compare decision rules on the calibration chips (the table in docs/faces.md).

For each person, `k` of their chips are enrolled (jittered as at enrolment) and the
person's other chips are genuine probes, everyone else's chips impostor probes
(encoded once, no jitter, as at checkout). 40 random enrolment draws per person.
About a minute on 2 cores: `.venv/bin/python bench/decision_rules.py`.
"""

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from faceauth import engine  # noqa: E402

CHIPS = ROOT / "tests" / "fixtures" / "faces" / "calibration"
WHOLE_CHIP = (0, 150, 150, 0)  # the chips are aligned: the whole image is the face
DRAWS = 40


def encodings(jitters: int) -> tuple[np.ndarray, np.ndarray]:
    paths = sorted(CHIPS.glob("*/*.jpg"))
    people = np.array([path.parent.name for path in paths])
    vectors = [
        engine.encode_face(
            engine.decode_image(path.read_bytes()), WHOLE_CHIP, jitters=jitters
        )
        for path in paths
    ]
    return np.array(vectors), people


def distances(enrolled, probes, people, *, k, rule, rng):
    same, diff = [], []
    for _ in range(DRAWS):
        for person in np.unique(people):
            mine = np.flatnonzero(people == person)
            chosen = rng.choice(mine, k, replace=False)
            templates = enrolled[chosen]
            for index in range(len(people)):
                if index in chosen:
                    continue
                if rule == "centroid":
                    d = engine.face_distance(templates, probes[index])
                else:
                    d = np.linalg.norm(templates - probes[index], axis=1).min()
                (same if people[index] == person else diff).append(d)
    return np.array(same), np.array(diff)


def main():
    plain, people = encodings(jitters=1)
    jittered, _ = encodings(jitters=10)
    rows = [
        ("library defaults (no jitter), 1 picture", plain, 1, "centroid"),
        ("jittered enrolment, 1 picture", jittered, 1, "centroid"),
        ("centroid of 3 jittered pictures", jittered, 3, "centroid"),
        ("centroid of 5 jittered pictures", jittered, 5, "centroid"),
        ("closest of 3 jittered pictures", jittered, 3, "min"),
    ]
    print("| rule | largest same | p99 same | smallest different |")
    print("|---|---|---|---|")
    for name, enrolled, k, rule in rows:
        rng = np.random.default_rng(0)
        same, diff = distances(enrolled, plain, people, k=k, rule=rule, rng=rng)
        print(
            f"| {name} | {same.max():.3f} | {np.percentile(same, 99):.3f} "
            f"| {diff.min():.3f} |"
        )


if __name__ == "__main__":
    main()
