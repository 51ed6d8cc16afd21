"""Fit the word + char_wb TF-IDF logistic regression that `sentiment.linear` runs.

Training-time only (scikit-learn, the `train` extra); the saved model needs numpy alone.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from sentiment.linear import save_linear

log = logging.getLogger(__name__)

WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 5)


@dataclass(frozen=True)
class Fitted:
    """The scikit-learn objects, kept so tests can check the exported model against them."""

    word: TfidfVectorizer
    char: TfidfVectorizer
    clf: LogisticRegression

    def probs(self, texts: Sequence[str]) -> dict[str, list[float]]:
        matrix = sp.hstack([self.word.transform(texts), self.char.transform(texts)]).tocsr()
        table = self.clf.predict_proba(matrix)
        return {str(label): table[:, i].tolist() for i, label in enumerate(self.clf.classes_)}


def _vectorizers(min_df: int) -> tuple[TfidfVectorizer, TfidfVectorizer]:
    word = TfidfVectorizer(
        analyzer="word",
        ngram_range=WORD_NGRAMS,
        min_df=min_df,
        sublinear_tf=True,
        token_pattern=r"(?u)\b\w+\b",
        dtype=np.float32,
    )
    char = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=CHAR_NGRAMS,
        min_df=min_df,
        sublinear_tf=True,
        dtype=np.float32,
    )
    return word, char


def fit_linear(
    texts: Sequence[str],
    labels: Sequence[str],
    out: Path,
    name: str,
    min_df: int,
    c: float,
    balanced: bool = False,
    weights: Sequence[float] | None = None,
) -> Fitted:
    """Fit, then export vocabulary, idf and coefficients (columns: word block, char block).

    `weights` (one per text) are for experiments such as weighting every set equally.
    """
    word, char = _vectorizers(min_df)
    matrix = sp.hstack([word.fit_transform(texts), char.fit_transform(texts)]).tocsr()
    log.info("%d texts, %d features", matrix.shape[0], matrix.shape[1])
    clf = LogisticRegression(max_iter=1000, C=c, class_weight="balanced" if balanced else None)
    clf.fit(matrix, labels, sample_weight=None if weights is None else np.asarray(weights))
    vocab = [f"w {f}" for f in word.get_feature_names_out()]
    vocab += [f"c {f}" for f in char.get_feature_names_out()]
    tensors = {
        "idf": np.concatenate([word.idf_, char.idf_]).astype(np.float32),
        "coef": np.ascontiguousarray(clf.coef_.T.astype(np.float16)),
        "intercept": clf.intercept_.astype(np.float32),
    }
    settings = {
        "labels": [str(x) for x in clf.classes_],
        "word_ngrams": list(WORD_NGRAMS),
        "char_ngrams": list(CHAR_NGRAMS),
    }
    save_linear(out, name, settings, vocab, tensors)
    return Fitted(word, char, clf)
