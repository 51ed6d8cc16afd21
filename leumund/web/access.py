"""Who sees what: the people are already in config.yaml.

Owners and alert/report recipients of a business see that business; operators see all of
them and the operator pages. Anyone else is nobody (and is never told so).
"""

from __future__ import annotations

from dataclasses import dataclass

from leumund.config import BusinessConfig, Config


@dataclass(frozen=True, slots=True)
class Viewer:
    email: str
    operator: bool
    businesses: tuple[str, ...]

    def may_see(self, business: str) -> bool:
        return business in self.businesses


def _people(business: BusinessConfig) -> set[str]:
    emails = [*business.owner_emails, *business.alert_recipients(), *business.report_recipients()]
    return {e.lower() for e in emails}


def viewer_for(config: Config, email: str) -> Viewer | None:
    """The viewer an address signs in as, or None for an address the config does not name."""
    address = email.strip().lower()
    operator = address in {e.lower() for e in config.service.operator_emails}
    names = tuple(b.name for b in config.businesses if operator or address in _people(b))
    if not operator and not names:
        return None
    return Viewer(email=address, operator=operator, businesses=names)
