"""The Jinja2 environment for emails: autoescaped HTML, strict variables, package templates.

Every template gets `s` (inline CSS snippets, so all emails look alike in mail clients that
ignore <style>) and is rendered with a `t` (`alerts.i18n.Wording`) for wording and formats.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    PackageLoader,
    StrictUndefined,
)
from markupsafe import Markup

_FONT = "-apple-system,BlinkMacSystemFont,Segoe UI,Roboto,Helvetica,Arial,sans-serif"

# Inline CSS for the pieces every email uses; templates write style="{{ s.card }}".
STYLES: dict[str, Markup] = {
    key: Markup(value)
    for key, value in {
        "body": f"margin:0;padding:0;background:#f2f3f5;font-family:{_FONT};color:#1f2328;",
        "outer": "width:100%;background:#f2f3f5;padding:16px 0;",
        "container": "width:100%;max-width:600px;margin:0 auto;",
        "header": "padding:14px 20px;background:#1f3a5f;color:#ffffff;"
        "font-size:15px;font-weight:600;letter-spacing:0.3px;border-radius:8px 8px 0 0;",
        "card": "padding:20px;background:#ffffff;border-radius:0 0 8px 8px;"
        "font-size:16px;line-height:1.5;",
        "h1": "margin:0 0 12px 0;font-size:21px;line-height:1.3;font-weight:700;color:#1f2328;",
        "h2": "margin:20px 0 8px 0;font-size:17px;line-height:1.3;font-weight:700;color:#1f2328;",
        "p": "margin:0 0 12px 0;font-size:16px;line-height:1.5;",
        "muted": "margin:0 0 12px 0;font-size:14px;line-height:1.5;color:#59636e;",
        "label": "padding:4px 12px 4px 0;font-size:14px;color:#59636e;vertical-align:top;"
        "white-space:nowrap;",
        "value": "padding:4px 0;font-size:15px;vertical-align:top;word-break:break-word;",
        "stars": "color:#e3a008;font-size:20px;letter-spacing:1px;white-space:nowrap;",
        "stars_bad": "color:#d1242f;font-size:20px;letter-spacing:1px;white-space:nowrap;",
        "quote": "margin:12px 0;padding:12px 14px;background:#f6f8fa;border-left:4px solid #d1242f;"
        "font-size:16px;line-height:1.5;white-space:pre-wrap;word-break:break-word;"
        "overflow-wrap:anywhere;",
        "rule": "display:inline-block;margin:0 6px 6px 0;padding:3px 10px;border-radius:12px;"
        "background:#fff1f0;color:#a40e26;font-size:14px;line-height:1.4;",
        # a mention (a keyword in a review that reads well): blue, not the alarm red
        "quote_mention": "margin:12px 0;padding:12px 14px;background:#f6f8fa;"
        "border-left:4px solid #0969da;font-size:16px;line-height:1.5;white-space:pre-wrap;"
        "word-break:break-word;overflow-wrap:anywhere;",
        "rule_mention": "display:inline-block;margin:0 6px 6px 0;padding:3px 10px;"
        "border-radius:12px;background:#ddf4ff;color:#0550ae;font-size:14px;line-height:1.4;",
        "button": "display:inline-block;padding:12px 22px;background:#1f6feb;color:#ffffff;"
        "font-size:16px;font-weight:600;text-decoration:none;border-radius:6px;",
        "link": "color:#1f6feb;text-decoration:underline;overflow-wrap:anywhere;",
        "hr": "border:0;border-top:1px solid #e1e4e8;margin:20px 0;",
        "footer": "padding:14px 20px;font-size:12px;line-height:1.5;color:#6e7781;"
        "text-align:center;",
        "item": "padding:14px 0;border-top:1px solid #e1e4e8;",
        "alarm": "margin:0 0 16px 0;padding:12px 14px;background:#fff8c5;"
        "border-left:4px solid #bf8700;border-radius:4px;font-size:16px;line-height:1.5;",
        "table": "width:100%;border-collapse:collapse;",
    }.items()
}


def _autoescape(name: str | None) -> bool:
    """HTML templates escape everything untrusted; plain-text templates must not."""
    return name is not None and name.endswith((".html.j2", ".html"))


def make_environment(extra_packages: Sequence[tuple[str, str]] = ()) -> Environment:
    """An environment over `alerts/templates` plus e.g. `[("alerts.report", "templates")]`."""
    loaders: list[BaseLoader] = [PackageLoader(pkg, path) for pkg, path in extra_packages]
    loaders.append(PackageLoader("alerts", "templates"))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=_autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["s"] = STYLES
    return env


def render(env: Environment, name: str, **context: Any) -> str:
    return env.get_template(name).render(**context)
