"""What a crawl needs and what it found, as plain picklable data for the child process."""

from __future__ import annotations

from dataclasses import dataclass, field

from crawler.settings import CrawlerSettings
from storage.models import CrawlStatus, ReviewData


@dataclass(frozen=True)
class CrawlSpec:
    """One source to crawl once: where, how far, and what is already known.

    `api_base` / `token_url` override the Google API hosts (tests point them at 127.0.0.1);
    `secrets` holds API keys and OAuth values resolved by the caller, never logged.
    """

    type: str
    url: str
    settings: CrawlerSettings
    max_pages: int = 5
    known_ids: frozenset[str] = frozenset()
    expect_reviews: bool = False
    next_page: str | None = None
    place_id: str | None = None
    location: str | None = None
    api_base: str | None = None
    token_url: str | None = None
    secrets: dict[str, str] = field(default_factory=dict, repr=False)


@dataclass
class CrawlResult:
    status: CrawlStatus
    items: list[ReviewData] = field(default_factory=list)
    pages: int = 0
    http_errors: int = 0
    error: str | None = None
    more_pages: bool = False
    """The page budget ended the crawl although the site links a further page."""


@dataclass(frozen=True)
class SpiderSummary:
    """What the child reports when its spider closed."""

    pages: int
    reviews_found: int
    http_errors: int
    fetch_error: str | None
    close_reason: str
    more_pages: bool = False
