"""The output filter: every form a message can carry the configured token in, and Meta's token shapes."""

from __future__ import annotations

import io
import json
import sys
from urllib.parse import quote

import pytest

from source_facebook_ads.redaction import RedactedOutput, SecretFilter, scrub

TOKEN = "EAAG-unit-secret|token-2b9f"  # `|` as in Meta's app tokens (app-id|secret): percent-encoded in URLs


def log_line(message: str) -> str:
    return json.dumps({"type": "LOG", "log": {"level": "ERROR", "message": message}}, separators=(",", ":")) + "\n"


def filter_hiding(*secrets: str) -> SecretFilter:
    secret_filter = SecretFilter()
    secret_filter.hide(secrets)
    return secret_filter


FORMS = {
    "raw": TOKEN,
    "repr of a header with the pasted line break": repr(f"Bearer {TOKEN}\n"),
    "JSON-escaped twice": json.dumps(json.dumps(TOKEN)),
    "percent-encoded in a URL": f"/v25.0/me?x={quote(TOKEN, safe='')}",
    "broken by a line break": f"{TOKEN[:9]}\n{TOKEN[9:]}",
    "quoted in two pieces": f"'{TOKEN[:12]}' '{TOKEN[12:]}'",
    "concatenated pieces": f'"{TOKEN[:5]}" + "{TOKEN[5:]}"',
}


class TestConfiguredSecret:
    @pytest.mark.parametrize("form", FORMS.values(), ids=FORMS.keys())
    def test_every_form_of_the_secret_in_a_message_is_replaced(self, form: str) -> None:
        printed = filter_hiding(TOKEN + "\n").redact(log_line(f"request failed: {form} (retrying)"))

        assert "****" in printed
        assert "unit-secret" not in printed and "token-2b9f" not in printed
        assert json.loads(printed)["log"]["message"].startswith("request failed: ")

    @pytest.mark.parametrize("escape", [repr, ascii, json.dumps], ids=["bytes repr", "ascii", "JSON"])
    def test_a_pasted_non_ascii_character_does_not_hide_the_secret_from_the_filter(self, escape) -> None:
        token = "EAAG-pasted\u2019quote-3c8d"  # a typographic apostrophe copied along with the token
        quoted = escape(token.encode("utf-8") if escape is repr else token)

        printed = filter_hiding(token).redact(log_line(f"header value {quoted}"))

        assert "pasted" not in printed and "3c8d" not in printed

    @pytest.mark.parametrize(
        "piece", [TOKEN[:24], TOKEN[-24:], TOKEN[2:26]], ids=["cut off after 24", "last 24", "24 from the middle"]
    )
    def test_a_long_enough_piece_of_the_secret_on_its_own_is_replaced_whole(self, piece: str) -> None:
        printed = filter_hiding(TOKEN).redact(log_line(f"header value '{piece}..."))

        assert json.loads(printed)["log"]["message"] == "header value '****..."

    def test_the_secret_in_a_record_is_replaced_but_the_rest_of_the_record_is_kept(self) -> None:
        record = {"type": "RECORD", "record": {"data": {"note": f"Bearer of {TOKEN}", "id": "EAA1234567890123456789"}}}
        printed = filter_hiding(TOKEN).redact(json.dumps(record, separators=(",", ":")) + "\n")

        assert json.loads(printed)["record"]["data"] == {"note": "Bearer of ****", "id": "EAA1234567890123456789"}

    def test_a_secret_too_short_to_be_a_token_leaves_the_protocol_intact(self) -> None:
        line = log_line("type")

        assert filter_hiding("type").redact(line) == line


class TestTokenShapes:
    @pytest.mark.parametrize(
        "text, expected",
        [
            ("GET /me?access_token=EAAB123&x=1", "GET /me?access_token=***&x=1"),
            ('{\\"access_token\\": \\"abc123\\"}', '{\\"access_token\\": \\"***\\"}'),
            ("Malformed access token EAABsbCS1iHgBAZB0ZCZBZBqwerty", "Malformed access token ***"),
            ("header value\\nEAABsbCS1iHgBAZB0ZCZBZBqwerty", "header value\\n***"),
            ("Authorization: Bearer 123|abc-def", "Authorization: Bearer ***"),
        ],
    )
    def test_a_token_nobody_configured_is_still_replaced_in_messages(self, text: str, expected: str) -> None:
        assert filter_hiding().redact(text + "\n") == expected + "\n"

    def test_scrub_removes_tokens_and_query_strings_but_keeps_paths(self) -> None:
        text = f"GET https://graph.facebook.com/v25.0/act_1/ads?limit=5&access_token={TOKEN} then /v25.0/me?after=abc"
        assert scrub(text) == "GET https://graph.facebook.com/v25.0/act_1/ads then /v25.0/me"
        assert scrub("access_token=abc&x=1") == "access_token=***&x=1"


class TestRedactedOutput:
    def test_a_secret_written_in_two_parts_to_stderr_is_still_replaced(self, monkeypatch: pytest.MonkeyPatch) -> None:
        stderr = io.StringIO()
        monkeypatch.setattr(sys, "stderr", stderr)

        with RedactedOutput() as output:
            output.hide([TOKEN])
            sys.stderr.write(f"Traceback: header 'Bearer {TOKEN[:10]}")
            sys.stderr.write(f"{TOKEN[10:]}'\n")
            sys.stderr.write("an unfinished line")

        assert stderr.getvalue() == "Traceback: header 'Bearer ****'\nan unfinished line\n"
        assert sys.stderr is stderr


class TestChunksOfLines:
    """The CDK prints its messages in chunks of many lines; most chunks hold only RECORD and STATE lines."""

    def record_line(self, note: str) -> str:
        return json.dumps({"type": "RECORD", "record": {"stream": "s", "data": {"note": note}}}, separators=(",", ":")) + "\n"

    def test_a_log_line_among_records_still_loses_its_token_shapes_and_the_records_keep_theirs(self) -> None:
        shaped = "EAABsbCS1iHgBAZB0ZCZBZBqwerty"
        chunk = self.record_line(shaped) + log_line(f"Malformed access token {shaped}") + self.record_line("kept")

        printed = filter_hiding(TOKEN).redact(chunk).splitlines()

        assert [json.loads(line)["type"] for line in printed] == ["RECORD", "LOG", "RECORD"]
        assert json.loads(printed[0])["record"]["data"]["note"] == shaped  # data is left as Meta sent it
        assert json.loads(printed[1])["log"]["message"] == "Malformed access token ***"

    def test_the_configured_secret_is_replaced_in_a_chunk_of_records_only(self) -> None:
        chunk = self.record_line("a") + self.record_line(f"x {TOKEN} y") + '{"type":"STATE","state":{}}\n'

        printed = filter_hiding(TOKEN).redact(chunk)

        assert printed == chunk.replace(TOKEN, "****")

    def test_a_chunk_ending_inside_a_line_of_another_kind_is_filtered_as_such(self) -> None:
        chunk = self.record_line("a") + "Traceback: Bearer 123|abc-def"

        assert filter_hiding(TOKEN).redact(chunk) == self.record_line("a") + "Traceback: Bearer ***"
