"""Per-account cursors are copies of one cursor built from the manifest (components/account_cursor_copies.py)."""

from __future__ import annotations

from airbyte_cdk.sources.declarative.parsers.model_to_component_factory import ModelToComponentFactory

from source_facebook_ads.source import SourceFacebookAds
from unit_tests.builders import ConfigBuilder, per_account_state

ACCOUNTS = ("111", "222", "333", "444")


def sliced_cursors(monkeypatch, stream_name: str, state=None):
    """The stream's per-account cursors after slicing every account, and how many the CDK built from the manifest."""
    built = []
    cdk_build = ModelToComponentFactory.create_concurrent_cursor_from_datetime_based_cursor

    def counted(factory, *args, **kwargs):
        built.append(kwargs.get("stream_name"))
        return cdk_build(factory, *args, **kwargs)

    monkeypatch.setattr(ModelToComponentFactory, "create_concurrent_cursor_from_datetime_based_cursor", counted)
    config = ConfigBuilder().with_account_ids(*ACCOUNTS).with_start_date("2026-01-01").with_values(end_date="2026-01-20").build()
    source = SourceFacebookAds(config=config, state=state)
    cursor = next(stream.cursor for stream in source.streams(source.normalized_config) if stream.name == stream_name)
    built.clear()  # what building the streams took; slicing is what grows with accounts
    slices = list(cursor.stream_slices())
    return cursor, slices, built.count(stream_name)


def test_slicing_many_accounts_builds_one_cursor_from_the_manifest(monkeypatch) -> None:
    cursor, slices, built = sliced_cursors(monkeypatch, "ad_insights")

    assert len(cursor._cursor_per_partition) == len(ACCOUNTS)
    assert built == 1  # the CDK built one per account before
    # Each account's windows: 20 days in 7-day windows.
    windows = [(s.partition["account_id"], s.cursor_slice["start_time"], s.cursor_slice["end_time"]) for s in slices]
    assert windows == [
        (account, start, end)
        for account in ACCOUNTS
        for start, end in (("2026-01-01", "2026-01-07"), ("2026-01-08", "2026-01-14"), ("2026-01-15", "2026-01-20"))
    ]


def test_each_copied_cursor_keeps_its_own_accounts_state(monkeypatch) -> None:
    state = per_account_state("campaigns", "updated_time", {"222": "2026-01-10T00:00:00+0000"})

    cursor, slices, built = sliced_cursors(monkeypatch, "campaigns", state)

    starts = {s.partition["account_id"]: s.cursor_slice["start_time"] for s in slices}
    assert starts == {
        "111": "2026-01-01T00:00:00+0000",
        "222": "2026-01-09T23:59:59+0000",  # its saved cursor less the lookback of 1 s
        "333": "2026-01-01T00:00:00+0000",
        "444": "2026-01-01T00:00:00+0000",
    }
    assert built == 1
    per_account = cursor._cursor_per_partition
    assert len({id(account_cursor) for account_cursor in per_account.values()}) == len(ACCOUNTS)
