"""A tiny but real transformers model directory: random BERT weights, a real tokenizer.

Saved with `save_pretrained`, so tests load it through exactly the code path of any
downloaded model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

from sentiment.training.options import TrainOptions

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORD_TEXT = (
    "der die das ein eine und nicht sehr gut schlecht toll super schrecklich freundlich "
    "unfreundlich essen service preis lecker kalt warm zimmer sauber dreckig personal "
    "wieder gerne nie empfehlen enttäuscht zufrieden ist war sind mit keinem guten ergebniss "
    "test verlief positiv sie fährt grünes auto fall wurde an polizei übergeben wir haben "
    "hotel arzt termin wartezeit lange kurz brötchen frisch verkäuferin"
)
WORDS = WORD_TEXT.split()
LETTERS = list("abcdefghijklmnopqrstuvwxyzäöüß")
PUNCT = list(".,!?:;-()")

STAR_LABELS = {0: "1 star", 1: "2 stars", 2: "3 stars", 3: "4 stars", 4: "5 stars"}
GUHR_LABELS = {0: "positive", 1: "negative", 2: "neutral"}


def vocabulary() -> dict[str, int]:
    tokens = SPECIAL + WORDS + LETTERS + [f"##{c}" for c in LETTERS] + PUNCT
    return {token: i for i, token in enumerate(dict.fromkeys(tokens))}


def tiny_tokenizer(max_length: int = 512) -> PreTrainedTokenizerFast:
    vocab = vocabulary()
    core = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=100))
    core.normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=False)
    core.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    core.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=core,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=max_length,
    )


def build_tiny_model(directory: Path, id2label: dict[int, str], seed: int = 0) -> Path:
    """Save a 2-layer, 32-wide BERT classifier with these labels and its tokenizer."""
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(vocabulary()),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
        initializer_range=0.5,
        id2label=id2label,
        label2id={v: k for k, v in id2label.items()},
    )
    BertForSequenceClassification(config).save_pretrained(directory)
    tiny_tokenizer().save_pretrained(directory)
    return directory


def tiny_train_options(data: Path, out: Path, **changes: Any) -> TrainOptions:
    """Training options for a seconds-long run on a few rows per set (a loadable model)."""
    quick: dict[str, Any] = {
        "max_rows": 64,
        "steps": 2,
        "stop_at": 2,
        "layers": 1,
        "vocab": 2000,
        "min_count": 1,
        "min_df": 1,
        "batch_size": 8,
        "max_length": 32,
        "checkpoint_every": 0,
    }
    return TrainOptions(data=data, out=out, **(quick | changes))
