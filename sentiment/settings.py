"""Sentiment settings from config.yaml."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class SentimentSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    model: str = Field(
        default="bundled",
        description="'bundled', a local model directory, or a Hugging Face model id",
    )
    batch_size: int = Field(default=32, ge=1, le=1024)
    device: Literal["cpu", "cuda", "mps"] = "cpu"
    max_length: int = Field(default=256, ge=8, le=4096)
