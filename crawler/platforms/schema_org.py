"""Any page with schema.org reviews (JSON-LD, microdata or RDFa): the operator's own platform.

Pagination follows the source's `next_page` CSS selector, else `<link rel="next">`.
"""

from __future__ import annotations

from urllib.parse import urljoin

from scrapy.http import Response

from crawler.base import Page, ReviewSpider
from crawler.platforms.jsonld import reviews_from_html


class SchemaOrgSpider(ReviewSpider):
    name = "schema_org"

    def extract(self, response: Response) -> Page:
        reviews = reviews_from_html(response.text, response.url)
        selector = self.spec.next_page or 'link[rel="next"]'
        node = response.css(selector)
        href = node.attrib.get("href") if node else None
        next_request = self.page_request(urljoin(response.url, href)) if href else None
        # A page without any reply markup cannot tell "no reply" from "cannot see replies".
        sees_replies = any(review.reply is not None for review in reviews)
        return Page(reviews, next_request, sees_replies=sees_replies)
