"""Meta's error answers and unusable bodies, end to end: the installed command against the emulator.

"Reduce the amount of data" on the account list and on single objects, code 1 that Meta marks not
transient, a 200 whose body is not a page, and Meta's version auto-upgrade header.
"""

from __future__ import annotations

from collections import Counter

from integration_tests.conftest import Connector
from integration_tests.emulator import Dataset, Fault


def config(connector: Connector, **overrides: object) -> dict:
    return connector.config(**{"page_size": 50, "include_deleted": True, "requests_per_second": 20, **overrides})


def warnings(result) -> list[str]:
    return [m["log"]["message"] for m in result.of_type("LOG") if m["log"]["level"] == "WARN"]


class TestReduceTheAmountOfData:
    def test_on_the_account_list_the_page_is_halved_and_every_account_is_synced(self, connector: Connector, dataset: Dataset) -> None:
        fault = connector.emulator.inject(Fault("reduce_data_code_1", path_pattern=r"/me/adaccounts$", times=1))

        result = connector.read(config(connector), ["campaigns"])

        assert fault.fired == 1
        assert result.returncode == 0 and not result.errors, result.stdout[-2000:]
        assert set(result.record_ids("campaigns")) == dataset.expected_ids("campaigns", include_deleted=True)
        limits = [r.query.get("limit") for r in connector.emulator.requests if r.path.endswith("/me/adaccounts")]
        assert limits[:2] == ["50", "25"]

    def test_on_the_ad_account_object_it_is_retried_and_read(self, connector: Connector, dataset: Dataset) -> None:
        fault = connector.emulator.inject(Fault("reduce_data_code_1", path_pattern=r"/act_\d+$", times=1))

        result = connector.read(config(connector, account_ids=dataset.accounts), ["ad_account"])

        assert fault.fired == 1
        assert result.returncode == 0 and not result.errors, result.stdout[-2000:]
        assert sorted(result.record_ids("ad_account")) == sorted(dataset.accounts)


class TestMetaSaysRetryingCannotHelp:
    def test_code_1_not_transient_fails_once_per_account_with_meta_words(self, connector: Connector, dataset: Dataset) -> None:
        connector.emulator.inject(Fault("not_transient_code_1", path_pattern=r"/advideos$", times=None))
        catalog = connector.catalog(config(connector), ["advideos"])
        connector.emulator.reset_log()

        result = connector.run("read", config(connector, account_ids=dataset.accounts), catalog)

        assert result.returncode != 0
        assert {e["failure_type"] for e in result.errors} == {"config_error"}
        assert any("Profile is not linked to delegate page" in e["message"] for e in result.errors)
        attempts = Counter(r.path for r in connector.emulator.requests if r.path.endswith("/advideos"))
        assert attempts and max(attempts.values()) == 1


class TestUnusableBodiesAndVersionWarning:
    def test_a_200_whose_data_is_not_a_list_is_read_again_and_an_upgraded_version_is_one_warning(
        self, connector: Connector, dataset: Dataset
    ) -> None:
        malformed = connector.emulator.inject(Fault("malformed_200", path_pattern=r"/campaigns$", after=1, times=2))
        connector.emulator.inject(Fault("version_upgrade_warning", times=None))

        result = connector.read(config(connector), ["campaigns", "adsets"])

        assert malformed.fired == 2
        assert result.returncode == 0 and not result.errors, result.stdout[-2000:]
        assert set(result.record_ids("campaigns")) == dataset.expected_ids("campaigns", include_deleted=True)
        assert set(result.record_ids("adsets")) == dataset.expected_ids("adsets", include_deleted=True)
        upgraded = [message for message in warnings(result) if "newer Marketing API version" in message]
        assert len(upgraded) == 1 and "api_version" in upgraded[0]
