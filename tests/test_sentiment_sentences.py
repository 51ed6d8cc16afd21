"""German sentences split where a reader would, classified in one batched call."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from sentiment.base import Sentiment
from sentiment.bundled import load_bundled
from sentiment.sentences import classify_sentences, split_sentences
from sentiment.settings import SentimentSettings

CASES = [
    ("Das Essen war z. B. kalt. Der Service aber toll!", 2),
    ("Dr. Müller hat sich Zeit genommen. Sehr empfehlenswert.", 2),
    ("Wartezeit ca. 20 Min., danach ging es schnell.", 1),
    ("Wir waren am 3. Mai 2024 da. Top!", 2),
    ("Am 12.03.2024 gegessen. Leider versalzen.", 2),
    ("Von mir 5/5. Gerne wieder!", 2),
    ("Note 4/5 für das Zimmer, das Frühstück war super.", 1),
    ("Termin bei Prof. Dr. med. Schmidt, d. h. alles pünktlich. Danke!", 2),
    ("Die Pizza usw. war gut. Der Wein bzw. das Bier nicht.", 2),
    ("Unfreundlich!!! Nie wieder... oder doch? Mal sehen.", 3),
    ("Preis-Leistung passt.\nDas Personal war unfreundlich", 2),
    ("Nr. 1 in der Stadt, u. a. wegen der Torten.", 1),
    ("", 0),
    ("   ", 0),
]


@pytest.mark.parametrize(("text", "count"), CASES)
def test_german_sentences_split_where_a_reader_would(text: str, count: int) -> None:
    sentences = split_sentences(text)
    assert len(sentences) == count, sentences
    for start, sentence in sentences:
        assert text[start : start + len(sentence)] == sentence  # offsets point into the text
    joined = " ".join(s for _, s in sentences).split()
    assert joined == text.split()  # nothing lost, nothing added


class Recording:
    """A classifier that records its calls and labels by a keyword."""

    name = "recording"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def classify(self, texts: Sequence[str]) -> list[Sentiment]:
        self.calls.append(list(texts))
        return [Sentiment("negative" if "kalt" in t else "positive", {}, self.name) for t in texts]


def test_all_sentences_go_to_the_model_in_one_call() -> None:
    model = Recording()
    texts = ["Das Essen war z. B. kalt. Der Service aber toll!", "", "Super."]
    result = classify_sentences(model, texts)
    assert len(model.calls) == 1
    assert model.calls[0] == ["Das Essen war z. B. kalt.", "Der Service aber toll!", "Super."]
    assert [[s.sentiment.label for s in text] for text in result] == [
        ["negative", "positive"],
        [],
        ["positive"],
    ]
    assert result[0][1].start == texts[0].index("Der")


def test_bundled_model_gives_each_sentence_its_own_polarity() -> None:
    model = load_bundled(SentimentSettings())
    text = "Das Essen war hervorragend und frisch. Die Bedienung war leider unfreundlich."
    (sentences,) = classify_sentences(model, [text])
    assert [s.sentiment.label for s in sentences] == ["positive", "negative"]
