"""A fictional business ("Bäckerei Beispiel") with German reviews, served locally.

The pages follow the real structure of the platforms (a Trustpilot-style page with
`__NEXT_DATA__` and JSON-LD, and a schema.org page), so `leumund demo` and the tests crawl
them with the real spiders.
"""

from crawler.demo.server import DemoServer, serve_directory
from crawler.demo.site import DemoReview, DemoSite

__all__ = ["DemoReview", "DemoServer", "DemoSite", "serve_directory"]
