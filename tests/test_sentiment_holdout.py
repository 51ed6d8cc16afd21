"""Which sets the training command leaves out: nothing by default, the four on request."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

pytest.importorskip("sklearn", reason="the `train` extra is not installed")

from sentiment.training import build, cli
from sentiment.training.options import VALIDATION_SETS, holdout_sets
from tests.sentiment_tiny import tiny_train_options

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


def _trained_sets(
    data: Path, out: Path, caplog: pytest.LogCaptureFixture, holdout: str = ""
) -> str:
    opts = tiny_train_options(data, out, kind="linear", holdout=holdout_sets(holdout))
    with caplog.at_level(logging.INFO, logger="sentiment.training.build"):
        assert build.run(opts) == 0
    return next(r.getMessage() for r in caplog.records if "training texts" in r.getMessage())


def test_validation_stands_for_the_four_sets_and_combines_with_others() -> None:
    four = frozenset(VALIDATION_SETS)
    assert len(four) == 4
    assert holdout_sets("validation") == four
    assert holdout_sets("potts, validation") == four | {"potts"}
    assert holdout_sets("") == frozenset()
    parsed = cli.parse_args(["--holdout", "potts,validation", "--kind", "linear", "--c", "2"])
    assert parsed.holdout == four | {"potts"} and parsed.kind == "linear" and parsed.c == 2.0


def test_default_trains_on_every_set(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data = _data(tmp_path / "data", ["jameda_doctors", "potts", "filmstarts"])
    assert _trained_sets(data, tmp_path / "m", caplog) == "12 training texts from 3 sets"


def test_holdout_validation_leaves_the_four_out(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = _data(tmp_path / "data", ["jameda_doctors", "zoesche_hotels", "potts"])
    message = _trained_sets(data, tmp_path / "m", caplog, "validation")
    assert message == "4 training texts from 1 sets"


def test_a_misspelt_holdout_set_is_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = _data(tmp_path / "data", ["jameda_doctors", "potts"])
    out = tmp_path / "m"
    args = ["--data", str(data), "--out", str(out), "--holdout", "jameda"]
    assert cli.main(args) == 2
    assert "--holdout names no set" in caplog.text and "jameda" in caplog.text
    assert not out.exists()
