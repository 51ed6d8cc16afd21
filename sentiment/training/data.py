"""The labelled texts training reads: `../shared/data/*/*.tsv`, minus what must stay unseen."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

ID2LABEL = {0: "negative", 1: "neutral", 2: "positive"}
LABEL2ID = {v: k for k, v in ID2LABEL.items()}
NEVER_TRAIN = frozenset({"germeval2017_test"})


@dataclass(frozen=True)
class Example:
    label: int
    text: str
    source: str


def read_examples(data: Path, holdout: frozenset[str], per_file: int = 0) -> list[Example]:
    """Labelled texts under `data/*/*.tsv` except the never-train and held-out sets.

    `per_file` > 0 keeps only the first rows of each file (quick runs for tests).
    """
    csv.field_size_limit(1 << 30)
    rows: list[Example] = []
    paths = sorted(data.glob("*/*.tsv"))
    for path in paths:
        if path.stem in NEVER_TRAIN or path.stem in holdout:
            continue
        with path.open(encoding="utf-8", newline="") as fh:
            for n, row in enumerate(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)):
                if per_file and n >= per_file:
                    break
                text = (row.get("text") or "").strip()
                if text and row.get("label") in LABEL2ID:
                    rows.append(Example(LABEL2ID[row["label"]], text, path.stem))
    return rows
