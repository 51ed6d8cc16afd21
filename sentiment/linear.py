"""A word + character n-gram TF-IDF logistic regression, run with numpy only (no pickles).

The fallback bundled model: `linear.json` holds the feature settings and labels,
`linear.safetensors` the idf, coefficient and intercept tensors, `vocab.txt` one feature per
line (its line number is its column). Feature extraction mirrors scikit-learn's `word` and
`char_wb` analyzers with sublinear tf and l2 normalisation per block, as used in training.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file

from sentiment.base import LABELS, Sentiment

WORD = re.compile(r"(?u)\b\w+\b")
WORD_CACHE_LIMIT = 200_000


def word_ngrams(text: str, low: int, high: int) -> Iterator[str]:
    tokens = WORD.findall(text.lower())
    for n in range(low, high + 1):
        for i in range(len(tokens) - n + 1):
            yield "w " + " ".join(tokens[i : i + n])


def char_wb_ngrams(word: str, low: int, high: int) -> Iterator[str]:
    """scikit-learn's char_wb for one word: n-grams of the word padded with a space each side."""
    padded = f" {word} "
    for n in range(low, high + 1):
        if len(padded) <= n:
            yield "c " + padded
            break
        for i in range(len(padded) - n + 1):
            yield "c " + padded[i : i + n]


class LinearClassifier:
    """Multinomial logistic regression over word and char_wb TF-IDF blocks."""

    def __init__(self, directory: Path) -> None:
        meta = json.loads((directory / "linear.json").read_text(encoding="utf-8"))
        tensors = load_file(str(directory / "linear.safetensors"))
        vocab = (directory / "vocab.txt").read_text(encoding="utf-8").split("\n")
        self.name: str = meta["name"]
        self._labels: list[str] = meta["labels"]
        self._word = tuple(meta["word_ngrams"])
        self._char = tuple(meta["char_ngrams"])
        self._index = {feature: i for i, feature in enumerate(vocab) if feature}
        self._idf = tensors["idf"].astype(np.float32)
        self._coef = tensors["coef"].astype(np.float32)
        self._intercept = tensors["intercept"].astype(np.float32)
        self._order = [self._labels.index(label) for label in LABELS]
        self._char_cache: dict[str, list[int]] = {}

    def classify(self, texts: Sequence[str]) -> list[Sentiment]:
        return [self._one(text) for text in texts]

    def _char_ids(self, text: str) -> list[int]:
        """Column ids of a text's char n-grams; words repeat, so each word's are cached."""
        ids: list[int] = []
        cache = self._char_cache
        for word in text.lower().split():
            known = cache.get(word)
            if known is None:
                known = self._ids(char_wb_ngrams(word, *self._char))
                if len(cache) >= WORD_CACHE_LIMIT:
                    cache.clear()
                cache[word] = known
            ids.extend(known)
        return ids

    def _ids(self, features: Iterable[str]) -> list[int]:
        index = self._index
        return [i for f in features if (i := index.get(f)) is not None]

    def _block(self, ids: list[int]) -> tuple[list[int], np.ndarray]:
        counts = Counter(ids)
        cols = list(counts)
        values = np.array([1.0 + math.log(counts[c]) for c in cols], dtype=np.float32)
        values *= self._idf[cols]
        norm = float(np.linalg.norm(values))
        return cols, values / norm if norm else values

    def _one(self, text: str) -> Sentiment:
        logits = self._intercept.copy()
        for cols, values in (
            self._block(self._ids(word_ngrams(text, *self._word))),
            self._block(self._char_ids(text)),
        ):
            if cols:
                logits += values @ self._coef[cols]
        exp = np.exp(logits - logits.max())
        probs = exp / exp.sum()
        row = {label: float(probs[i]) for label, i in zip(LABELS, self._order, strict=True)}
        return Sentiment(label=max(row, key=lambda k: row[k]), probs=row, model=self.name)


def is_linear_dir(directory: Path) -> bool:
    return (directory / "linear.json").is_file()


def save_linear(
    directory: Path,
    name: str,
    settings: dict[str, object],
    vocab: Sequence[str],
    tensors: dict[str, np.ndarray],
) -> None:
    """Write the three files `LinearClassifier` reads: plain JSON, text and safetensors."""
    from safetensors.numpy import save_file

    directory.mkdir(parents=True, exist_ok=True)
    meta = {"name": name, **settings}
    (directory / "linear.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    (directory / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    save_file(tensors, str(directory / "linear.safetensors"))
