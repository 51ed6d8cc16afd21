"""Which sets the training command leaves out: nothing by default, the four on request."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

pytest.importorskip("sklearn", reason="the `train` extra is not installed")

from sentiment import train

ROWS = {
    "positive": ["Super Service, sehr freundlich", "Alles bestens, gerne wieder"],
    "negative": ["Schrecklich, nie wieder", "Unfreundlich und viel zu teuer"],
}


def _data(root: Path, stems: list[str]) -> Path:
    for stem in stems:
        path = root / "reviews" / f"{stem}.tsv"
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = ["label\ttext"] + [
            f"{label}\t{t} ({stem})" for label, ts in ROWS.items() for t in ts
        ]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def _trained_sets(data: Path, out: Path, caplog: pytest.LogCaptureFixture, *extra: str) -> str:
    args = ["--data", str(data), "--out", str(out), "--kind", "linear", "--quick", *extra]
    with caplog.at_level(logging.INFO, logger="sentiment.train"):
        assert train.main(args) == 0
    return next(r.getMessage() for r in caplog.records if "training texts" in r.getMessage())


def test_validation_stands_for_the_four_sets_and_combines_with_others() -> None:
    four = frozenset(train.VALIDATION_SETS.split(","))
    assert len(four) == 4
    assert train.holdout_sets("validation") == four
    assert train.holdout_sets("potts, validation") == four | {"potts"}
    assert train.holdout_sets("") == frozenset()


def test_default_trains_on_every_set(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data = _data(tmp_path / "data", ["jameda_doctors", "potts", "filmstarts"])
    assert _trained_sets(data, tmp_path / "m", caplog) == "12 training texts from 3 sets"


def test_holdout_validation_leaves_the_four_out(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = _data(tmp_path / "data", ["jameda_doctors", "zoesche_hotels", "potts"])
    message = _trained_sets(data, tmp_path / "m", caplog, "--holdout", "validation")
    assert message == "4 training texts from 1 sets"


def test_a_misspelt_holdout_set_is_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = _data(tmp_path / "data", ["jameda_doctors", "potts"])
    out = tmp_path / "m"
    args = ["--data", str(data), "--out", str(out), "--quick", "--holdout", "jameda"]
    assert train.main(args) == 2
    assert "--holdout names no set" in caplog.text and "jameda" in caplog.text
    assert not out.exists()
