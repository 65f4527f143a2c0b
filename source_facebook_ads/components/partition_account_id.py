"""A per-account record without `account_id` gets its partition's, so that multi-account tables join.

Meta's AdVideo has no account_id (its schema marks the column `x-not-requested`). The CDK's AddFields
would do this with two Jinja templates (the value and the condition) rendered and `literal_eval`ed
for every record, whether or not it has an account_id: a tenth of an object read's CPU (issue 10).
"""

from __future__ import annotations

from dataclasses import InitVar, dataclass
from typing import Any, Mapping, Optional

from airbyte_cdk.sources.declarative.transformations import RecordTransformation
from airbyte_cdk.sources.types import Config, StreamSlice, StreamState


@dataclass
class AccountIdFromPartition(RecordTransformation):
    parameters: InitVar[Mapping[str, Any]]

    def transform(
        self,
        record: dict[str, Any],
        config: Optional[Config] = None,
        stream_state: Optional[StreamState] = None,
        stream_slice: Optional[StreamSlice] = None,
    ) -> None:
        if not record.get("account_id") and stream_slice is not None:
            # Partitions are {"account_id": "<digits>"} (components/ad_account_partition_router.py).
            record["account_id"] = str(stream_slice.partition["account_id"])
