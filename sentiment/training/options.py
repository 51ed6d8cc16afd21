"""Every training knob in one typed, frozen object, built by the CLI or by tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

VALIDATION_SETS = (
    "jameda_doctors",
    "tripadvisor_restaurants",
    "zoesche_hotels",
    "bestande_courses",
)
"""`--holdout validation`: the four review domains the recipe was chosen on (MODEL_CARD.md)."""

BUNDLED_OUT = Path(__file__).resolve().parent.parent / "bundled"


@dataclass(frozen=True)
class TrainOptions:
    """What to build from which data; the defaults are the recipe that ships."""

    data: Path = Path("../shared/data")
    out: Path = BUNDLED_OUT
    kind: Literal["ensemble", "linear", "e5"] = "ensemble"
    holdout: frozenset[str] = frozenset()
    max_rows: int = 0
    """Read roughly this many texts in all (0: everything); for short runs."""
    threads: int = 2
    seed: int = 13
    # the n-gram member
    min_df: int = 13
    c: float = 0.5
    balanced: bool = False
    # the e5 member
    e5: Path | None = None
    layers: int = 4
    vocab: int = 26000
    min_count: int = 3
    steps: int = 5000
    stop_at: int = 2000
    batch_size: int = 32
    lr: float = 1e-4
    freeze_embeddings: bool = True
    max_length: int = 128
    distil: float = 0.0
    teacher_model: Path | None = None
    kd: float = 1.0
    teacher_cache: Path | None = None
    checkpoint_every: int = 500
    export_onnx: bool = True
    """Ship the e5 member as int8 ONNX (`sentiment.onnx`) instead of torch weights."""


def holdout_sets(spec: str) -> frozenset[str]:
    """`--holdout a,b`, where the item `validation` stands for the four VALIDATION_SETS."""
    names: set[str] = set()
    for item in filter(None, (part.strip() for part in spec.split(","))):
        names.update(VALIDATION_SETS if item == "validation" else [item])
    return frozenset(names)
