"""The README's demo, run as the README runs it (`python -m integration_tests.demo`)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from integration_tests.test_full_sync import INSIGHTS_LEVELS, OBJECT_STREAMS

REPO_ROOT = Path(__file__).resolve().parent.parent
TABLE_ROW = re.compile(r"^(?P<stream>\w+)\s+(?P<records>\d+)\s+(?P<mode>full_refresh|incremental)\s+(?P<file>\S+)$")


def test_demo_writes_every_stream_to_jsonl_and_prints_the_table(tmp_path: Path) -> None:
    output_dir = tmp_path / "demo_output"

    completed = subprocess.run(
        [sys.executable, "-m", "integration_tests.demo", "--output-dir", str(output_dir)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
    )

    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    for command in ("spec", "check", "discover", "read"):
        assert re.search(rf"^{command}\s+ok\s", completed.stdout, re.MULTILINE), completed.stdout
    assert re.search(r"^stream\s+records\s+sync mode\s+file$", completed.stdout, re.MULTILINE), completed.stdout
    table = {m["stream"]: m for m in map(TABLE_ROW.match, completed.stdout.splitlines()) if m}
    for stream in [*OBJECT_STREAMS, *INSIGHTS_LEVELS]:
        jsonl = output_dir / f"{stream}.jsonl"
        records = [json.loads(line) for line in jsonl.read_text().splitlines()]
        assert records, f"{jsonl} is empty"
        assert stream in table, completed.stdout
        assert int(table[stream]["records"]) == len(records)
        assert Path(table[stream]["file"]) == jsonl
    assert table["campaigns"]["mode"] == "incremental" and table["me"]["mode"] == "full_refresh"
    assert json.loads((output_dir / "state.json").read_text())
