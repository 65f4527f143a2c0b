"""The config file given with `--config`: one JSON object, or a config_error saying what the file holds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException


def config_error(message: str) -> AirbyteTracedException:
    return AirbyteTracedException(message=message, internal_message=message, failure_type=FailureType.config_error)


def read_config_file(path: str) -> dict[str, Any]:
    """The config file's JSON object; anything else is a config_error saying what the file holds.

    The messages never quote the file: it holds the token.
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")  # a BOM, as some Windows editors write, is fine
    except FileNotFoundError:
        raise config_error(f"The config file '{path}' does not exist: pass the path of a JSON config with --config.") from None
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else "it is not UTF-8 text"
        raise config_error(f"The config file '{path}' cannot be read ({reason}): pass a readable JSON file with --config.") from None
    try:
        config = json.loads(text, object_pairs_hook=_refuse_repeated_keys)
    except json.JSONDecodeError as error:
        # Position only: the decoder's message is safe, but the document is not.
        raise config_error(
            f"The config file '{path}' is not valid JSON (line {error.lineno}, column {error.colno}): fix the file and run again."
        ) from None
    except RecursionError:
        raise config_error(f"The config file '{path}' is nested too deeply to be a config: fix the file and run again.") from None
    except _RepeatedKey as repeated:
        raise config_error(
            f"The config file '{path}' sets '{repeated.key}' twice in one object, and only one can count: keep one."
        ) from None
    if not isinstance(config, dict):
        kind = _JSON_KINDS.get(type(config), "JSON value")
        raise config_error(
            f"The config file '{path}' holds a {kind}, not an object: the config is one JSON object such as "
            '{"access_token": "...", "account_ids": ["act_1234567890"]}.'
        )
    return config


_JSON_KINDS = {list: "JSON list", str: "JSON string", int: "JSON number", float: "JSON number", bool: "JSON boolean", type(None): "JSON null"}


class _RepeatedKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _refuse_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """json keeps the last of two equal keys silently; a config with `account_ids` twice is ambiguous."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _RepeatedKey(key)
        result[key] = value
    return result
