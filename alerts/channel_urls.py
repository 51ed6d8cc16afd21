"""A channel in config.yaml: an Apprise URL whose secrets are `${VARIABLE}`s from the environment.

The URL as written (the template) is what Leumund keeps and names: the outbox knows a channel
by a short hash of the template (`channel:3f9a…`), logs name it by a label without anything
secret (`tgram://…`, `json://127.0.0.1:8080`). Only the sender expands the template, with
values read from the environment at load time; the expanded URL is never stored or logged.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import warnings
from collections.abc import Callable
from functools import cache
from typing import Annotated

from apprise.manager_plugins import NotificationManager
from pydantic import AfterValidator

from storage.outbox import CHANNEL_PREFIX

_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SHAPE = re.compile(r"^([a-z][a-z0-9+.-]*)://\S+$")
_RECIPIENT = re.compile(r"^channel:([0-9a-f]{12})$")
RECIPIENT_PREFIX = CHANNEL_PREFIX  # the outbox selects channel rows by it


@cache
def apprise_schemes() -> frozenset[str]:
    """Every scheme Apprise knows; loads its plugins, once per process.

    One plugin imports `imghdr`, which Python 3.11 and 3.12 flag as deprecated: that
    warning is Apprise's business, not the operator's.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "'imghdr' is deprecated", DeprecationWarning)
        schemes: list[str] = NotificationManager().schemas()  # type: ignore[no-untyped-call]
    return frozenset(s.lower() for s in schemes)


def _check_channel_url(value: str) -> str:
    value = value.strip()
    match = _SHAPE.match(value)
    if not match:
        raise ValueError(
            "expected an Apprise URL like 'tgram://${TELEGRAM_TOKEN}/CHAT_ID' or"
            " 'json://host:8080/hook'"
        )
    if match.group(1) not in apprise_schemes():
        raise ValueError(
            f"Apprise does not know the scheme {match.group(1)!r};"
            " see https://github.com/caronc/apprise/wiki for the URL of each service"
        )
    if "$" in _VARIABLE.sub("", value):
        raise ValueError("write a secret as ${VARIABLE} (letters, digits and _ in braces)")
    return value


ChannelUrl = Annotated[str, AfterValidator(_check_channel_url)]


def variables(template: str) -> list[str]:
    """The environment variables a template reads, in order and once each."""
    return list(dict.fromkeys(_VARIABLE.findall(template)))


def expand(template: str, value: Callable[[str], str]) -> str:
    """The URL to send to: every `${VARIABLE}` replaced by `value(VARIABLE)`."""
    return _VARIABLE.sub(lambda m: value(m.group(1)), template)


def channel_id(template: str) -> str:
    """A stable, secret-free name: the first 12 hex digits of the template's SHA-256."""
    return hashlib.sha256(template.strip().encode("utf-8")).hexdigest()[:12]


def channel_recipient(template: str) -> str:
    """The outbox recipient of a channel: `channel:3f9a…` (never an email address)."""
    return RECIPIENT_PREFIX + channel_id(template)


def channel_of(recipient: str) -> str | None:
    """The channel id of an outbox recipient; None for an email address."""
    match = _RECIPIENT.match(recipient)
    return match.group(1) if match else None


def channel_label(template: str) -> str:
    """Scheme and host, and the host only where it is one (`json://127.0.0.1:8080`);
    tokens that Apprise URLs keep in the host place (`tgram://…`) are never shown."""
    scheme, _, rest = template.partition("://")
    netloc = re.split(r"[/?#]", rest, maxsplit=1)[0]
    netloc = netloc.rpartition("@")[2]  # never a user or password
    host, _, port = netloc.partition(":") if not netloc.startswith("[") else (netloc, "", "")
    if _is_host(host) and (not port or port.isdigit()):
        return f"{scheme}://{netloc}"
    return f"{scheme}://…"


def _is_host(host: str) -> bool:
    if "$" in host or not host:
        return False
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        pass
    return host == "localhost" or bool(re.fullmatch(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+", host))
