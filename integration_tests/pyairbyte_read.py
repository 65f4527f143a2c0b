"""Read every stream of an installed source through PyAirbyte into its default DuckDB cache.

Runs inside the PyAirbyte venv (test_pyairbyte.py builds it), which does not have this project
installed: standard library and `airbyte` only. Prints, as its last stdout line, one JSON object:
{"cache": <duckdb file>, "tables": {<stream>: {"table": <table name>, "rows": <row count>}}}.

    python pyairbyte_read.py --executable /path/to/source-facebook-ads --config config.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import airbyte


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--executable", required=True, type=Path)
    parser.add_argument("--config", required=True, type=Path)
    args = parser.parse_args()

    source = airbyte.get_source(
        "source-facebook-ads",
        config=json.loads(args.config.read_text()),
        local_executable=args.executable,
    )
    source.select_all_streams()
    result = source.read()  # the default cache: a DuckDB file under AIRBYTE_CACHE_ROOT

    tables = {
        stream: {"table": dataset.to_sql_table().name, "rows": len(dataset)}
        for stream, dataset in result.streams.items()
    }
    print(json.dumps({"cache": str(result.cache.db_path), "tables": tables}))


if __name__ == "__main__":
    main()
