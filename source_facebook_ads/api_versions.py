"""Marketing API versions and the day Meta retires each, for `check` to warn before it happens.

From Meta's version table (developers.facebook.com/documentation/ads-commerce/marketing-api/
marketing-api-changelog/versions), as of v27.0's release; a version Meta has not dated yet
(v26.0, v27.0) is absent. After its expiry Meta answers a version with code 2635 or serves the
call with a newer one (its auto-upgrade, which the read warns about once per sync).
"""

from __future__ import annotations

from datetime import date
from typing import Optional

EXPIRY_DATES = {
    "v22.0": date(2026, 2, 19),
    "v23.0": date(2026, 6, 9),
    "v24.0": date(2026, 11, 10),
    "v25.0": date(2027, 2, 23),
}
NEWEST_KNOWN_VERSION = "v27.0"
WARN_DAYS_BEFORE_EXPIRY = 60


def expiry_warning(api_version: str, today: date) -> Optional[str]:
    """A sentence when `api_version` expires within WARN_DAYS_BEFORE_EXPIRY days (or has expired)."""
    expires = EXPIRY_DATES.get(api_version)
    if expires is None:
        return None
    days_left = (expires - today).days
    if days_left > WARN_DAYS_BEFORE_EXPIRY:
        return None
    when = f"expired on {expires.isoformat()}" if days_left < 0 else f"expires on {expires.isoformat()} (in {days_left} days)"
    return (
        f"Meta's Marketing API {api_version} {when}: set api_version to a newer version "
        f"({NEWEST_KNOWN_VERSION} is out) before Meta stops answering it."
    )
