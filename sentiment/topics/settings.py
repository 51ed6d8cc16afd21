"""`topics:` in config.yaml: terms the operator adds to the built-in lexicon.

topics:
  extra:                       # for every business
    Wartezeit: [Wartezimmer, "*wartemarke"]
  kinds:                       # per business kind (businesses[].kind)
    arztpraxis:
      Termine: [Rezept*, Überweisung*]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from sentiment.topics.german import IGNORE, TERMS
from sentiment.topics.lexicon import Lexicon, TermError, parse_term
from sentiment.topics.taxonomy import TOPIC_KEYS


def _check_topic(value: str) -> str:
    if value not in TOPIC_KEYS:
        known = ", ".join(TOPIC_KEYS)
        raise ValueError(f"unknown topic {value!r}; expected one of {known}")
    return value


def _check_term(value: str) -> str:
    try:
        parse_term(value)
    except TermError as exc:
        raise ValueError(str(exc)) from None
    return value


TopicName = Annotated[str, AfterValidator(_check_topic)]
TermText = Annotated[str, AfterValidator(_check_term)]
TopicTerms = dict[TopicName, list[TermText]]


class TopicSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    extra: TopicTerms = Field(default_factory=dict)
    kinds: dict[str, TopicTerms] = Field(default_factory=dict)

    def lexicon(self, kind: str | None = None) -> Lexicon:
        """The built-in lexicon plus `extra` plus the terms of this business kind."""
        layers: list[Mapping[str, list[str]]] = [self.extra]
        if kind is not None:
            layers.append(self.kinds.get(kind, {}))
        own: dict[str, list[str]] = {}
        for layer in layers:
            for topic, words in layer.items():
                own[topic] = own.get(topic, []) + list(words)
        return Lexicon(TERMS, IGNORE, own)
