"""The Graph API's behaviour: one request in, one response out (no HTTP plumbing here).

Order of checks, as Meta answers them: token, injected faults, version, object lookup and
permission, the account's call budget, then the endpoint itself.
"""

import base64
import collections
import dataclasses
import hashlib
import itertools
import json
import math
import re
import time

from . import activities, errors, insights
from .edge_filters import edge_predicate
from .errors import GraphError
from .faults import ANSWER_KINDS, DELAY_KINDS, DRIBBLE_KINDS, HEADER_KINDS, JOB_KINDS, PAGE_KINDS
from .field_lists import NODE_TYPE_NAMES, known_fields, parse_fields
from .paging import decode_cursor, encode_cursor, following, page_limit, page_url, take_page
from .render import render
from .usage import APP_KEY, Admission, CallBudgets, app_usage_header, usage_headers

JSON_TYPE = "application/json; charset=UTF-8"
CURRENT_VERSION = "v25.0"
VERSIONED_PATH = re.compile(r"^/v(\d+)\.(\d+)(/.*)?$")
ACCOUNT_IN_PATH = re.compile(r"/(act_[^/]+)")
EDGE_KINDS = {"campaigns": "campaign", "adsets": "adset", "ads": "ad", "adcreatives": "adcreative",
              "adimages": "adimage", "advideos": "advideo", "customaudiences": "customaudience",
              "customconversions": "customconversion"}
# The creative fields that resolve its post. Meta does not say which fields fail on a deleted post, only
# that `fields=id` does not; the connector does not depend on this choice.
POST_FIELDS = frozenset({"effective_object_story_id", "object_story_id", "object_story_spec"})
BAD_GATEWAY_HTML = (b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
                    b"<body><h1>Bad Gateway</h1><p>The server returned an invalid response.</p></body></html>")

# Fault kind -> the error Meta sends for it (kinds with special answers are handled in code).
FAULT_ERRORS = {
    "http_500": lambda req: GraphError(500, 1, "An unknown error has occurred.", is_transient=True),
    "code_1": lambda req: GraphError(500, 1, "An unknown error occurred", subcode=99),
    "code_2": lambda req: GraphError(400, 2, "An unexpected error has occurred. Please retry your request later.",
                                     is_transient=True),
    "token_190": lambda req: errors.expired_token(),
    "permission_200": lambda req: errors.permission_denied(),
    "unknown_object_33": lambda req: errors.unknown_object(req.account_id or req.path.rsplit("/", 1)[-1]),
    "row_ceiling": lambda req: errors.too_much_data(),
    "reduce_data_code_1": lambda req: GraphError(500, 1, errors.REDUCE_DATA),
    "error_in_200": lambda req: GraphError(200, 1, "An unknown error has occurred.", is_transient=True),
    "version_2635": lambda req: errors.deprecated_version(_path_version(req.path), CURRENT_VERSION),
    "error_quotes_token": lambda req: errors.quoting_the_token(req.path, (req.authorization or "").removeprefix("Bearer ")),
    "not_transient_code_1": lambda req: errors.not_transient(
        "Profile is not linked to delegate page",
        "The profile used to read this asset is not linked to the delegate Page of the business.", 2853001),
    "missing_permissions_100": lambda req: errors.missing_permissions(),
    "page_permission_190": lambda req: errors.page_permission_required(),
    "two_factor_415": lambda req: errors.two_factor_required(),
}
MALFORMED_PAGE = b'{"data": "temporarily unavailable", "paging": {}}'
# Meta's header when it served a call with a newer version than the one in the path (auto-upgrade).
VERSION_UPGRADE_WARNING = ("The call was upgraded to the next available Marketing API version because "
                           "the version requested is deprecated.")


@dataclasses.dataclass
class ApiRequest:
    method: str
    path: str                      # without the query string
    params: dict                   # query parameters, plus the form body of a POST
    authorization: str | None
    account_id: str | None = None  # "act_..." the call counts against, once known
    insights: bool = False         # counts as ads_insights (else ads_management)
    admission: Admission | None = None
    app_admission: Admission | None = None  # the call against the app-wide budget
    throttled: bool = False
    response_headers: dict = dataclasses.field(default_factory=dict)   # endpoint-specific headers


@dataclasses.dataclass
class ApiResponse:
    status: int
    body: bytes = b""
    content_type: str = JSON_TYPE
    headers: dict = dataclasses.field(default_factory=dict)
    reset_connection: bool = False
    dribble_seconds: float | None = None  # write the body one byte at a time, this far apart


class GraphApi:
    """Answers requests from the dataset; reads its tunables from the emulator."""

    def __init__(self, emulator, faults, budgets, runs, app_budget=None):
        self.emulator = emulator
        self.ds = emulator.dataset
        self.faults = faults
        self.budgets = budgets
        self.app_budget = app_budget or CallBudgets()
        self.runs = runs
        self._trace_ids = itertools.count()
        self._reach_runs = collections.Counter()   # (account, day) -> report runs that asked for old reach

    # ---------------------------------------------------------------- entry point
    def handle(self, req: ApiRequest) -> ApiResponse:
        match = ACCOUNT_IN_PATH.search(req.path)
        req.account_id = match.group(1) if match else None
        req.insights = req.path.endswith("/insights")
        truncate = False
        try:
            self._authenticate(req)
            self._admit_app(req)
            delay = self.faults.take(req.method, req.path, DELAY_KINDS)
            if delay is not None:
                time.sleep(delay.seconds or 1.0)
            fault = self.faults.take(req.method, req.path, ANSWER_KINDS)
            if fault is not None and fault.kind != "truncated_json":
                return self._with_usage(req, self._fault_response(req, fault))
            truncate = fault is not None
            response = self._json(200, self._route(req))
            response.headers.update(req.response_headers)
            if self.faults.take(req.method, req.path, HEADER_KINDS) is not None:
                response.headers["X-Ad-Api-Version-Warning"] = VERSION_UPGRADE_WARNING
        except GraphError as error:
            response = self._error_response(error)
        response = self._with_usage(req, response)
        dribble = self.faults.take(req.method, req.path, DRIBBLE_KINDS)
        if dribble is not None:
            response.dribble_seconds = dribble.seconds if dribble.seconds is not None else 3.0
        if truncate:
            response.body = response.body[: len(response.body) // 2]
        return response

    def _authenticate(self, req):
        if req.authorization != f"Bearer {self.emulator.token}":
            raise errors.invalid_token()

    # ---------------------------------------------------------------- routing
    def _route(self, req):
        match = VERSIONED_PATH.match(req.path)
        if not match:
            raise errors.unknown_path(req.path)
        if (int(match.group(1)), int(match.group(2))) < self.emulator.oldest_version:
            raise errors.deprecated_version(_path_version(req.path), CURRENT_VERSION)
        parts = [part for part in (match.group(3) or "").split("/") if part]
        if not parts:
            raise errors.unknown_path(req.path)
        head, tail = parts[0], parts[1:]
        if head == "me":
            return self._me(req, tail)
        if head.startswith("act_"):
            return self._account(req, head, tail)
        return self._object(req, head, tail)

    def _me(self, req, tail):
        self._require_get(req, "me")
        if not tail:
            return render(self.ds, self.ds.user, self._fields(req, "user"))
        if tail == ["adaccounts"]:
            accounts = [self.ds.by_id[account_id] for account_id in self.ds.accounts]
            return self._node_page(req, accounts, "adaccount", lambda node: True)
        if tail == ["businesses"]:
            return self._node_page(req, self.ds.businesses, "business", lambda node: True)
        raise errors.unknown_path("/" + "/".join(tail))

    def _account(self, req, account_id, tail):
        account = self._open_account(req, account_id)
        if tail == ["insights"]:
            return self._insights(req, account)
        self._require_get(req, account_id)
        if not tail:
            return self._render_readable(account, self._fields(req, "adaccount"))
        if len(tail) == 1 and tail[0] in EDGE_KINDS:
            kind = EDGE_KINDS[tail[0]]
            predicate = edge_predicate(kind, req.params)
            return self._node_page(req, self.ds.nodes(account.id, kind), kind, predicate)
        if tail == ["activities"]:
            return self._activities_page(req, account)
        raise errors.unknown_path("/" + "/".join(tail))

    def _object(self, req, object_id, tail):
        run = self.runs.get(object_id)
        if run is not None:
            return self._report_run(req, run, tail)
        node = self.ds.by_id.get(object_id)
        if node is None or tail or req.method != "GET":
            # /{campaign id}/insights and other per-object edges are not emulated.
            raise errors.unknown_object(object_id, req.method.lower())
        if node.account_id is not None:
            self._open_account(req, node.account_id)
        return self._render_readable(node, self._fields(req, node.kind))

    def _open_account(self, req, account_id):
        """The account node, after permission and budget checks (the call is counted here)."""
        req.account_id = account_id
        if account_id in self.ds.no_permission_accounts:
            raise errors.permission_denied()
        account = self.ds.account_node(account_id)
        if account is None:
            raise errors.unknown_object(account_id, req.method.lower())
        self._admit(req, account)
        return account

    def _admit(self, req, account):
        req.admission = self.budgets.admit(account.id)
        if not req.admission.allowed:
            req.throttled = True
            regain = req.admission.reset_seconds
            headers = usage_headers(account.props["numeric_id"], _call_type(req), req.admission, req.insights,
                                    regain_seconds=regain, app_pct=self._app_pct(req))
            raise errors.rate_limited(80000 if req.insights else 80004, regain, headers)

    def _admit_app(self, req):
        # Every call of the app counts, whatever its account: Meta's app limit is one for the app.
        req.app_admission = self.app_budget.admit(APP_KEY)
        if not req.app_admission.allowed:
            req.throttled = True
            raise errors.app_rate_limited({"X-App-Usage": app_usage_header(req.app_admission.used_pct)})

    @staticmethod
    def _require_get(req, object_id):
        if req.method != "GET":
            raise errors.unknown_object(object_id, req.method.lower())

    # ---------------------------------------------------------------- objects and edges
    def _fields(self, req, kind):
        if not req.params.get("fields"):
            return None
        fields = parse_fields(req.params["fields"])
        allowed = known_fields(kind)
        for field in fields:
            if field not in allowed:
                raise errors.nonexisting_field(field, NODE_TYPE_NAMES[kind])
        if kind == "adaccount":
            gated = [field for field in fields if field in self.ds.gated_account_fields]
            if gated:
                raise errors.permission_denied(f"(#200) Requires business_management permission to read "
                                               f"the field ({gated[0]}) on node type (AdAccount)")
        return fields

    def _node_page(self, req, nodes, kind, predicate):
        fields = self._fields(req, kind)

        def rows_from(start):
            for index in range(start[0], len(nodes)):
                if predicate(nodes[index]):
                    yield (index,), nodes[index]

        return self._page(req, rows_from, 1, lambda node: self._render_readable(node, fields))

    def _render_readable(self, node, fields):
        """The object as Meta sends it, unless a requested field cannot be read on it: then the whole
        request fails, whatever else it asked for (a page fails for one object on it)."""
        asked = set(fields or ())
        if asked & self.ds.refused_fields.get(node.account_id, set()):
            raise errors.field_permission_denied()
        if node.id in self.ds.deleted_post_creatives and asked & POST_FIELDS:
            raise errors.creative_incomplete()
        return render(self.ds, node, fields)

    def _activities_page(self, req, account):
        fields = self._fields(req, "adactivity")
        since, until = activities.window(req.params)
        events = [event for event in activities.account_activities(self.ds, account.id) if since <= event.at <= until]

        def rows_from(start):
            for index in range(start[0], len(events)):
                yield (index,), events[index]

        return self._page(req, rows_from, 1, lambda event: activities.render_activity(self.ds, event, fields))

    def _page(self, req, rows_from, cursor_size, to_json):
        limit = page_limit(req.params)
        start = decode_cursor(req.params.get("after"), cursor_size)
        fault = self.faults.take(req.method, req.path, PAGE_KINDS)
        if fault is not None and fault.kind != "repeated_cursor":
            # Meta sometimes sends an empty page that still links to the next one.
            cursor = encode_cursor(start if fault.kind == "empty_page_with_next" else following(start))
            return {"data": [], "paging": {"cursors": {"before": encode_cursor(start), "after": cursor},
                                           "next": self._next_url(req, cursor)}}
        rows, next_position = take_page(rows_from, start, limit)
        if fault is not None and rows:
            # A broken listing: the page ends where it started, so `after` never moves on.
            after = req.params.get("after") or encode_cursor(start)
            return {"data": [to_json(item) for _, item in rows],
                    "paging": {"cursors": {"before": encode_cursor(rows[0][0]), "after": after},
                               "next": self._next_url(req, after)}}
        if not rows:
            return {"data": []}
        after = encode_cursor(next_position or following(rows[-1][0]))
        paging = {"cursors": {"before": encode_cursor(rows[0][0]), "after": after}}
        if next_position is not None:
            paging["next"] = self._next_url(req, after)
        return {"data": [to_json(item) for _, item in rows], "paging": paging}

    def _next_url(self, req, after):
        return page_url(self.emulator.base_url, req.path, req.params, after)

    # ---------------------------------------------------------------- insights
    def _insights(self, req, account):
        query = insights.parse_query(req.params, self.ds, account.id)
        if req.method == "POST":
            fault = self.faults.take(req.method, req.path, JOB_KINDS)
            run = self.runs.create(account.id, account.props["numeric_id"], self._reach_limited(req, query), fault)
            return {"report_run_id": run.id}
        self._require_get(req, account.id)
        ceiling = self.emulator.max_insights_days_with_breakdowns
        if query.breakdowns and ceiling is not None and query.days > ceiling:
            raise errors.too_much_data()
        if set(query.breakdowns) & insights.OPT_IN_BREAKDOWNS and account.id not in self.ds.breakdown_opt_in_accounts:
            return {"data": []}   # no error, no rows: the account has not opted in
        return self._insights_page(req, dataclasses.replace(query, omit_reach=query.reach_is_old))

    def _reach_limited(self, req, query):
        """A report run keeps old reach for the first 10 such runs of the account and day, then omits it."""
        if not query.reach_is_old:
            return query
        key = (query.account_id, query.today)
        self._reach_runs[key] += 1
        used = self._reach_runs[key]
        # The header's exact format is not documented; a percent of the day's 10 runs, like Meta's other usage headers.
        req.response_headers["x-Fb-Ads-Insights-Reach-Throttle"] = json.dumps(
            {"acc_id_util_pct": min(100, 100 * used // insights.REACH_RUNS_PER_DAY)})
        return dataclasses.replace(query, omit_reach=used > insights.REACH_RUNS_PER_DAY)

    def _insights_page(self, req, query):
        return self._page(req, lambda start: insights.iter_rows(self.ds, query, start), 3, lambda row: row)

    def _report_run(self, req, run, tail):
        req.insights = True
        self._open_account(req, run.account_id)
        self._require_get(req, run.id)
        pending = self.emulator.job_pending_polls
        if not tail:
            return self.runs.poll(run, pending)
        if tail != ["insights"]:
            raise errors.unknown_path("/" + "/".join(tail))
        if not self.runs.is_completed(run, pending):
            raise errors.invalid_parameter(f"The report run {run.id} is not completed: "
                                           f"{run.state(pending)[0]}")
        return self._insights_page(req, run.query)

    # ---------------------------------------------------------------- answers
    def _fault_response(self, req, fault) -> ApiResponse:
        if fault.kind == "connection_reset":
            return ApiResponse(0, reset_connection=True)
        if fault.kind == "html_502":
            return ApiResponse(502, BAD_GATEWAY_HTML, "text/html; charset=utf-8")
        if fault.kind == "malformed_200":
            return ApiResponse(200, fault.body if fault.body is not None else MALFORMED_PAGE)
        if fault.kind == "http_429":
            return self._error_response(GraphError(
                429, 4, "(#4) Application request limit reached", is_transient=True,
                headers={"Retry-After": str(math.ceil(fault.seconds or 1))}))
        if fault.kind == "buc_80004":
            regain = fault.regain_seconds()
            account = self.ds.account_node(req.account_id or "")
            headers = usage_headers(account.props["numeric_id"], "ads_management", Admission(False, 100, regain),
                                    req.insights, regain_seconds=regain, app_pct=self._app_pct(req)) if account else {}
            return self._error_response(errors.rate_limited(80004, regain, headers))
        return self._error_response(FAULT_ERRORS[fault.kind](req))

    def _error_response(self, error: GraphError) -> ApiResponse:
        body = error.body(self._trace_id())
        return ApiResponse(error.status, _to_json(body), headers=dict(error.headers))

    def _json(self, status, body) -> ApiResponse:
        return ApiResponse(status, _to_json(body))

    def _with_usage(self, req, response: ApiResponse) -> ApiResponse:
        if response.reset_connection:
            return response
        account = self.ds.account_node(req.account_id) if req.account_id else None
        admission = req.admission or (self.budgets.peek(account.id) if account else Admission(True, 0, 0.0))
        headers = {"x-fb-trace-id": self._trace_id(), "facebook-api-version": CURRENT_VERSION}
        app_pct = self._app_pct(req)
        if account is not None and admission.used_pct >= self.emulator.omit_usage_headers_below_pct:
            headers.update(usage_headers(account.props["numeric_id"], _call_type(req), admission, req.insights,
                                         app_pct=app_pct))
        if app_pct >= self.emulator.omit_usage_headers_below_pct:
            headers["X-App-Usage"] = app_usage_header(app_pct)
        headers.update(response.headers)   # a throttle's own headers win
        response.headers = headers
        return response

    def _app_pct(self, req) -> int:
        return (req.app_admission or self.app_budget.peek(APP_KEY)).used_pct

    def _trace_id(self) -> str:
        digest = hashlib.blake2b(str(next(self._trace_ids)).encode(), digest_size=16).digest()
        return base64.b64encode(digest).decode()[:22].replace("+", "-").replace("/", "_")


def _call_type(req) -> str:
    return "ads_insights" if req.insights else "ads_management"


def _path_version(path: str) -> str:
    match = VERSIONED_PATH.match(path)
    return f"v{match.group(1)}.{match.group(2)}" if match else CURRENT_VERSION


def _to_json(body) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()
