"""Crawler settings from config.yaml: politeness is set here explicitly, never left to Scrapy."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

SOURCE_TYPES: tuple[str, ...] = (
    "trustpilot",
    "schema_org",
    "google_places",
    "google_business_profile",
    "trustedshops",
)


class CrawlerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    contact_url: str = Field(
        default="https://github.com/leumund/leumund",
        description="URL in the User-Agent where site owners learn who crawls them",
    )
    download_delay: float = Field(default=2.0, ge=0, le=3600)
    autothrottle: bool = True
    download_timeout: float = Field(default=30.0, gt=0, le=3600)
    retry_times: int = Field(default=3, ge=0, le=20)
    max_pages: int = Field(default=5, ge=1, le=1000)
    crawl_timeout: float = Field(default=600.0, gt=0, le=86400)
    max_page_mb: float = Field(
        default=10.0,
        gt=0,
        le=1024,
        description="a page or API answer larger than this many MB is dropped, not read",
    )
