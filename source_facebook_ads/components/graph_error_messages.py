"""The sentences a person reads for each meaning of a Graph API error: what happened and what to do.

The classifier (graph_error_classifier.py) picks one by Meta's code; each names the request by its
ad account, else its path.
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Optional

from source_facebook_ads.components.graph_urls import ad_account_id, request_target
from source_facebook_ads.redaction import scrub

# A Page permission named in Meta's message (code 190 without a subcode on a Page-backed read).
PAGE_PERMISSION = re.compile(r"\bpages_[a-z_]+")
VERSION_IN_PATH = re.compile(r"^/?(v\d+\.\d+)(?=/|$)")


def refused_message(error: Mapping[str, Any], url_path: str) -> str:
    title = str(error.get("error_user_title") or "").strip().rstrip(".")
    user_message = str(error.get("error_user_msg") or error.get("message") or "no message").strip()
    meta_words = (f"{title}: {user_message}" if title else user_message).rstrip(".") + "."
    return scrub(
        f"Meta refused the request for {request_target(url_path)} and says retrying will not help: {meta_words} "
        f"Fix this in Meta Business Settings for the assets the token's user reads (or ask the admin of "
        f"that asset), then run the sync again."
    )


def page_permission_message(meta_message: str) -> str:
    permissions = ", ".join(sorted(set(PAGE_PERMISSION.findall(meta_message))))
    return (
        f"Meta needs a Facebook Page permission ({permissions}) to read this, and the access token lacks it: "
        f"generate the System User token again with {permissions} ticked, and assign the Page to the System "
        f"User in Meta Business Settings > Accounts > Pages. The token itself is valid."
    )


START_DATE_TOO_OLD_MESSAGE = (
    "Meta keeps insights for 37 months and refuses a report that starts earlier (code 3018): set start_date "
    "(and the start_date of each custom_insights entry) within the last 37 months."
)


def two_factor_message(url_path: str) -> str:
    return (
        f"Meta requires two-factor authentication to read {request_target(url_path)}, a protected business asset "
        f"(code 415): turn on two-factor authentication for the person who generated the access token (or "
        f"for the business in Meta Business Settings > Security Center), then generate the token again."
    )


INVALID_TOKEN_MESSAGE = (
    "Meta rejected the access token (invalid, expired or revoked): generate a new System User token in "
    "Meta Business Settings > Users > System Users > Generate New Token, with the ads_read and "
    "read_insights permissions, and paste it into access_token."
)


def missing_permission_message(url_path: str) -> str:
    account = ad_account_id(url_path)
    if account:
        return (
            f"The access token may not read ad account act_{account}: in Meta Business Settings, assign "
            f'the ad account to the System User with the "Manage campaigns" task, and make sure the token '
            f"has the ads_read and read_insights permissions."
        )
    return (
        f"The access token lacks a permission for {request_target(url_path)}: make sure the System User's token has "
        f"the ads_read, read_insights and business_management permissions and that the System User is "
        f'assigned the assets it reads with the "Manage campaigns" task.'
    )


def unknown_object_message(url_path: str) -> str:
    account = ad_account_id(url_path)
    if account:
        return (
            f"Ad account act_{account} does not exist or the access token cannot see it: check the id in "
            f"account_ids and that the ad account is assigned to the System User."
        )
    return f"{request_target(url_path)} does not exist or the access token cannot see it."


def retired_version_message(url_path: str) -> str:
    match = VERSION_IN_PATH.search(url_path)
    version = match.group(1) if match else "in use"
    return (
        f"Meta has retired Marketing API version {version}: set api_version in the connector configuration "
        f"to a version Meta still supports."
    )


def answer_details(
    status: Optional[int], error: Optional[Mapping[str, Any]], url_path: str, note: Optional[str] = None
) -> str:
    parts = [f"HTTP {status}" if status is not None else None]
    if error is not None:
        parts += [
            f"code {error.get('code')}",
            f"subcode {error.get('error_subcode')}" if error.get("error_subcode") is not None else None,
            f"type {error.get('type')}" if error.get("type") else None,
            f"fbtrace_id {error.get('fbtrace_id')}" if error.get("fbtrace_id") else None,
        ]
    parts.append(f"path {url_path}" if url_path else None)
    if error is not None and error.get("message"):
        parts.append(f"Meta: {error.get('message')}")
    if error is not None and error.get("error_user_msg"):
        parts.append(f"Meta to the user: {error.get('error_user_msg')}")
    parts.append(note)
    return scrub(join(*parts))


def join(*parts: Optional[str]) -> str:
    return "; ".join(part for part in parts if part)
