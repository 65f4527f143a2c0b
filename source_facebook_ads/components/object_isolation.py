"""Read around what Meta refuses for one object or one field, instead of failing the whole stream.

Meta fails a whole request for one part of its answer:

- one object: code 100 / 2446289 "Ad Creative Is Incomplete" when a creative's post was deleted fails
  every page that holds it (airbytehq/airbyte#65944, #66027; also seen on adsets and ad account
  reads). The same page read with `fields=id` works.
- one field: "(#10) Permission Denied." when the token may not read one field of an account's objects
  (seen for `funding_source`). Meta does not name the field.

`ObjectIsolatingRequester` wraps a stream's own requester, so every request it makes is paced,
classified and retried like any other. When the error handler raises `RefusedRead` it answers with
the page Meta would have sent:

- a refused object: the page is read again from the same cursor in halves (`limit` halved), down to
  a page of one object; that object is read without the fields that fail it (found by halving the
  field list), or with its id and account only when that search would cost more than
  FIELD_SEARCH_CALLS requests. Every other object comes whole. One warning names the object.
- a refused field: when the same request with only the id and account fails too, the token may not
  read the account and the error stands. Otherwise the refused fields are found by halving the
  field list and left out of every later request of that account's partition (their columns stay
  empty), with one warning naming them.
"""

from __future__ import annotations

import json
import logging
from dataclasses import InitVar, dataclass
from typing import Any, Callable, Mapping, Optional, Sequence

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.requesters.requester import Requester
from airbyte_cdk.sources.types import Config, StreamSlice
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_facebook_ads.components.graph_error_classifier import GraphError, GraphErrorKind

logger = logging.getLogger("airbyte")

# Always requested while reading around a refusal: they key the record and tie it to its account.
IDENTITY_FIELDS = ("id", "account_id")
# Requests one search for the refused fields of one answer may make: about 2 x log2(fields) per
# refused field, ~12 for one of the ad account's 53 fields, ~30 for three of a creative's 60.
FIELD_SEARCH_CALLS = 48
# The query parameters of the manifest's paginator.
PAGE_SIZE_PARAM, CURSOR_PARAM = "limit", "after"

Send = Callable[[Sequence[str]], requests.Response]
# Refusals that may concern one object or one field of the answer rather than the whole request.
READ_AROUND_KINDS = frozenset({GraphErrorKind.UNREADABLE_OBJECT, GraphErrorKind.MISSING_PERMISSION})


class RefusedRead(AirbyteTracedException):
    """A read Meta refused for one object or field, raised instead of returning FAIL.

    The CDK's FAIL resolution keeps no trace of the answer; this exception carries Meta's error so that
    ObjectIsolatingRequester can read around the object or field. Anywhere else it ends the stream
    exactly as FAIL would, with the same message and failure type.
    """

    def __init__(self, error: GraphError, failure_type: FailureType) -> None:
        super().__init__(message=error.message, internal_message=error.technical_detail, failure_type=failure_type)
        self.error = error


class _SearchTooCostly(Exception):  # the search would take more than FIELD_SEARCH_CALLS requests
    pass


@dataclass
class ObjectIsolatingRequester(Requester):
    config: Config
    parameters: InitVar[Mapping[str, Any]]
    requester: Requester  # the stream's HttpRequester: auth, pacing, error handling

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self._stream = str(parameters.get("name") or "")
        self._fields = [name for name in str(parameters.get("fields") or "").split(",") if name]
        # Partition (ad account id, "" for an unpartitioned stream) -> fields Meta refuses there.
        self._refused: dict[str, frozenset[str]] = {}

    def send_request(
        self,
        stream_state: Any = None,
        stream_slice: Optional[StreamSlice] = None,
        next_page_token: Optional[Mapping[str, Any]] = None,
        path: Optional[str] = None,
        request_headers: Optional[Mapping[str, Any]] = None,
        request_params: Optional[Mapping[str, Any]] = None,
        request_body_data: Any = None,
        request_body_json: Any = None,
        log_formatter: Optional[Callable[[requests.Response], Any]] = None,
    ) -> Optional[requests.Response]:
        stream_slice = stream_slice or StreamSlice(partition={}, cursor_slice={})
        account = str(stream_slice.partition.get("account_id") or "")
        params = dict(request_params or {})

        def send(fields: Sequence[str], **overrides: Any) -> requests.Response:
            extra = dict(stream_slice.extra_fields)
            if list(fields) != self._fields:  # read by the manifest's `requested_fields`
                extra["fields"] = ",".join(fields)
            response = self.requester.send_request(
                stream_state=stream_state,
                stream_slice=StreamSlice(
                    partition=stream_slice.partition, cursor_slice=stream_slice.cursor_slice, extra_fields=extra
                ),
                next_page_token=next_page_token,
                path=path,
                request_headers=request_headers,
                request_params={**params, **overrides},
                request_body_data=request_body_data,
                request_body_json=request_body_json,
                log_formatter=log_formatter,
            )
            assert response is not None  # the Graph error handler never ignores an answer
            return response

        while True:
            fields = [name for name in self._fields if name not in self._refused.get(account, ())]
            try:
                return send(fields)
            except RefusedRead as refusal:
                if refusal.error.kind is GraphErrorKind.UNREADABLE_OBJECT:
                    return self._read_around_objects(send, fields, params, refusal)
                self._leave_out_refused_fields(send, fields, params, account, refusal)

    # --- a refused object --------------------------------------------------------------------------

    def _read_around_objects(
        self, send: Callable[..., requests.Response], fields: list[str], params: Mapping[str, Any], refusal: RefusedRead
    ) -> requests.Response:
        page_size = int(params.get(PAGE_SIZE_PARAM) or 0)
        if page_size <= 1:  # a single object (ad_account), or a page of one
            return self._read_one_object(lambda chosen: send(chosen), fields, refusal)
        objects: list[Any] = []
        cursor, remaining = params.get(CURSOR_PARAM), page_size
        # How many objects from `cursor` on hold a refused one (the page did); None once it is read.
        # Halving that window finds the object in log2(page size) reads.
        refused_within: Optional[int] = page_size
        last: Optional[requests.Response] = None
        while remaining > 0:
            size = page_size if refused_within is None else max(1, refused_within // 2)
            at = {PAGE_SIZE_PARAM: min(size, remaining), **({CURSOR_PARAM: cursor} if cursor else {})}
            try:
                last = send(fields, **at)
                refused_within = None if refused_within is None else refused_within - at[PAGE_SIZE_PARAM]
            except RefusedRead as again:
                if again.error.kind is not GraphErrorKind.UNREADABLE_OBJECT:
                    raise
                if at[PAGE_SIZE_PARAM] > 1:
                    refused_within = at[PAGE_SIZE_PARAM]
                    continue
                last = self._read_one_object(lambda chosen: send(chosen, **at), fields, again)
                refused_within = None
            body = last.json()
            objects += body.get("data") or []
            remaining -= at[PAGE_SIZE_PARAM]
            cursor = (body.get("paging") or {}).get("cursors", {}).get("after")
            if not cursor or not (body.get("paging") or {}).get("next"):
                break
        assert last is not None
        return _with_body(last, {**last.json(), "data": objects})

    def _read_one_object(self, send: Send, fields: list[str], refusal: RefusedRead) -> requests.Response:
        try:
            response, left_out = _without_refused_fields(send, fields, GraphErrorKind.UNREADABLE_OBJECT, refusal)
        except _SearchTooCostly:
            left_out = [name for name in fields if name not in IDENTITY_FIELDS]
            response = send([name for name in fields if name in IDENTITY_FIELDS])
        body = response.json()
        record = (body.get("data") or [{}])[0] if "data" in body else body
        logger.warning(
            f"Stream {self._stream}: Meta cannot return object {record.get('id')} in full, so it is emitted "
            f"without {', '.join(left_out)}. {refusal.error.message}"
        )
        return response

    # --- a refused field ---------------------------------------------------------------------------

    def _leave_out_refused_fields(
        self,
        send: Callable[..., requests.Response],
        fields: list[str],
        params: Mapping[str, Any],
        account: str,
        refusal: RefusedRead,
    ) -> None:
        # The search reads one object when it is refused like the page was (a field refused on an account
        # is refused on each of its objects), else the page. The account itself is refused when its id is.
        kind = refusal.error.kind
        one_object = {PAGE_SIZE_PARAM: 1} if PAGE_SIZE_PARAM in params else {}
        probe: Send = lambda chosen: send(chosen, **one_object)
        if _is_refused(probe, [name for name in fields if name in IDENTITY_FIELDS], kind):
            raise refusal
        if one_object and not _is_refused(probe, fields, kind):
            probe = send  # /me/adaccounts, where an account after the first refuses the field
        try:
            _, refused = _without_refused_fields(probe, fields, kind, refusal)
        except _SearchTooCostly:
            raise refusal from None
        self._refused[account] = self._refused.get(account, frozenset()) | frozenset(refused)
        whose = f"ad account act_{account}" if account else "the ad accounts of /me/adaccounts"
        logger.warning(
            f"Stream {self._stream}: Meta refuses to return {', '.join(refused)} for {whose}, so this sync reads "
            f"the stream there without it (the columns stay empty). To read it, give the System User the "
            f"permission it needs. {refusal.error.message}"
        )

    # --- the rest of Requester: the wrapped requester's ---------------------------------------------
    def get_authenticator(self) -> Any:
        return self.requester.get_authenticator()

    def get_url(self, **kwargs: Any) -> str:
        return self.requester.get_url(**kwargs)

    def get_url_base(self, **kwargs: Any) -> str:
        return self.requester.get_url_base(**kwargs)

    def get_path(self, **kwargs: Any) -> str:
        return self.requester.get_path(**kwargs)

    def get_method(self) -> Any:
        return self.requester.get_method()

    def get_request_params(self, **kwargs: Any) -> Any:
        return self.requester.get_request_params(**kwargs)

    def get_request_headers(self, **kwargs: Any) -> Any:
        return self.requester.get_request_headers(**kwargs)

    def get_request_body_data(self, **kwargs: Any) -> Any:
        return self.requester.get_request_body_data(**kwargs)

    def get_request_body_json(self, **kwargs: Any) -> Any:
        return self.requester.get_request_body_json(**kwargs)


def _without_refused_fields(
    send: Send, fields: list[str], kind: GraphErrorKind, refusal: RefusedRead
) -> tuple[requests.Response, list[str]]:
    """The answer without the fields Meta refuses (a request with all of `fields` was refused), and those fields.

    Raises the refusal when even the identity fields are refused (the object or the account itself), and
    _SearchTooCostly past FIELD_SEARCH_CALLS requests.
    """
    identity = [name for name in fields if name in IDENTITY_FIELDS]
    candidates = [name for name in fields if name not in IDENTITY_FIELDS]
    calls = 0

    def refused(group: Sequence[str]) -> bool:
        nonlocal calls
        calls += 1
        if calls > FIELD_SEARCH_CALLS:
            raise _SearchTooCostly()
        return _is_refused(send, [*identity, *group], kind)

    if refused([]):
        raise refusal
    found: list[str] = []

    def halve(group: Sequence[str]) -> None:  # `group` is known to be refused
        if len(group) == 1:
            found.append(group[0])
            return
        left, right = group[: len(group) // 2], group[len(group) // 2 :]
        left_refused, right_refused = refused(left), refused(right)
        if left_refused:
            halve(left)
        if right_refused:
            halve(right)
        if not (left_refused or right_refused):
            found.extend(group)  # refused only together: leave them all out

    halve(candidates)
    return send([*identity, *(name for name in candidates if name not in found)]), found


def _is_refused(send: Send, fields: Sequence[str], kind: GraphErrorKind) -> bool:
    try:
        send(fields)
        return False
    except RefusedRead as answer:
        if answer.error.kind is not kind:
            raise
        return True


def _with_body(template: requests.Response, body: Mapping[str, Any]) -> requests.Response:
    """A 200 answer like `template` (its request, url and headers) with this JSON body."""
    answer = requests.Response()
    answer.status_code = 200
    answer._content = json.dumps(body).encode()
    answer.encoding = "utf-8"
    answer.headers = template.headers
    answer.url = template.url
    answer.request = template.request
    return answer
