"""GraphEmulator: the Graph API on 127.0.0.1 over HTTP/1.1 keep-alive, for tests and benchmarks."""

import dataclasses
import http
import json
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from .api import VERSIONED_PATH, ApiRequest, ApiResponse, GraphApi
from .faults import Fault, FaultBook
from .jobs import ReportRuns
from .usage import APP_KEY, CallBudgets

REDACTED = "<redacted>"


@dataclasses.dataclass(frozen=True)
class RequestLog:
    method: str
    path: str                 # e.g. "/v25.0/act_1000000001/campaigns", no query string
    query: dict               # query parameters (and form fields of a POST); access_token redacted
    status: int               # 0 when the connection was reset without an answer
    account_id: str | None    # "act_..." the call counted against
    throttled: bool           # refused by a call budget (set_budget, set_app_budget)
    had_query_token: bool     # access_token was sent in the query string
    at: float = 0.0           # time.monotonic() when it was answered (benchmarks read the timeline)


class GraphEmulator:
    """A local Graph API serving `dataset`, accepting only `Authorization: Bearer <token>`.

    Tunables (plain attributes, change them any time):
      max_insights_days_with_breakdowns  sync insights with breakdowns over more days than
                                         this answer code 100 / 1487534 (None: no ceiling)
      omit_usage_headers_below_pct       leave usage headers out while usage is below this
      job_pending_polls                  status polls that see a report run unfinished
      oldest_version                     (major, minor); older paths answer code 2635
      answer_seconds                     how long Meta takes to answer each call (0: at once), spent
                                         before the answer as Meta's servers spend it
    """

    def __init__(self, dataset, token: str, host: str = "127.0.0.1", port: int = 0):
        self.dataset = dataset
        self.token = token
        self.requests = []
        self.max_insights_days_with_breakdowns = None
        self.omit_usage_headers_below_pct = 0
        self.job_pending_polls = 2
        self.oldest_version = (19, 0)
        self.answer_seconds = 0.0
        self._address = (host, port)
        self._log_lock = threading.Lock()
        self._faults = FaultBook()
        self._budgets = CallBudgets()
        self._app_budget = CallBudgets()
        self._api = GraphApi(self, self._faults, self._budgets, ReportRuns(), self._app_budget)
        self._server = None
        self._thread = None

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> "GraphEmulator":
        self._server = _GraphHTTPServer(self._address, _GraphRequestHandler)
        self._server.emulator = self
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="graph-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self) -> "GraphEmulator":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # ---------------------------------------------------------------- test controls
    def inject(self, fault: Fault) -> Fault:
        """Add a fault; the returned object's `seen` / `fired` counters show what it matched."""
        return self._faults.add(fault)

    def clear_faults(self) -> None:
        self._faults.clear()

    def set_budget(self, calls, window_seconds: float = 3600.0, account_id=None) -> None:
        """Allow `calls` per rolling `window_seconds` per account (account_id None: every
        account, each with its own window). calls=None removes the budget."""
        self._budgets.set(calls, window_seconds, account_id)

    def set_app_budget(self, calls, window_seconds: float = 3600.0) -> None:
        """Budget `calls` per rolling window for the whole app: every call counts, whatever its account
        (or none), and past it every call answers code 4 until the window lets calls out; X-App-Usage
        on every answer shows the share used. calls=None removes it."""
        self._app_budget.set(calls, window_seconds)

    def spend_app_calls(self, calls: int) -> None:
        """Count `calls` against the app budget now, as another connection of the same app would."""
        for _ in range(calls):
            self._app_budget.admit(APP_KEY)

    def clear_budgets(self) -> None:
        """Remove every budget (the app's too) and forget the calls counted so far."""
        self._budgets.clear()
        self._app_budget.clear()

    def regain_seconds(self, account_id: str) -> float:
        """Seconds until the account's oldest counted call leaves its budget window."""
        return self._budgets.peek(account_id).reset_seconds

    def reset_log(self) -> None:
        with self._log_lock:
            self.requests.clear()

    # ---------------------------------------------------------------- serving
    def _serve(self, method: str, target: str, authorization, body: bytes, content_type: str):
        url = urlsplit(target)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        params = {**query, **_form_params(body, content_type)}
        if method == "POST" and "batch" in params and _is_version_root(url.path):
            return self._serve_batch(url.path, params["batch"], authorization)
        request = ApiRequest(method, url.path, params, authorization)
        response = self._api.handle(request)
        logged = {key: (REDACTED if key == "access_token" else value) for key, value in params.items()}
        entry = RequestLog(method, url.path, logged, response.status, request.account_id, request.throttled,
                           "access_token" in query, time.monotonic())
        with self._log_lock:
            self.requests.append(entry)
        return response


    def _serve_batch(self, root: str, batch: str, authorization):
        """Graph batch requests (POST /vXX.X/ with `batch`, as Meta's SDK sends them): each item is
        answered, logged and counted as its own call, as Meta counts them against the budgets.
        https://developers.facebook.com/docs/graph-api/batch-requests"""
        answers = []
        for item in json.loads(batch):
            target = root.rstrip("/") + "/" + item["relative_url"].lstrip("/")
            body = (item.get("body") or "").encode()
            answer = self._serve(item.get("method", "GET").upper(), target, authorization, body,
                                 "application/x-www-form-urlencoded")
            answers.append({"code": answer.status, "body": answer.body.decode("utf-8", "replace"),
                            "headers": [{"name": name, "value": value} for name, value in answer.headers.items()]})
        return ApiResponse(200, json.dumps(answers).encode())


def _is_version_root(path: str) -> bool:
    match = VERSIONED_PATH.match(path)
    return bool(match) and (match.group(3) or "/") == "/"


def _form_params(body: bytes, content_type: str) -> dict:
    if not body:
        return {}
    if content_type.startswith("application/json"):
        try:
            values = json.loads(body)
        except ValueError:
            return {}
        return {key: value if isinstance(value, str) else json.dumps(value) for key, value in values.items()}
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


class _GraphHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def handle_error(self, request, client_address):
        # Clients that hang up mid-answer (and injected resets) are expected, not errors.
        pass


class _GraphRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "GraphEmulator"

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self):
        self._answer("GET")

    def do_POST(self):
        self._answer("POST")

    def do_DELETE(self):
        self._answer("DELETE")

    def _answer(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.server.emulator.answer_seconds:
            time.sleep(self.server.emulator.answer_seconds)
        response = self.server.emulator._serve(method, self.path, self.headers.get("Authorization"), body,
                                               self.headers.get("Content-Type") or "")
        if response.reset_connection:
            self._reset()
            return
        phrase = http.HTTPStatus(response.status).phrase
        lines = [f"HTTP/1.1 {response.status} {phrase}", f"Content-Type: {response.content_type}",
                 f"Content-Length: {len(response.body)}"]
        lines += [f"{name}: {value}" for name, value in response.headers.items()]
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if response.dribble_seconds is not None:
            self._dribble(head, response.body, response.dribble_seconds)
            return
        # One write per answer: no Nagle/delayed-ACK stalls between headers and body.
        self.wfile.write(head + response.body)

    def _dribble(self, head, body, seconds):
        """Headers at once, then the body a byte at a time: every socket read succeeds, the answer never ends."""
        try:
            self.wfile.write(head)
            for index in range(len(body)):
                time.sleep(seconds)
                self.wfile.write(body[index:index + 1])
                self.wfile.flush()
        except OSError:  # the client gave up
            self.close_connection = True

    def _reset(self):
        # SO_LINGER 0 makes close() send a TCP RST: the client sees "connection reset by peer".
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def log_message(self, format, *args):
        pass
