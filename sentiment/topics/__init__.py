"""Topics (Themen) of German reviews: an explainable lexicon plus per-sentence polarity.

`taxonomy` names the topics, `lexicon` matches their terms inside German compounds and
inflected words, `sentences` cuts review text into sentences, `analyze` puts them together
with a sentiment classifier, and `datasets`/`evaluate` score it on labelled aspect data.
"""
