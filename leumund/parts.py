"""The parts every job and command works with, built once per process (the composition root).

`build_parts` is the one place that turns a validated config into a database engine, a
mailer, a renderer, a clock and a classifier loader. Commands, the service, `run --once`
and the demo receive a `Parts` and never build these themselves; tests hand in their own.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from pydantic import SecretStr
from sqlalchemy.engine import Engine

from alerts.channel_urls import channel_id, channel_label, expand, variables
from alerts.channels import Channel, ChannelBook
from alerts.mail import FileMailer, Mailer, SmtpMailer
from alerts.render import Renderer
from leumund.config import Config
from leumund.web.links import review_link
from sentiment.base import Classifier, ModelUnavailable
from sentiment.loading import load_classifier
from storage.db import make_engine
from storage.models import utcnow

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
ModelLoader = Callable[[], Classifier]
MODEL_RETRY = timedelta(minutes=15)


def make_mailer(config: Config) -> Mailer:
    """The configured backend: SMTP with the password from the environment, or a folder."""
    smtp = config.mail.smtp
    if config.mail.backend == "smtp" and smtp is not None:
        return SmtpMailer.from_settings(smtp, config.secret(smtp.password_env))
    return FileMailer(config.mail_directory())


def make_channels(config: Config) -> ChannelBook:
    """Every channel of the service and the businesses, its URL expanded with the secrets
    read at load time; reviews link to the dashboard when it has a public address."""
    base_url = config.web.base_url
    book = ChannelBook(link=partial(review_link, base_url) if base_url else None)
    templates = [*config.service.channels, *(u for b in config.businesses for u in b.channels)]
    for template in dict.fromkeys(templates):
        values = {v: s.get_secret_value() for v in variables(template) if (s := config.secret(v))}
        url = expand(template, partial(_value, values))
        ident = channel_id(template)
        book.channels[ident] = Channel(
            ident, channel_label(template), SecretStr(url), tuple(values.values())
        )
    return book


def _value(values: dict[str, str], name: str) -> str:
    return values.get(name, "")


def describe_mailer(config: Config) -> str:
    smtp = config.mail.smtp
    if config.mail.backend == "smtp" and smtp is not None:
        return f"smtp {smtp.host}:{smtp.port} ({smtp.security})"
    return f"file {config.mail_directory()}"


@dataclass
class Parts:
    """Engine, mailer, renderer, clock and the classifier (loaded lazily, once)."""

    config: Config
    engine: Engine
    mailer: Mailer
    renderer: Renderer
    load_model: ModelLoader
    clock: Clock = utcnow
    model_retry: timedelta = MODEL_RETRY
    channels: ChannelBook = field(default_factory=ChannelBook)
    _classifier: Classifier | None = field(default=None, init=False, repr=False)
    _retry_at: datetime | None = field(default=None, init=False, repr=False)

    def classifier(self) -> Classifier | None:
        """The model, loaded on first use; None while it cannot be loaded.

        A failed load is logged once per attempt and tried again after `model_retry`, so a
        long-running service picks up a model the operator fixed.
        """
        now = self.clock()
        if self._classifier is not None or (self._retry_at is not None and now < self._retry_at):
            return self._classifier
        self._retry_at = now + self.model_retry  # also when loading raises
        log.info("loading sentiment model %s …", self.config.sentiment.model)
        started = time.monotonic()  # loading takes seconds: say why it is quiet
        try:
            self._classifier = self.load_model()
            log.info(
                "sentiment model %s loaded in %.1f s",
                self._classifier.name,
                time.monotonic() - started,
            )
        except ModelUnavailable as exc:
            log.error(
                "reviews stay unclassified until the model loads"
                " (star-based alerts still go out): %s",
                exc,
            )
        return self._classifier

    def close(self) -> None:
        self.engine.dispose()


def build_parts(config: Config, *, engine: Engine | None = None, clock: Clock = utcnow) -> Parts:
    """Every part from the config; `engine` may be handed in (tests, a shared pool)."""
    return Parts(
        config=config,
        engine=engine or make_engine(config.database_url()),
        mailer=make_mailer(config),
        renderer=Renderer(config.mail.sender),
        load_model=lambda: load_classifier(config.sentiment, config.base_dir),
        clock=clock,
        channels=make_channels(config),
    )


@contextmanager
def open_parts(config: Config) -> Iterator[Parts]:
    """The parts for one command; the engine's connections are closed afterwards."""
    parts = build_parts(config)
    try:
        yield parts
    finally:
        parts.close()
