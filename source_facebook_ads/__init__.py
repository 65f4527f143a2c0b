"""source-facebook-ads: an Airbyte source for Meta's Marketing API."""

from typing import Any

from source_facebook_ads.interpreter_guards import (
    find_class_sources_with_one_parse_per_file,
    serialize_ast_parse_where_it_races,
)

# Before any worker thread exists: the CDK parses request options on many threads at once.
serialize_ast_parse_where_it_races()
# Before the CDK is imported: its import asks for the source of 64 classes of one file.
find_class_sources_with_one_parse_per_file()

__all__ = ["SourceFacebookAds"]


def __getattr__(name: str) -> Any:
    # Airbyte's `airbyte-cdk connector test` looks the source class up on the package; imported
    # lazily so that importing a submodule (e.g. the emulator's tests) does not load the CDK.
    if name == "SourceFacebookAds":
        from source_facebook_ads.source import SourceFacebookAds

        return SourceFacebookAds
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
