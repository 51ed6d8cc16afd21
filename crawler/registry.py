"""Which spider crawls which source type; `settings.SOURCE_TYPES` lists the same names."""

from __future__ import annotations

from crawler.base import ReviewSpider
from crawler.platforms.google import GoogleBusinessProfileSpider, GooglePlacesSpider
from crawler.platforms.schema_org import SchemaOrgSpider
from crawler.platforms.trustedshops import TrustedShopsSpider
from crawler.platforms.trustpilot import TrustpilotSpider

SPIDERS: dict[str, type[ReviewSpider]] = {
    spider.name: spider
    for spider in (
        TrustpilotSpider,
        SchemaOrgSpider,
        GooglePlacesSpider,
        GoogleBusinessProfileSpider,
        TrustedShopsSpider,
    )
}


def spider_for(source_type: str) -> type[ReviewSpider]:
    try:
        return SPIDERS[source_type]
    except KeyError:
        known = ", ".join(SPIDERS)
        raise ValueError(f"unknown source type {source_type!r}; known: {known}") from None
