"""One object or one field Meta refuses does not fail a stream: the installed command against the emulator."""

from __future__ import annotations

from collections import Counter

import pytest

from integration_tests.conftest import Connector
from integration_tests.emulator import Dataset
from integration_tests.emulator.api import POST_FIELDS


def warnings_of(result) -> list[str]:
    return [m["log"]["message"] for m in result.of_type("LOG") if m["log"]["level"] == "WARN"]


class TestBrokenCreative:
    @pytest.fixture
    def dataset(self) -> Dataset:
        return Dataset.generate(seed=7, creatives_per_account=12)

    def test_creatives_whose_post_was_deleted_come_without_their_post_fields_and_every_other_comes_whole(
        self, connector: Connector, dataset: Dataset
    ) -> None:
        account = dataset.accounts[0]
        broken = [node.id for node in dataset.nodes(account, "adcreative")][4:6]  # both in the first page of 5
        dataset.deleted_post_creatives.update(broken)

        result = connector.read(connector.config(page_size=5, requests_per_second=20), ["adcreatives"])

        assert result.returncode == 0, result.stdout[-3000:]
        assert not result.errors
        records = {record["id"]: record for record in result.records("adcreatives")}
        assert Counter(result.record_ids("adcreatives")).most_common(1)[0][1] == 1
        assert set(records) == dataset.expected_ids("adcreatives")
        for creative_id, record in records.items():
            if creative_id in broken:
                assert not POST_FIELDS & set(record) and record["account_id"] and record["name"]
            else:
                assert {"effective_object_story_id", "object_story_spec"} <= set(record), creative_id
        named = [w for w in warnings_of(result) if "Ad Creative Is Incomplete" in w]
        assert sorted(next(b for b in broken if b in w) for w in named) == sorted(broken)
        assert all(sorted(POST_FIELDS)[0] in w for w in named)


class TestRefusedField:
    def test_a_field_refused_on_one_account_is_left_out_there_with_one_warning(
        self, connector: Connector, dataset: Dataset
    ) -> None:
        other, refusing = dataset.accounts  # the second: /me/adaccounts lists it after one that reads
        dataset.refused_fields[refusing] = {"funding_source"}

        result = connector.read(connector.config(requests_per_second=20), ["ad_account", "adaccounts"])

        assert result.returncode == 0, result.stdout[-3000:]
        assert not result.errors
        accounts = {record["id"]: record for record in result.records("ad_account")}
        assert set(accounts) == {refusing, other}
        assert "funding_source" not in accounts[refusing] and "funding_source" in accounts[other]
        assert accounts[refusing]["name"] and accounts[refusing]["currency"]
        listed = result.records("adaccounts")
        assert {record["id"] for record in listed} == {refusing, other}
        assert all("funding_source" not in record for record in listed)
        refused = [w for w in warnings_of(result) if "funding_source" in w]
        assert len(refused) == 2 and any(f"act_{refusing.removeprefix('act_')}" in w for w in refused)

    def test_an_account_the_token_cannot_read_at_all_still_fails_with_its_config_error(
        self, connector: Connector, dataset: Dataset
    ) -> None:
        account = dataset.accounts[0]
        dataset.no_permission_accounts.add(account)

        result = connector.read(connector.config(account_ids=[account]), ["ad_account"])

        assert result.returncode != 0
        assert {e["failure_type"] for e in result.errors} == {"config_error"}
        assert any(account in e["message"] for e in result.errors)
