"""metadata.yaml, Dockerfile and pyproject.toml agree with each other and with Airbyte's registry schema.

The required fields and allowed values below come from Airbyte's metadata schema,
`ConnectorMetadataDefinitionV0` (airbyte-ci/connectors/metadata_service/lib/metadata_service/
models/src/ in the airbytehq/airbyte repository). The registry rejects a metadata.yaml that
misses one of them or has a key the schema does not know (`additionalProperties: false`).
"""

from __future__ import annotations

import ast
import importlib
import json
import re
import shlex
import sys
import tomllib
import uuid
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import yaml

from source_facebook_ads.source import SourceFacebookAds

ROOT = Path(__file__).resolve().parent.parent
METADATA = yaml.safe_load((ROOT / "metadata.yaml").read_text())
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
SPEC = yaml.safe_load((ROOT / "manifest.yaml").read_text())["spec"]
DATA = METADATA["data"]

# ConnectorMetadataDefinitionV0: `required` of the root object and of `data`.
REQUIRED_TOP_LEVEL_FIELDS = ["metadataSpecVersion", "data"]
REQUIRED_DATA_FIELDS = [
    "name",
    "definitionId",
    "connectorType",
    "dockerRepository",
    "dockerImageTag",
    "license",
    "documentationUrl",
    "githubIssueLabel",
    "connectorSubtype",
    "releaseStage",
]
# Every key the schema allows under `data`; anything else is a typo the registry would reject.
KNOWN_DATA_FIELDS = {
    *REQUIRED_DATA_FIELDS,
    "icon",
    "connectorBuildOptions",
    "connectorTestSuitesOptions",
    "supportsDbt",
    "supportsNormalization",
    "maxSecondsBetweenMessages",
    "releaseDate",
    "protocolVersion",
    "erdUrl",
    "supportLevel",
    "tags",
    "registryOverrides",
    "allowedHosts",
    "releases",
    "normalizationConfig",
    "suggestedStreams",
    "resourceRequirements",
    "ab_internal",
    "remoteRegistries",
    "supportsRefreshes",
    "generated",
    "supportsFileTransfer",
    "supportsDataActivation",
    "connectorIPCOptions",
}
CONNECTOR_TYPES = {"source", "destination"}
CONNECTOR_SUBTYPES = {"api", "database", "datalake", "file", "custom", "message_queue", "unknown", "vectorstore"}
RELEASE_STAGES = {"alpha", "beta", "generally_available", "custom"}
SUPPORT_LEVELS = {"community", "certified", "archived"}
AB_INTERNAL_SL = {0, 100, 200, 300}
AB_INTERNAL_QL = {0, 100, 200, 300, 400, 500, 600}
TEST_SUITES = {"unitTests", "integrationTests", "acceptanceTests", "liveTests", "smokeTests"}
# Airbyte's connector QA accepts only these licenses.
LICENSES = {"MIT", "ELv2"}

BASE_IMAGE_PATTERN = re.compile(r"^docker\.io/airbyte/python-connector-base:\d+\.\d+\.\d+@sha256:[0-9a-f]{64}$")
SEMVER = re.compile(r"^\d+\.\d+\.\d+$")


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, with comments dropped and continuations joined."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw_line in (ROOT / "Dockerfile").read_text().splitlines():
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def dockerfile_values(keyword: str) -> list[str]:
    return [arguments for instruction, arguments in dockerfile_instructions() if instruction == keyword]


def dockerfile_key_values(keyword: str) -> dict[str, str]:
    """ENV / LABEL pairs, in both `KEY=value` and the legacy `KEY value` form."""
    pairs: dict[str, str] = {}
    for arguments in dockerfile_values(keyword):
        if "=" in arguments.split(" ", 1)[0]:
            for token in shlex.split(arguments):
                key, _, value = token.partition("=")
                pairs[key] = value
        else:
            key, _, value = arguments.partition(" ")
            pairs[key] = shlex.split(value)[0] if value else ""
    return pairs


def console_script() -> tuple[str, str]:
    scripts = PYPROJECT["project"]["scripts"]
    assert len(scripts) == 1, f"pyproject.toml should declare one console script, found {sorted(scripts)}"
    return next(iter(scripts.items()))


class TestMetadataSchema:
    def test_has_every_field_the_registry_requires(self) -> None:
        missing_top = [field for field in REQUIRED_TOP_LEVEL_FIELDS if field not in METADATA]
        missing_data = [field for field in REQUIRED_DATA_FIELDS if DATA.get(field) in (None, "")]
        assert not missing_top and not missing_data, f"metadata.yaml misses {missing_top + missing_data}"

    def test_suggested_streams_are_the_objects_and_their_insights_not_the_presets(self) -> None:
        source = SourceFacebookAds(config={"access_token": "packaging-test-token"})
        streams = {stream.name for stream in source.streams(source._config)}
        suggested = DATA["suggestedStreams"]["streams"]
        assert set(suggested) <= streams
        assert set(suggested) == {"campaigns", "adsets", "ads", "campaign_insights", "adset_insights", "ad_insights"}
        assert not any(name.startswith("ad_insights_") for name in suggested)

    def test_has_no_field_the_schema_does_not_know(self) -> None:
        assert set(METADATA) == set(REQUIRED_TOP_LEVEL_FIELDS)
        assert not set(DATA) - KNOWN_DATA_FIELDS, f"unknown keys under data: {sorted(set(DATA) - KNOWN_DATA_FIELDS)}"

    def test_metadata_spec_version_is_the_string_one_point_zero(self) -> None:
        # Unquoted, YAML would read 1.0 as a float and the schema wants a string.
        assert METADATA["metadataSpecVersion"] == "1.0"

    def test_enumerated_fields_hold_allowed_values(self) -> None:
        assert DATA["connectorType"] in CONNECTOR_TYPES
        assert DATA["connectorSubtype"] in CONNECTOR_SUBTYPES
        assert DATA["releaseStage"] in RELEASE_STAGES
        assert DATA["supportLevel"] in SUPPORT_LEVELS
        assert DATA["license"] in LICENSES
        assert DATA["ab_internal"]["sl"] in AB_INTERNAL_SL
        assert DATA["ab_internal"]["ql"] in AB_INTERNAL_QL
        assert {suite["suite"] for suite in DATA.get("connectorTestSuitesOptions", [])} <= TEST_SUITES

    def test_describes_this_connector(self) -> None:
        assert DATA["name"] == "Facebook Ads"
        assert DATA["connectorType"] == "source"
        assert DATA["connectorSubtype"] == "api"
        assert DATA["releaseStage"] == "alpha"
        assert DATA["supportLevel"] == "community"
        assert DATA["dockerRepository"] == f"airbyte/{PYPROJECT['project']['name']}"
        assert DATA["githubIssueLabel"] == DATA["dockerRepository"].split("/", 1)[1]

    def test_definition_id_is_a_uuid4(self) -> None:
        definition_id = uuid.UUID(DATA["definitionId"])
        assert str(definition_id) == DATA["definitionId"], "write the UUID in its canonical lower-case form"
        assert definition_id.version == 4

    def test_tags_name_the_language_and_the_cdk(self) -> None:
        assert "language:python" in DATA["tags"]
        assert "cdk:low-code" in DATA["tags"]

    def test_is_published_to_both_registries_and_pypi(self) -> None:
        assert DATA["registryOverrides"] == {"cloud": {"enabled": True}, "oss": {"enabled": True}}
        pypi = DATA["remoteRegistries"]["pypi"]
        assert pypi["enabled"] is True
        assert pypi["packageName"] == f"airbyte-{PYPROJECT['project']['name']}"

    def test_documentation_url_is_the_specs(self) -> None:
        assert DATA["documentationUrl"] == SPEC["documentation_url"]
        assert urlsplit(DATA["documentationUrl"]).scheme == "https"

    def test_base_image_is_a_pinned_python_connector_base(self) -> None:
        assert BASE_IMAGE_PATTERN.match(DATA["connectorBuildOptions"]["baseImage"])

    def test_silence_allowed_covers_the_longest_throttle_pause(self) -> None:
        longest_pause_seconds = SPEC["connection_specification"]["properties"]["max_throttle_wait_minutes"]["maximum"] * 60
        assert DATA["maxSecondsBetweenMessages"] >= longest_pause_seconds


class TestVersionAndLicense:
    def test_image_tag_is_the_pyproject_version(self) -> None:
        assert DATA["dockerImageTag"] == PYPROJECT["project"]["version"]
        assert SEMVER.match(DATA["dockerImageTag"])

    def test_license_is_the_pyproject_license(self) -> None:
        assert DATA["license"] == PYPROJECT["project"]["license"]


class TestAllowedHosts:
    def test_covers_the_default_base_url_host(self) -> None:
        default_base_url = SPEC["connection_specification"]["properties"]["base_url"]["default"]
        host = urlsplit(default_base_url).hostname
        hosts = DATA["allowedHosts"]["hosts"]
        allowed = any(host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:])) for pattern in hosts)
        assert allowed, f"allowedHosts {hosts} does not let the connector reach {host}"

    def test_lists_only_meta_hosts(self) -> None:
        assert all(host.endswith("facebook.com") for host in DATA["allowedHosts"]["hosts"])


class TestDockerfile:
    def test_builds_from_the_metadata_base_image(self) -> None:
        assert dockerfile_values("FROM") == [DATA["connectorBuildOptions"]["baseImage"]]

    def test_entrypoint_is_the_console_script(self) -> None:
        script, _ = console_script()
        assert [json.loads(value) for value in dockerfile_values("ENTRYPOINT")] == [[script]]
        assert dockerfile_key_values("ENV")["AIRBYTE_ENTRYPOINT"] == script

    def test_installs_the_project_without_a_pip_cache(self) -> None:
        assert "pip install --no-cache-dir ." in dockerfile_values("RUN")

    def test_copies_everything_the_wheel_is_built_from(self) -> None:
        copied = set()
        for arguments in dockerfile_values("COPY"):
            sources = shlex.split(arguments)[:-1]
            copied.update(source.rstrip("/") for source in sources if not source.startswith("--"))
        hatch_wheel = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]
        needed = {"pyproject.toml", PYPROJECT["project"]["readme"], *hatch_wheel["packages"], *hatch_wheel["force-include"]}
        assert needed <= copied, f"the Dockerfile does not copy {sorted(needed - copied)}"

    def test_labels_match_the_metadata(self) -> None:
        labels = dockerfile_key_values("LABEL")
        assert labels["io.airbyte.name"] == DATA["dockerRepository"]
        assert labels["io.airbyte.version"] == DATA["dockerImageTag"]


class TestConsoleScript:
    def test_target_is_a_function_of_the_package(self) -> None:
        _, target = console_script()
        module_name, _, function_name = target.partition(":")
        assert module_name.startswith(f"{PYPROJECT['tool']['hatch']['build']['targets']['wheel']['packages'][0]}.")
        function = getattr(importlib.import_module(module_name), function_name, None)
        assert callable(function), f"{target} is not a callable"



class TestDeclaredDependencies:
    def test_every_third_party_module_the_package_imports_is_declared(self) -> None:
        declared = {re.split(r"[<>=!\[; ]", requirement, maxsplit=1)[0].lower().replace("-", "_")
                    for requirement in PYPROJECT["project"]["dependencies"]}
        distribution_of = {"yaml": "pyyaml"}  # import names that differ from the distribution's
        imported: set[str] = set()
        for source in (ROOT / "source_facebook_ads").rglob("*.py"):
            for node in ast.walk(ast.parse(source.read_text())):
                if isinstance(node, ast.Import):
                    imported.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    imported.add(node.module.split(".")[0])
        third_party = {name for name in imported if name not in sys.stdlib_module_names and name not in ("source_facebook_ads", "__future__")}
        missing = sorted(name for name in third_party if distribution_of.get(name, name).lower() not in declared)
        assert not missing, f"imported but not declared in pyproject.toml: {missing}"


class TestIcon:
    def test_the_connector_ships_an_svg_icon_of_its_own(self) -> None:
        icon = ElementTree.parse(ROOT / "icon.svg").getroot()
        assert icon.tag == "{http://www.w3.org/2000/svg}svg"
        assert icon.get("viewBox"), "the registry scales icons: give the SVG a viewBox"
