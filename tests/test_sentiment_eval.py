"""`leumund sentiment eval` on a TSV written here, scored by a tiny real model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sklearn.metrics import accuracy_score, f1_score

from leumund.cli import main
from sentiment.evaluate import BINARY_LABELS, score
from sentiment.loading import load_classifier
from sentiment.settings import SentimentSettings
from tests.sentiment_tiny import GUHR_LABELS, build_tiny_model

ROWS = [
    ("positive", "5", "Das Essen war sehr gut und das Personal freundlich."),
    ("negative", "1", "Schrecklich! Kalt, dreckig, nie wieder."),
    ("neutral", "3", "Der Termin war kurz."),
    ("positive", "4", "Brötchen frisch, Verkäuferin freundlich, gerne wieder"),
    ("negative", "2", "Service unfreundlich und enttäuscht vom Preis"),
    ("positive", "5", "Super Hotel, sauberes Zimmer"),
    ("neutral", "3", "Wir haben im Hotel gegessen."),
    ("negative", "1", ""),
]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("eval") / "model", GUHR_LABELS)


@pytest.fixture
def tsv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "set.tsv"
    lines = ["label\tstars\ttext"] + ["\t".join(row) for row in ROWS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def expected(model_dir: Path, binary: bool) -> dict[str, object]:
    """The same metrics computed independently with scikit-learn."""
    rows = [r for r in ROWS if not binary or r[0] in BINARY_LABELS]
    results = load_classifier(SentimentSettings(model=str(model_dir))).classify(
        [r[2] for r in rows]
    )
    gold = [r[0] for r in rows]
    if binary:
        pred = [
            "positive" if x.probs["positive"] >= x.probs["negative"] else "negative"
            for x in results
        ]
        labels = list(BINARY_LABELS)
    else:
        pred = [x.label for x in results]
        labels = [x for x in ("positive", "neutral", "negative") if x in {*gold, *pred}]
    per = f1_score(gold, pred, labels=labels, average=None, zero_division=0.0)
    return {
        "n": len(rows),
        "accuracy": accuracy_score(gold, pred),
        "macro_f1": float(per.mean()),
        "per_label": dict(zip(labels, (float(v) for v in per), strict=True)),
    }


@pytest.mark.parametrize("binary", [False, True])
def test_eval_json(
    binary: bool, model_dir: Path, tsv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["sentiment", "eval", str(tsv), "--json", "--model", str(model_dir)]
    assert main([*argv, "--binary"] if binary else argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out) == ["n", "accuracy", "macro_f1", "per_label"]
    want = expected(model_dir, binary)
    assert out["n"] == want["n"] == (6 if binary else 8)
    assert out["accuracy"] == pytest.approx(want["accuracy"])
    assert out["macro_f1"] == pytest.approx(want["macro_f1"])
    assert out["per_label"] == pytest.approx(want["per_label"])


def test_eval_text_output(model_dir: Path, tsv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sentiment", "eval", str(tsv), "--binary", "--model", str(model_dir)]) == 0
    out = capsys.readouterr().out
    want = expected(model_dir, binary=True)
    assert "n         6" in out
    assert f"accuracy  {want['accuracy']:.4f}" in out
    assert f"macro-F1  {want['macro_f1']:.4f}" in out
    assert "F1 positive" in out and "F1 negative" in out


def test_eval_uses_model_from_config(
    model_dir: Path, tsv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tsv.parent / "leumund.yaml"
    config.write_text(f"sentiment:\n  model: {model_dir}\n  batch_size: 3\n", encoding="utf-8")
    assert main(["sentiment", "eval", str(tsv), "--json", "--config", str(config)]) == 0
    assert json.loads(capsys.readouterr().out)["n"] == len(ROWS)


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (None, "cannot read"),
        ("", "empty file"),
        ("stars\ttext\n5\tgut\n", "header must name the columns label and text"),
        ("label\ttext\n", "no rows after the header"),
        ("label\ttext\npositive\tgut\ngreat\tsuper\n", "line 3: label 'great'"),
        ("label\ttext\npositive\n", "line 2: expected a label and a text column"),
    ],
)
def test_bad_file_is_one_line_and_exit_2(
    content: str | None,
    needle: str,
    model_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "bad.tsv"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert main(["sentiment", "eval", str(path), "--model", str(model_dir)]) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err
    assert len(err.splitlines()) == 1


def test_unavailable_model_is_one_line_and_exit_2(
    tsv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sentiment", "eval", str(tsv), "--model", "acme/no-such-model"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "leumund sentiment download acme/no-such-model" in err


def test_score_matches_scikit_learn() -> None:
    gold = ["positive", "negative", "neutral", "negative", "positive", "neutral", "negative"]
    pred = ["positive", "neutral", "neutral", "negative", "negative", "positive", "negative"]
    labels = ["positive", "neutral", "negative"]
    ours = score(gold, pred, labels)
    assert ours.accuracy == pytest.approx(accuracy_score(gold, pred))
    assert ours.macro_f1 == pytest.approx(f1_score(gold, pred, labels=labels, average="macro"))
    per = f1_score(gold, pred, labels=labels, average=None)
    assert list(ours.per_label.values()) == pytest.approx(list(per))


def test_train_passes_its_arguments_to_the_trainer(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["sentiment", "train", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "python -m sentiment.training" in out
    assert "--steps" in out


def test_download_offline_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "m"
    assert main(["sentiment", "download", "acme/no-such-model", "--dir", str(target)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "cannot download acme/no-such-model" in err
    assert not target.exists()


def _starred(tmp_path: Path, rows: list[tuple[str, str]], header: str = "stars\ttext") -> Path:
    path = tmp_path / "stars.tsv"
    path.write_text("\n".join([header, *("\t".join(r) for r in rows)]) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("threshold", [None, "0.35"])
def test_alert_rule_json_is_one_line_with_the_rules_shares(
    threshold: str | None, model_dir: Path, tsv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from alerts.settings import AlertRules

    argv = ["sentiment", "eval", str(tsv), "--alert-rule", "--json", "--model", str(model_dir)]
    assert main([*argv, "--threshold", threshold] if threshold else argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    out = json.loads(lines[0])
    assert list(out) == ["threshold", "flagged_low", "n_low", "flagged_five", "n_five"]
    at = float(threshold) if threshold else AlertRules().negative_probability
    model = load_classifier(SentimentSettings(model=str(model_dir)))
    p_neg = [r.probs["negative"] for r in model.classify([row[2] for row in ROWS])]
    low = [p for p, row in zip(p_neg, ROWS, strict=True) if int(row[1]) <= 2]
    five = [p for p, row in zip(p_neg, ROWS, strict=True) if row[1] == "5"]
    assert out["threshold"] == at
    assert (out["n_low"], out["n_five"]) == (3, 2)
    assert out["flagged_low"] == pytest.approx(sum(p >= at for p in low) / 3)
    assert out["flagged_five"] == pytest.approx(sum(p >= at for p in five) / 2)


def test_alert_rule_text_output_and_title_column(
    model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _starred(tmp_path, [("1", "Kalt", "dreckig"), ("5", "", "super")], "stars\ttitle\ttext")
    argv = ["sentiment", "eval", str(path), "--alert-rule", "--threshold", "0.01"]
    assert main([*argv, "--model", str(model_dir)]) == 0
    out = capsys.readouterr().out
    assert "1.000 of 1 flagged" in out  # every text reaches P(negative) 0.01


@pytest.mark.parametrize(
    ("rows", "header", "extra", "needle"),
    [
        ([("5", "gut")], "label\ttext", [], "must name the columns stars (1–5) and text"),
        ([("7", "gut")], "stars\ttext", [], "line 2: stars '7' is not a number from 1 to 5"),
        ([("viel", "gut")], "stars\ttext", [], "line 2: stars 'viel'"),
        ([("5", "gut")], "stars\ttext", ["--threshold", "1.5"], "no probability"),
        ([("5", "gut")], "stars\ttext", ["--binary"], "choose one"),
    ],
)
def test_alert_rule_bad_input_is_one_line_and_exit_2(
    rows: list[tuple[str, str]],
    header: str,
    extra: list[str],
    needle: str,
    model_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    path = _starred(tmp_path, rows, header)
    argv = ["sentiment", "eval", str(path), "--alert-rule", "--model", str(model_dir), *extra]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err
    assert len(err.splitlines()) == 1


def test_threshold_without_alert_rule_is_refused(
    model_dir: Path, tsv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sentiment", "eval", str(tsv), "--threshold", "0.5"]) == 2
    assert "--threshold goes with --alert-rule" in capsys.readouterr().err
