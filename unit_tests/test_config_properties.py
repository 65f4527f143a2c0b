"""Any config: accepted, or exactly one config_error naming a key; never a crash, a chained traceback or the token.

The first property runs many configs through normalisation (what the source constructor does first);
the second builds the whole source from fewer, since an accepted config costs a manifest build (~0.7 s).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft7Validator
from urllib3.util import parse_url

from source_facebook_ads.config import normalize_config
from source_facebook_ads.source import SourceFacebookAds
from unit_tests.config_strategies import SPEC_KEYS, configs, token_pieces


SPEC_VALIDATOR = Draft7Validator(SourceFacebookAds.spec_schema())


def assert_one_clear_config_error(refused: AirbyteTracedException, config: dict[str, Any]) -> None:
    assert refused.failure_type == FailureType.config_error
    assert refused.__cause__ is None and (refused.__context__ is None or refused.__suppress_context__)
    named = [key for key in [*SPEC_KEYS, *config] if key in refused.message]
    assert named, refused.message
    for text in (refused.message, refused.internal_message or ""):
        assert not any(piece in text for piece in token_pieces()), text


def assert_safe_to_sync(config: dict[str, Any]) -> None:
    """What an accepted config promises: a header-safe token, Meta or loopback only, ids and days that hold."""
    assert all("!" <= character <= "~" for character in config["access_token"])
    assert parse_url(config["base_url"]).host in ("graph.facebook.com", "127.0.0.1", "localhost", "[::1]")
    assert all(re.fullmatch("[0-9]+", account_id) for account_id in config["account_ids"])
    assert config["insights_since"] <= config["insights_until"] <= datetime.now(timezone.utc).date().isoformat()


@settings(max_examples=200, deadline=None)
@given(config=configs())
def test_normalising_any_config_accepts_it_or_raises_one_config_error_naming_a_key(config: dict[str, Any]) -> None:
    try:
        normalized, warnings = normalize_config(config)
    except AirbyteTracedException as refused:
        assert_one_clear_config_error(refused, config)
        return
    assert_safe_to_sync(normalized)
    # The CDK checks the raw config against the spec too: what the model accepts, the spec must accept.
    assert not list(SPEC_VALIDATOR.iter_errors(config))
    assert normalize_config(normalized)[0] == normalized  # normalising is idempotent
    for warning in warnings:
        assert not any(piece in warning for piece in token_pieces()), warning


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(config=configs())
def test_building_the_source_from_any_config_succeeds_or_raises_one_config_error(config: dict[str, Any]) -> None:
    try:
        source = SourceFacebookAds(config=config)
    except AirbyteTracedException as refused:
        assert_one_clear_config_error(refused, config)
        return
    assert source.streams(source._config)
