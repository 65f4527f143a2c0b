"""Injected failures: what Meta (or a proxy in front of it) does on a bad day."""

import dataclasses
import re
import threading

# Answered instead of the real response.
ANSWER_KINDS = frozenset({
    "http_500", "code_1", "code_2", "buc_80004", "http_429", "truncated_json", "html_502",
    "connection_reset", "token_190", "permission_200", "unknown_object_33", "row_ceiling",
    "reduce_data_code_1", "error_in_200", "version_2635", "error_quotes_token",
    "not_transient_code_1", "missing_permissions_100", "page_permission_190", "two_factor_415",
    "malformed_200",
})
DELAY_KINDS = frozenset({"slow"})                   # wait, then answer normally
DRIBBLE_KINDS = frozenset({"dribble"})              # answer normally, one body byte every `seconds` (3 s)
# Only consumed by list responses: an empty page that still links to the next one (once, as Meta
# does after filtering); every page answering the cursor it was asked with; empty pages with a
# fresh `next` cursor each time (a server that never ends a listing).
PAGE_KINDS = frozenset({"empty_page_with_next", "repeated_cursor", "endless_empty_pages"})
HEADER_KINDS = frozenset({"version_upgrade_warning"})  # a normal answer with one more header
JOB_KINDS = frozenset({"job_failed", "job_skipped"})  # only consumed by POST .../insights
FAULT_KINDS = ANSWER_KINDS | DELAY_KINDS | DRIBBLE_KINDS | PAGE_KINDS | JOB_KINDS | HEADER_KINDS


@dataclasses.dataclass
class Fault:
    """One injected failure.

    It matches requests whose path (e.g. "/v25.0/act_1000000001/campaigns") contains a
    match of `path_pattern` (re.search) and, when given, whose method is `method`. The first
    `after` matching requests pass untouched, the next `times` ones (None: all) get the fault.
    `seconds` is the delay of "slow", the pause between the body bytes of "dribble" (3 s), the regain time of "buc_80004" and the Retry-After of
    "http_429" (each 1 s by default); `regain_minutes` sets the BUC regain time in minutes. `error_code` / `error_subcode`
    override the failure reported by "job_failed" (default -2 / 2490547). `body` is what
    "malformed_200" answers with status 200 (default: a page whose `data` is a string).
    """

    kind: str
    path_pattern: str = r".*"
    times: int | None = 1
    after: int = 0
    seconds: float | None = None
    regain_minutes: int | None = None
    method: str | None = None
    error_code: int | None = None
    error_subcode: int | None = None
    body: bytes | None = None
    seen: int = dataclasses.field(default=0, init=False)    # matching requests so far
    fired: int = dataclasses.field(default=0, init=False)   # requests that got the fault

    def __post_init__(self):
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; known: {sorted(FAULT_KINDS)}")
        self._pattern = re.compile(self.path_pattern)

    def regain_seconds(self) -> float:
        if self.regain_minutes is not None:
            return self.regain_minutes * 60.0
        return self.seconds if self.seconds is not None else 1.0

    def _matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method.upper() == method) and bool(self._pattern.search(path))

    def _exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times


class FaultBook:
    """Thread-safe list of injected faults, consulted in injection order."""

    def __init__(self):
        self._faults = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self):
        with self._lock:
            self._faults.clear()

    def take(self, method: str, path: str, kinds: frozenset):
        """Count this request against every matching fault of `kinds`; return the first that fires."""
        chosen = None
        with self._lock:
            for fault in self._faults:
                if fault.kind not in kinds or fault._exhausted() or not fault._matches(method, path):
                    continue
                fault.seen += 1
                if chosen is None and fault.seen > fault.after:
                    fault.fired += 1
                    chosen = fault
        return chosen
