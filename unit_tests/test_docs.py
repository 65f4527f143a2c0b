"""docs/facebook-ads.md tells the truth about the spec and the streams.

The configuration reference table must list exactly the spec's keys, with the spec's type,
default and required flag; the streams table must list exactly the connector's streams, with the
sync modes, primary key, cursor field and endpoint the connector really uses (read from
`discover` and the resolved manifest, not from a copy). When one of these tests fails after a
change to manifest.yaml, update the docs page in the same change.
"""

from __future__ import annotations

import json
import logging
import re
import tomllib
from pathlib import Path
from typing import Any, Mapping

import pytest
import yaml
from airbyte_cdk.models import SyncMode
from airbyte_cdk.sources.declarative.interpolation.jinja import JinjaInterpolation

from source_facebook_ads.source import SourceFacebookAds

ROOT = Path(__file__).resolve().parent.parent
DOCS = (ROOT / "docs" / "facebook-ads.md").read_text()
SPEC = yaml.safe_load((ROOT / "manifest.yaml").read_text())["spec"]
PROPERTIES: dict[str, dict[str, Any]] = SPEC["connection_specification"]["properties"]
REQUIRED = set(SPEC["connection_specification"].get("required", []))
METADATA = yaml.safe_load((ROOT / "metadata.yaml").read_text())["data"]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]

NO_VALUE = "—"
BASE_URL = "https://graph.facebook.com"
API_VERSION = "v25.0"


def section(heading: str) -> str:
    """The text under a markdown heading, up to the next heading of the same or a higher level."""
    match = re.search(rf"^(#+) {re.escape(heading)}\s*$", DOCS, re.MULTILINE)
    assert match, f"docs/facebook-ads.md has no heading '{heading}'"
    level = len(match.group(1))
    end = re.compile(rf"^#{{1,{level}}} ", re.MULTILINE).search(DOCS, match.end())
    return DOCS[match.end() : end.start() if end else len(DOCS)]


def table(heading: str) -> list[dict[str, str]]:
    """The first markdown table under `heading`, as one dict per row keyed by the header cells."""
    lines = [line.strip() for line in section(heading).splitlines()]
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip("|"))])
    header, separator, body = rows[0], rows[1], rows[2:]
    assert all(set(cell) <= set("-: ") for cell in separator), f"the table under '{heading}' has no separator row"
    return [dict(zip(header, row)) for row in body]


def code_names(cell: str) -> list[str]:
    """The `backticked` names of a cell, in order."""
    return re.findall(r"`([^`]+)`", cell)


def rendered_default(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


CONFIG_ROWS = {code_names(row["Key"])[0]: row for row in table("Configuration reference")}
STREAM_ROWS = {code_names(row["Stream"])[0]: row for row in table("Supported Streams")}


def _catalog() -> dict[str, Any]:
    source = SourceFacebookAds(config={"access_token": "docs-test-token"})
    catalog = source.discover(logging.getLogger("test"), source._config)
    return {stream.name: stream for stream in catalog.streams}


def _endpoints() -> dict[str, str]:
    """Each stream's path after the version, with `{id}` for the ad account, and its insights level."""
    config = {"base_url": BASE_URL, "api_version": API_VERSION}
    jinja = JinjaInterpolation()
    endpoints = {}
    # The insights streams exist once a config shapes the manifest (stream_shaping.py).
    for stream in SourceFacebookAds(config={"access_token": "docs-test-token"}).resolved_manifest["streams"]:
        requester = stream["retriever"]["requester"]
        requester = requester.get("requester", requester)  # the HttpRequester an ObjectIsolatingRequester wraps
        parameters = requester.get("$parameters", {})
        url = jinja.eval(requester["url"], config=config, stream_slice={"account_id": "{id}"}, parameters=parameters)
        path = str(url).removeprefix(f"{BASE_URL}/{API_VERSION}")
        level = requester.get("request_parameters", {}).get("level")
        if level:
            path += f"?level={jinja.eval(level, config=config, parameters=parameters)}"
        endpoints[stream["name"]] = path
    return endpoints


CATALOG = _catalog()
ENDPOINTS = _endpoints()


def stream_row(name: str) -> dict[str, str]:
    assert name in STREAM_ROWS, f"stream {name} is missing from the streams table of docs/facebook-ads.md"
    return STREAM_ROWS[name]


class TestConfigurationReference:
    def test_lists_exactly_the_spec_keys(self) -> None:
        assert set(CONFIG_ROWS) == set(PROPERTIES), (
            f"missing from the docs: {sorted(set(PROPERTIES) - set(CONFIG_ROWS))}; "
            f"not in the spec: {sorted(set(CONFIG_ROWS) - set(PROPERTIES))}"
        )

    def test_follows_the_form_order(self) -> None:
        assert list(CONFIG_ROWS) == sorted(PROPERTIES, key=lambda key: PROPERTIES[key]["order"])

    @pytest.mark.parametrize("key", sorted(PROPERTIES))
    def test_row_matches_the_spec(self, key: str) -> None:
        assert key in CONFIG_ROWS, f"{key} is missing from the configuration reference of docs/facebook-ads.md"
        row, prop = CONFIG_ROWS[key], PROPERTIES[key]
        assert row["Type"].split()[0] == prop["type"], f"{key}: type"
        assert row["Required"] == ("Yes" if key in REQUIRED else "No"), f"{key}: required"
        default = code_names(row["Default"])
        if "default" in prop:
            assert default == [rendered_default(prop["default"])], f"{key}: default"
        else:
            assert row["Default"] == NO_VALUE, f"{key}: the spec has no default"
        if prop.get("airbyte_hidden"):
            assert "hidden" in row["UI field"], f"{key} is hidden from the form: say so"
        else:
            assert row["UI field"] == prop["title"], f"{key}: the UI shows '{prop['title']}'"
        assert row["Description"], f"{key}: no description"


class TestStreams:
    def test_lists_exactly_the_manifest_streams(self) -> None:
        assert set(STREAM_ROWS) == set(CATALOG), (
            f"missing from the docs: {sorted(set(CATALOG) - set(STREAM_ROWS))}; "
            f"not in the manifest: {sorted(set(STREAM_ROWS) - set(CATALOG))}"
        )
        assert len(STREAM_ROWS) == len(table("Supported Streams")), "a stream is listed twice"

    @pytest.mark.parametrize("name", sorted(CATALOG))
    def test_sync_modes_match(self, name: str) -> None:
        incremental = SyncMode.incremental in CATALOG[name].supported_sync_modes
        assert ("Incremental" in stream_row(name)["Sync modes"]) == incremental

    @pytest.mark.parametrize("name", sorted(CATALOG))
    def test_primary_key_matches(self, name: str) -> None:
        primary_key = [".".join(path) for path in CATALOG[name].source_defined_primary_key or []]
        assert code_names(stream_row(name)["Primary key"]) == primary_key

    @pytest.mark.parametrize("name", sorted(CATALOG))
    def test_cursor_field_matches(self, name: str) -> None:
        cursor = CATALOG[name].default_cursor_field or []
        cell = stream_row(name)["Cursor field"]
        assert (code_names(cell) or [cell]) == (cursor or [NO_VALUE])

    @pytest.mark.parametrize("name", sorted(CATALOG))
    def test_endpoint_matches(self, name: str) -> None:
        assert code_names(stream_row(name)["Endpoint"]) == [ENDPOINTS[name]]


class TestPage:
    def test_title_is_the_registry_name(self) -> None:
        assert DOCS.splitlines()[0] == f"# {METADATA['name']}"

    def test_links_to_its_own_documentation_url(self) -> None:
        assert f"]({METADATA['documentationUrl']})" in DOCS

    def test_changelog_has_the_current_version(self) -> None:
        versions = [row["Version"] for row in table("Changelog")]
        assert versions and versions[0] == VERSION, "add a changelog row for the version in pyproject.toml"

    def test_every_secret_is_marked_as_such(self) -> None:
        secrets: Mapping[str, Any] = {key: prop for key, prop in PROPERTIES.items() if prop.get("airbyte_secret")}
        assert all("secret" in CONFIG_ROWS[key]["Type"] for key in secrets)


class TestReadmeCommands:
    def test_ci_runs_the_test_command_readme_gives_verbatim(self) -> None:
        readme = (ROOT / "README.md").read_text()
        test_step = readme.split("**Tests**", 1)[1]
        command = re.search(r"```bash\n\s*(.+?)\n\s*```", test_step, re.DOTALL).group(1).strip()
        ci_commands = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if "pytest" in line]
        assert ci_commands == [command]
        assert " -n 2 " in f"{command} ", "the suite runs on both of CI's cores"
