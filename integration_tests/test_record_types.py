"""Types that hold: every record the installed command emits validates against its discovered schema.

The emulator sends what Meta sends: budgets sometimes as JSON numbers though Meta's reference says
numeric strings, and action items with one string count per requested attribution window.
"""

from __future__ import annotations

from datetime import timedelta

from jsonschema import Draft7Validator

from integration_tests.conftest import Connector, last_30d
from integration_tests.emulator import Dataset

# Windows whose keys the schemas type as numbers, as they do 1d_click (7d_view and 28d_view are gone).
ATTRIBUTION_WINDOWS = ["1d_click", "1d_ev", "dda", "default"]
BUDGETS = ("daily_budget", "lifetime_budget", "budget_remaining")


class TestRecordTypes:
    def test_every_record_of_every_stream_validates_against_its_discovered_schema(
        self, connector: Connector, dataset: Dataset
    ) -> None:
        # Every object, and the first 7 of the 30 insights days: a type holds on a week of rows as on
        # a month (the hourly and demographic presets alone would send ~37,000 rows for 30 days).
        first_day, _ = last_30d(dataset)
        config = connector.config(
            insights_attribution_windows=ATTRIBUTION_WINDOWS, insights_window_days=30, requests_per_second=50,
            end_date=(first_day + timedelta(days=6)).isoformat(),
        )
        catalog = connector.catalog(config)
        schemas = {entry["stream"]["name"]: entry["stream"]["json_schema"] for entry in catalog["streams"]}

        result = connector.run("read", config, catalog)

        assert result.returncode == 0 and not result.errors, result.stderr[-3000:]
        for stream, schema in schemas.items():
            records = result.records(stream)
            assert records, stream
            validator = Draft7Validator(schema)
            problems = [f"{'.'.join(map(str, e.path))}: {e.message}" for r in records for e in validator.iter_errors(r)]
            assert not problems, f"{stream}: {problems[:5]}"
        budgets = [r[name] for stream in ("campaigns", "adsets") for r in result.records(stream) for name in BUDGETS if name in r]
        assert budgets and all(isinstance(value, str) for value in budgets)
        actions = [item for r in result.records("ad_insights") for item in r.get("actions") or []]
        assert actions
        for item in actions:
            assert all(isinstance(item[window], (int, float)) for window in ATTRIBUTION_WINDOWS), item
