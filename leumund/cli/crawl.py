"""`leumund try-source` and `leumund crawl`: the crawler's operator tools."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import SecretStr, ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from crawler.runner import run_crawl
from crawler.settings import SOURCE_TYPES
from crawler.spec import CrawlResult
from leumund.cli.args import SubParsers, add_config_arg, config_from, with_parts
from leumund.config import SECRET_ENV_KEYS, Config, SourceConfig
from leumund.errors import OperatorError
from leumund.jobs.crawl import crawl_all, crawl_spec
from leumund.parts import Parts
from storage.db import init_schema
from storage.models import CrawlStatus, ReviewData
from storage.registry import source_names

JSON_KEYS = (
    "platform_id",
    "author",
    "rating",
    "rating_raw",
    "rating_scale",
    "title",
    "text",
    "language",
    "published_at",
    "reply",
    "url",
)

OPTION_KEYS = ("next_page", "scale", "order", "place_id", "location", *SECRET_ENV_KEYS)
QUIET_LOGGERS = ("scrapy", "twisted", "crawler.fetch")
"""try-source's one-line reason says what these would log at length (unless --verbose)."""


def register(sub: SubParsers) -> None:
    p = sub.add_parser("try-source", help="crawl one page source once and show what it finds")
    p.add_argument("--type", required=True, choices=SOURCE_TYPES, help="source type")
    p.add_argument("--url", default="", help="page URL (Google types: API base override)")
    p.add_argument("--max-pages", type=int, default=1, help="pages to read (default 1)")
    p.add_argument("--json", action="store_true", help="one JSON object per review")
    p.add_argument("--next-page", help="CSS selector of the next-page link (schema_org)")
    p.add_argument(
        "--scale",
        default="auto",
        choices=("auto", "stars", "points10", "percent", "grade"),
        help="how to read ratings: auto (what the markup declares, else 0-5 stars), stars,"
        " points10 (0-10), percent, grade (German school grade, 1 best - 6 worst)",
    )
    p.add_argument(
        "--order",
        default="auto",
        choices=("auto", "newest_first", "any"),
        help="the site's review order (default: read it from the dates)",
    )
    p.add_argument("--place-id", help="Google place id (google_places)")
    p.add_argument("--location", help="accounts/*/locations/* (google_business_profile)")
    for key in SECRET_ENV_KEYS:
        p.add_argument(f"--{key.replace('_', '-')}", dest=key, help="environment variable")
    add_config_arg(p)
    p.set_defaults(handler=_try_source)
    p = sub.add_parser("crawl", help="crawl now and store the reviews")
    p.add_argument("--business", help="only this business")
    p.add_argument("--source", help="only this source (by name)")
    with_parts(p, _crawl)


def _config_or_defaults(args: argparse.Namespace) -> Config:
    """try-source works without a config file; with one, its crawler settings apply."""
    path: Path = args.config
    return config_from(args) if path.exists() else Config().bind(Path.cwd(), {})


def _try_spec_source(args: argparse.Namespace) -> SourceConfig:
    options = {k: getattr(args, k) for k in OPTION_KEYS if getattr(args, k)}
    url = args.url
    if url and "://" not in url and Path(url).exists():
        url = Path(url).resolve().as_uri()  # a saved page on disk
    try:
        return SourceConfig(
            name="try", type=args.type, url=url, max_pages=args.max_pages, **options
        )
    except ValidationError as exc:
        reason = exc.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")
        raise OperatorError(f"try-source: {reason}") from None


def _try_source(args: argparse.Namespace) -> int:
    source = _try_spec_source(args)
    config = _config_or_defaults(args)
    missing = [v for v in source.env_refs().values() if not os.environ.get(v)]
    if missing:
        raise OperatorError(f"try-source: environment variable {missing[0]} is not set")
    secrets = {v: SecretStr(os.environ[v]) for v in source.env_refs().values()}
    config = config.model_copy().bind(config.base_dir, secrets)
    with _quiet(QUIET_LOGGERS, enabled=not getattr(args, "verbose", False)):
        result = run_crawl(crawl_spec(config, source, expect_reviews=True))
    for item in result.items:
        print(json.dumps(review_json(item), ensure_ascii=False) if args.json else _line(item))
    for warning in _warnings(result, source):
        print(f"leumund: try-source: warning: {warning}", file=sys.stderr)
    if result.status is not CrawlStatus.OK:
        reason = str(result.error).replace("page structure changed? 0 reviews", "0 reviews")
        print(f"leumund: try-source: {reason}", file=sys.stderr)
        return 1
    more = ""
    if result.more_pages:
        more = f"; more pages exist (read up to N with --max-pages N, now {source.max_pages})"
    summary = f"{len(result.items)} reviews on {result.pages} page(s){more}"
    if not args.json:
        print(summary)
    else:
        print(f"leumund: try-source: {summary}", file=sys.stderr)
    return 0


def _warnings(result: CrawlResult, source: SourceConfig) -> list[str]:
    """What the operator should know before adding the source; stderr, never in JSON."""
    out = list(result.dropped)
    if result.unordered and source.order == "auto":
        out.append(
            "the dates on the page are not in descending order (newest first): every crawl"
            " reads up to max_pages to find new reviews; set `order: any` to say so, or"
            " `order: newest_first` if the site's order is right after all"
        )
    undated = sum(item.published_at is None for item in result.items)
    if undated:
        out.append(f"{undated} review(s) without a readable date (stored as first seen)")
    return out


@contextmanager
def _quiet(names: tuple[str, ...], enabled: bool) -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in names] if enabled else []
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def review_json(item: ReviewData) -> dict[str, Any]:
    published = item.published_at.isoformat() if item.published_at else None
    values = {**{k: getattr(item, k) for k in JSON_KEYS}, "published_at": published}
    return {k: values[k] for k in JSON_KEYS}


def _line(item: ReviewData) -> str:
    when = item.published_at.date().isoformat() if item.published_at else "?"
    rating = f"{item.rating:g}/5" if item.rating is not None else "–"
    head = f"{rating}  {when}  {item.author or '(anonymous)'}: {item.title}".rstrip(": ")
    body = item.text if len(item.text) <= 160 else item.text[:157] + "…"
    reply = f"\n      ↳ reply: {item.reply[:120]}" if item.reply else ""
    return f"[{item.platform_id}] {head}\n      {body}{reply}"


def _check_names(config: Config, business: str | None, source: str | None) -> None:
    businesses = [b for b in config.watched() if business in (None, b.name, b.competitor_of)]
    if business is not None and not businesses:
        raise OperatorError(f"crawl: no business named {business!r} in the config")
    if source is not None and not any(s.name == source for b in businesses for s in b.sources):
        raise OperatorError(f"crawl: no source named {source!r} in the config")


def _source_names(engine: Engine, source_ids: list[int]) -> dict[int, str]:
    with Session(engine) as session:
        names = source_names(session, source_ids)
        return {sid: f"{business} / {source}" for sid, (business, source) in names.items()}


def _crawl(args: argparse.Namespace, parts: Parts) -> int:
    _check_names(parts.config, args.business, args.source)
    init_schema(parts.engine)
    runs = crawl_all(parts.engine, parts.config, args.business, args.source)
    names = _source_names(parts.engine, [run.source_id for run in runs])
    for run in runs:
        error = f" — {run.error}" if run.error else ""
        notes = f" ({run.notes})" if run.notes else ""
        print(
            f"{names[run.source_id]}: {run.status}, {run.pages} pages, {run.reviews_new} new,"
            f" {run.reviews_updated} updated, {run.http_errors} HTTP errors{error}{notes}"
        )
    return 0 if all(run.status == CrawlStatus.OK.value for run in runs) else 1
