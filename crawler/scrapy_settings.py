"""Scrapy settings built from CrawlerSettings: every politeness knob set explicitly.

A script run of Scrapy gets its fallback defaults, which ignore robots.txt and do not
delay; nothing here relies on them.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from crawler.settings import CrawlerSettings

RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 408, 522, 524]


def user_agent(contact_url: str) -> str:
    try:
        ours = version("leumund")
    except PackageNotFoundError:
        ours = "0"
    return f"Leumund/{ours} (+{contact_url})"


def spider_timeout(settings: CrawlerSettings) -> float:
    """Close the spider a little before the parent's hard kill, so it ends cleanly."""
    return max(settings.crawl_timeout * 0.9, settings.crawl_timeout - 30.0)


def scrapy_settings(settings: CrawlerSettings) -> dict[str, Any]:
    return {
        "ROBOTSTXT_OBEY": True,
        "USER_AGENT": user_agent(settings.contact_url),
        "CONCURRENT_REQUESTS": 4,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "DOWNLOAD_DELAY": settings.download_delay,
        "DOWNLOAD_DELAY_JITTER": 0.5,
        "AUTOTHROTTLE_ENABLED": settings.autothrottle,
        "AUTOTHROTTLE_START_DELAY": settings.download_delay,
        "AUTOTHROTTLE_MAX_DELAY": max(60.0, settings.download_delay),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        "DOWNLOAD_TIMEOUT": settings.download_timeout,
        "DOWNLOAD_MAXSIZE": int(settings.max_page_mb * 1024 * 1024),
        "DOWNLOAD_WARNSIZE": 0,
        "CLOSESPIDER_TIMEOUT": spider_timeout(settings),
        "RETRY_ENABLED": True,
        "RETRY_TIMES": settings.retry_times,
        "RETRY_HTTP_CODES": RETRY_HTTP_CODES,
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "crawler.middleware.PoliteRetryMiddleware": 550,
        },
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "HTTPCACHE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
    }
