"""Turning `sentiment.model` into a Classifier, or one line saying why it cannot be done.

A Hugging Face id is tried from the local cache first; only when it is not cached is the
hub asked, once and with a short timeout, so a machine without internet learns it in under a
second instead of after transformers' minute of retries.
"""

from __future__ import annotations

import logging
from pathlib import Path

from huggingface_hub import constants, model_info

from sentiment.backend import transformers_classifier
from sentiment.base import Classifier, ModelUnavailable, first_line
from sentiment.bundled import load_bundled
from sentiment.directories import load_or_explain
from sentiment.settings import SentimentSettings

log = logging.getLogger(__name__)

HUB_TIMEOUT_SECONDS = 10.0


def load_classifier(settings: SentimentSettings, base_dir: Path | None = None) -> Classifier:
    """The configured model; relative directories are resolved against `base_dir`."""
    if settings.model == "bundled":
        return load_bundled(settings)
    path = _local_path(settings.model, base_dir)
    if path is not None:
        return _load_directory(path, settings)
    return _load_hub(settings.model, settings)


def _local_path(model: str, base_dir: Path | None) -> Path | None:
    """A directory reference as a Path; None when `model` reads as a hub id."""
    raw = Path(model).expanduser()
    candidates = [raw] if raw.is_absolute() or base_dir is None else [base_dir / raw, raw]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate.resolve()
    if raw.is_absolute() or model.startswith((".", "~")) or model.count("/") > 1:
        raise ModelUnavailable(
            f"sentiment model {model}: directory not found; check sentiment.model in"
            " config.yaml (a model directory, a Hugging Face id or 'bundled')"
        )
    return None


def _load_directory(path: Path, settings: SentimentSettings) -> Classifier:
    return load_or_explain(
        path,
        settings,
        lambda exc: (
            f"sentiment model {path}: cannot load it ({first_line(exc)}); check the"
            " directory holds a complete model (config, weights, tokenizer)"
        ),
    )


def _load_hub(model_id: str, settings: SentimentSettings) -> Classifier:
    try:
        return transformers_classifier().from_pretrained(model_id, settings, name=model_id)
    except ModelUnavailable:
        raise
    except (OSError, ValueError):
        log.debug("model %s not in the local Hugging Face cache", model_id)
    _check_hub(model_id)
    try:
        return transformers_classifier().from_pretrained(
            model_id, settings, name=model_id, local_files_only=False
        )
    except ModelUnavailable:
        raise
    except Exception as exc:  # a failed download or unreadable files: report, don't crash
        raise ModelUnavailable(_hub_message(model_id, first_line(exc))) from exc


def _check_hub(model_id: str) -> None:
    """Fail in a second, not after retries, when the hub cannot serve the model."""
    if constants.HF_HUB_OFFLINE:
        raise ModelUnavailable(_hub_message(model_id, "HF_HUB_OFFLINE is set"))
    try:
        model_info(model_id, timeout=HUB_TIMEOUT_SECONDS)
    except Exception as exc:  # any hub or network failure means: unavailable
        raise ModelUnavailable(_hub_message(model_id, hub_failure(exc))) from exc


def _hub_message(model_id: str, why: str) -> str:
    return (
        f"sentiment model {model_id}: not in the local cache and the Hugging Face hub cannot"
        f" provide it ({why}); run `leumund sentiment download {model_id}` on a connected"
        " machine and copy the directory here, then point sentiment.model at that directory"
    )


def hub_failure(exc: Exception) -> str:
    """Why the hub could not serve a model, in a few words."""
    name = type(exc).__name__
    if "Connect" in name or "Timeout" in name or "Network" in name:
        return f"no connection to the hub: {first_line(exc)}"
    if "NotFound" in name:
        return "no such model on the hub"
    if "Gated" in name or "Auth" in name:
        return "the model needs a Hugging Face login"
    return f"{name}: {first_line(exc)}"
