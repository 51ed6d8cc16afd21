"""Fetching a Hugging Face model into a plain directory, on a machine with internet.

The directory can then be copied to the server and named in `sentiment.model`; its
leumund.json keeps the hub id, so the model is reported (and cleaned) as what it is.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from huggingface_hub import model_info, snapshot_download

from sentiment.base import META_FILE, ModelUnavailable
from sentiment.cleaning import GUHR_MODEL
from sentiment.loading import HUB_TIMEOUT_SECONDS, hub_failure

log = logging.getLogger(__name__)

FILES = ["*.json", "*.txt", "*.safetensors", "*.model", "tokenizer*", "vocab*", "merges*"]


def default_directory(model_id: str) -> Path:
    return Path("models") / model_id.replace("/", "--")


def download_model(model_id: str, directory: Path) -> Path:
    """Download config, weights (safetensors, else PyTorch) and tokenizer into `directory`."""
    try:
        model_info(model_id, timeout=HUB_TIMEOUT_SECONDS)
    except Exception as exc:  # any hub or network failure is reported the same way
        raise ModelUnavailable(
            f"cannot download {model_id}: {hub_failure(exc)}; run this on a machine that"
            " reaches huggingface.co"
        ) from exc
    try:
        snapshot_download(model_id, local_dir=directory, allow_patterns=FILES)
        if not any(directory.glob("*.safetensors")):
            snapshot_download(model_id, local_dir=directory, allow_patterns=["*.bin"])
    except Exception as exc:  # any hub or network failure is reported the same way
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ModelUnavailable(f"cannot download {model_id}: {first}") from exc
    meta: dict[str, str] = {"name": model_id}
    if GUHR_MODEL in model_id.lower():
        meta["clean_text"] = GUHR_MODEL
    (directory / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    log.info("downloaded %s into %s", model_id, directory)
    return directory
