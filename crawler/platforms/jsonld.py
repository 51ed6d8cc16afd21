"""schema.org Review nodes from JSON-LD, microdata and RDFa, whichever a page carries.

Real sites serve broken JSON-LD (trailing commas, raw newlines in strings, HTML comments),
so each script is parsed leniently by hand; microdata and RDFa come from extruct.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from html import unescape
from typing import Any
from urllib.parse import urljoin

import extruct
from parsel import Selector

from crawler.values import as_dict, parse_time, scale, stars, strip_markup, text_of, to_float
from storage.models import ReviewData

log = logging.getLogger(__name__)

_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_WRAPPERS = re.compile(r"^\s*(<!--|//\s*<!\[CDATA\[|<!\[CDATA\[)|(-->|//\s*\]\]>|\]\]>)\s*$")
_SCHEMA = re.compile(r"^https?://schema\.org/")
MAX_DEPTH = 64


def lenient_json(text: str) -> Any:
    """json.loads, then a second try that forgives the usual hand-written mistakes.

    A block nested deeper than MAX_DEPTH (no real markup comes close) is dropped whole.
    """
    try:
        return _shallow(json.loads(text))
    except RecursionError:
        log.warning("JSON-LD block nested too deeply (%d chars); block skipped", len(text))
        return None
    except ValueError:
        pass
    cleaned = _WRAPPERS.sub("", text.strip())
    cleaned = _TRAILING_COMMA.sub(r"\1", cleaned)
    for candidate in (cleaned, unescape(cleaned)):
        try:
            return _shallow(json.loads(candidate, strict=False))
        except RecursionError:
            return None
        except ValueError:
            continue
    log.debug("JSON-LD block unreadable even leniently (%d chars)", len(text))
    return None


def _shallow(data: Any) -> Any:
    """The data, or None (with a warning) when nested deeper than MAX_DEPTH."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            log.warning("JSON-LD block nested deeper than %d levels; block skipped", MAX_DEPTH)
            return None
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
    return data


def jsonld_blocks(html: str) -> list[Any]:
    scripts = Selector(text=html).css('script[type="application/ld+json"]::text').getall()
    return [data for text in scripts if (data := lenient_json(text)) is not None]


def structured_nodes(html: str, base_url: str) -> list[Any]:
    """Every top-level object from JSON-LD, microdata and RDFa, keys without schema.org IRIs."""
    nodes: list[Any] = jsonld_blocks(html)
    try:
        data = extruct.extract(
            html, base_url=base_url, syntaxes=["microdata", "rdfa"], uniform=True
        )
    except Exception as exc:  # extruct raises whatever its parsers raise on odd markup
        log.debug("extruct failed on %s: %s", base_url, exc)
        data = {}
    nodes.extend(_plain(node) for node in data.get("microdata", []))
    rdfa = _plain(data.get("rdfa", []))
    nodes.extend(rdfa if isinstance(rdfa, list) else [rdfa])
    return _linked(nodes)


def _index(value: Any, index: dict[str, Any]) -> None:
    if isinstance(value, list):
        for item in value:
            _index(item, index)
    elif isinstance(value, dict):
        if isinstance(value.get("@id"), str) and len(value) > 1:
            index.setdefault(value["@id"], value)
        for item in value.values():
            _index(item, index)


def _linked(flat: list[Any]) -> list[Any]:
    """Nodes that point at each other by @id (RDFa, JSON-LD @graph): objects put in place."""
    index: dict[str, Any] = {}
    _index(flat, index)

    def resolve(value: Any, depth: int) -> Any:
        if depth > 8:
            return value
        if isinstance(value, list):
            return [resolve(v, depth + 1) for v in value]
        if isinstance(value, dict):
            if set(value) == {"@id"} and value["@id"] in index:
                return resolve(index[value["@id"]], depth + 1)
            return {k: resolve(v, depth + 1) for k, v in value.items()}
        return value

    return [resolve(n, 0) for n in flat]


def _plain(node: Any) -> Any:
    """Expanded RDFa ({'http://schema.org/x': [{'@value': v}]}) folded to plain JSON-LD."""
    if isinstance(node, list):
        items = [_plain(n) for n in node]
        return items[0] if len(items) == 1 else items
    if not isinstance(node, dict):
        return node
    if set(node) == {"@value"} or ("@value" in node and len(node) <= 3):
        return node["@value"]
    out: dict[str, Any] = {}
    for key, value in node.items():
        name = _SCHEMA.sub("", key)
        if name == "@type":
            value = [_SCHEMA.sub("", t) for t in value] if isinstance(value, list) else value
            value = _SCHEMA.sub("", value) if isinstance(value, str) else value
        out[name] = _plain(value)
    return out


def _types(node: dict[str, Any]) -> set[str]:
    value = node.get("@type", [])
    return {value} if isinstance(value, str) else {str(v) for v in value}


def walk_reviews(data: Any) -> Iterator[dict[str, Any]]:
    """Review objects anywhere in the data (top level, @graph, nested `review`)."""
    if isinstance(data, list):
        for item in data:
            yield from walk_reviews(item)
    elif isinstance(data, dict):
        if "Review" in _types(data):
            yield data
            return
        for value in data.values():
            if isinstance(value, dict | list):
                yield from walk_reviews(value)


def _clean(value: Any) -> str:
    """Review text as sites put it into JSON-LD: entities and <br> markup included."""
    return text_of(strip_markup(unescape(value)) if isinstance(value, str) else value)


def _name(value: Any) -> str:
    if isinstance(value, list):
        return _name(value[0]) if value else ""
    if isinstance(value, dict):
        return text_of(value.get("name"))
    return text_of(value)


def _node_id(node: dict[str, Any]) -> str:
    raw = node.get("@id") or node.get("identifier") or node.get("url") or ""
    if isinstance(raw, dict):
        raw = raw.get("value") or raw.get("@id") or ""
    raw = str(raw)
    if raw.startswith("_:"):
        return ""
    return raw.rstrip("/").rsplit("/", 1)[-1].lstrip("#") if raw else ""


def _reply(node: dict[str, Any]) -> tuple[str | None, Any]:
    comment = node.get("comment")
    if isinstance(comment, list):
        comment = comment[0] if comment else None
    if not isinstance(comment, dict):
        return None, None
    text = _clean(comment.get("text"))
    return (text or None), parse_time(comment.get("dateCreated") or comment.get("datePublished"))


def review_from_node(node: dict[str, Any], page_url: str) -> ReviewData:
    rating_node = node.get("reviewRating")
    if isinstance(rating_node, list):
        rating_node = rating_node[0] if rating_node else None
    rating = as_dict(rating_node)
    raw = to_float(rating.get("ratingValue"))
    best = to_float(rating.get("bestRating")) or 5.0
    worst = to_float(rating.get("worstRating"))
    worst = 1.0 if worst is None else worst
    reply, reply_at = _reply(node)
    own_url = node.get("url")
    has_url = isinstance(own_url, str) and bool(own_url)
    url = urljoin(page_url, str(own_url)) if has_url else page_url
    return ReviewData(
        platform_id=_node_id(node),
        author=_name(node.get("author")),
        rating=stars(raw, best, worst),
        rating_raw=raw,
        rating_scale=scale(best, worst) if raw is not None else None,
        title=_clean(node.get("name") or node.get("headline")),
        text=_clean(node.get("reviewBody") or node.get("description")),
        language=text_of(node.get("inLanguage")) or None,
        published_at=parse_time(node.get("datePublished") or node.get("dateCreated")),
        reply=reply,
        reply_at=reply_at,
        url=url,
        sees_link=has_url,
    )


def reviews_from_html(html: str, page_url: str) -> list[ReviewData]:
    """All schema.org reviews on a page, deduplicated across the three syntaxes.

    Each top-level block is read on its own: one that breaks the reader costs that block.
    """
    seen: set[tuple[str, str, str]] = set()
    out: list[ReviewData] = []
    for block in structured_nodes(html, page_url):
        try:
            reviews = [review_from_node(n, page_url) for n in walk_reviews(block)]
        except (RecursionError, ValueError, TypeError, AttributeError) as exc:
            log.warning("a structured-data block on %s was skipped: %r", page_url, exc)
            continue
        for review in reviews:
            key = (review.author, review.text, str(review.published_at))
            if key not in seen:
                seen.add(key)
                out.append(review)
    return out
