"""Keeps the access token out of every byte the connector prints.

- `scrub(text)`: for the messages we build from Meta's answers and URLs. Removes what looks like a
  token (Meta's `EAA...` tokens, `access_token=` and Bearer values) and drops query strings.
- `SecretFilter`: the configured secrets in every form a message can carry them, plus the token shapes.
- `RedactedOutput`: the one place all output passes through. run.py puts it in front of stdout and
  stderr, and of `sys.__stdout__`, where the CDK's PrintBuffer writes every message and log line;
  what passes reaches the descriptor whole (whole_writes.py).

Why a filter on the output rather than on messages: the CDK builds texts we never see before they
are printed (TRACE `internal_message` quoting Meta's error text, stack traces, requests' and urllib3's
exception texts quoting a header or URL), and its own `filter_secrets` replaces the raw secret only,
not its escaped, URL-encoded or split forms.
"""

from __future__ import annotations

import re
import sys
import threading
from types import TracebackType
from typing import Any, Iterable, Optional, TextIO
from urllib.parse import quote

from source_facebook_ads.whole_writes import whole_writes

REPLACEMENT = "****"  # what the CDK's own filter writes in place of a secret
# A secret this short cannot be a Meta token, and hunting it would garble the protocol itself
# (a secret "type" would rewrite every message).
MIN_SECRET_LENGTH = 8
# A piece this long of a secret is a leak too (a message cut off at a length limit, a token wrapped
# onto two lines). Looked for at every half-length offset of the secret, so any run of 1.5 times this
# many characters is found, and removed whole.
PIECE_LENGTH = 16
# Messages that carry data: their values are left as Meta sent them (no token shapes), and, as they
# are most of the output, only looked at closely when a secret's raw or percent-encoded core occurs.
_DATA_LINES = ('{"type":"RECORD"', '{"type":"STATE"')

# Token shapes. We send the token in a header only, but Meta's messages ("Malformed access token
# EAAB..."), and urllib3's and requests' exception texts (which quote the URL or the header value) can
# still carry one. A JSON-escaped line break (`\n`) may directly precede an `EAA` token.
_TOKEN_SHAPES = (
    (re.compile(r"(access_token(?:\\*[\"'])?\s*(?:=|%3D|:)\s*(?:\\*[\"'])?)[A-Za-z0-9._~+/|%\-]+", re.IGNORECASE), r"\1***"),
    (re.compile(r"(?:(?<![A-Za-z0-9])|(?<=\\[nrt]))EAA[A-Za-z0-9]{16,}"), "***"),
    (re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/|%\-]+", re.IGNORECASE), r"\1***"),
)
_QUERY_STRING = re.compile(r"((?:https?://[^\s?'\"]+)|(?:/[\w.\-/]+))\?[^\s'\")]*")
# What may come between two pieces of a secret that a message split or quoted in parts: a line break
# escaped once or more (`\n`, `\\n`), spaces, the quotes and `+` of pieces quoted apart, backslashes.
# Not a real line break: lines are redacted one by one, so each protocol message stays whole.
_BETWEEN_PIECES = r"(?:\\+[nrt]|[ \t'\"+\\])*"


def scrub(text: str) -> str:
    """Remove anything that looks like a token, and query strings, from a text meant for logs or users."""
    text = _without_token_shapes(text)
    return _QUERY_STRING.sub(r"\1", text)


def _without_token_shapes(text: str) -> str:
    for pattern, replacement in _TOKEN_SHAPES:
        text = pattern.sub(replacement, text)
    return text


class SecretFilter:
    """Replaces the configured secrets, in all their forms, and token shapes in printed text."""

    def __init__(self) -> None:
        self._patterns: set[str] = set()
        self._secrets: Optional[re.Pattern[str]] = None
        self._cores: tuple[str, ...] = ()  # the secrets as sent, and percent-encoded
        self._pieces: dict[str, tuple[str, int]] = {}  # a piece of a secret -> (the secret, its offset)

    def hide(self, secrets: Iterable[Any]) -> None:
        """Add secrets (a config's `airbyte_secret` values) to those replaced from now on."""
        cores = [str(secret).strip() for secret in secrets if secret is not None]
        cores = [core for core in cores if len(core) >= MIN_SECRET_LENGTH]
        self._cores += tuple(form for core in cores for form in {core, quote(core, safe="")})
        self._patterns.update(_secret_pattern(core) for core in cores)
        for core in cores:
            for offset in range(0, len(core) - PIECE_LENGTH + 1, PIECE_LENGTH // 2):
                self._pieces.setdefault(core[offset : offset + PIECE_LENGTH], (core, offset))
        if self._patterns:
            # Longest first, so that a secret containing another is replaced whole.
            self._secrets = re.compile("|".join(sorted(self._patterns, key=len, reverse=True)))

    def redact(self, text: str) -> str:
        """The text (whole lines) with every secret and, outside data messages, every token shape replaced."""
        secrets = self._secrets
        if secrets is not None:
            for core in self._cores:
                if core in text:
                    text = secrets.sub(REPLACEMENT, text)
                    break
        starts = _other_line_starts(text)
        if not starts:  # what the CDK prints most: chunks of RECORD and STATE lines only
            return text
        pieces, done = [], 0
        for start in starts:
            end = text.find("\n", start)
            end = len(text) if end < 0 else end
            pieces += [text[done:start], self._redact_message(text[start:end])]
            done = end
        pieces.append(text[done:])
        return "".join(pieces)

    def _redact_message(self, line: str) -> str:
        if self._secrets is not None:
            line = self._without_pieces(self._secrets.sub(REPLACEMENT, line))
        return _without_token_shapes(line)

    def _without_pieces(self, line: str) -> str:
        for piece, (core, offset) in self._pieces.items():
            found = line.find(piece)
            while found >= 0:
                # Widen to the whole run of the secret's characters around the piece.
                start, first = found, offset
                while start > 0 and first > 0 and line[start - 1] == core[first - 1]:
                    start, first = start - 1, first - 1
                end, last = found + PIECE_LENGTH, offset + PIECE_LENGTH
                while end < len(line) and last < len(core) and line[end] == core[last]:
                    end, last = end + 1, last + 1
                line = line[:start] + REPLACEMENT + line[end:]
                found = line.find(piece, start + len(REPLACEMENT))
        return line


def _other_line_starts(text: str) -> list[int]:
    """Where the lines that are not data messages start (empty lines left out).

    Data messages are most of the output: each line's end is found by `str.find` (memchr) and only
    its first characters are read, instead of a pattern scanning every character of the text.
    """
    starts = [] if text.startswith(_DATA_LINES) else [0]
    end = text.find("\n")
    while end >= 0:
        start = end + 1
        end = text.find("\n", start)
        if end != start and start < len(text) and not text.startswith(_DATA_LINES, start):
            starts.append(start)
    return starts


def _secret_pattern(core: str) -> str:
    """A regex for a secret as printed: raw, JSON- or repr-escaped, percent-encoded, split in pieces.

    `core` is the secret without surrounding whitespace: a token pasted with a line break is found by it.
    """
    return _BETWEEN_PIECES.join(_char_pattern(char) for char in core)


def _char_pattern(char: str) -> str:
    """One character of a secret: itself, percent-encoded, or escaped as JSON, str or bytes reprs do."""
    if char.isascii() and char.isalnum():
        return char
    utf8 = char.encode("utf-8")
    escapes = ["%" + "%".join(f"{byte:02x}" for byte in utf8), f"\\u{ord(char):04x}"]
    escapes.append("".join(f"\\x{byte:02x}" for byte in utf8))  # b'...' of the encoded header
    if ord(char) < 256:
        escapes.append(f"\\x{ord(char):02x}")  # '...' of a Latin-1 character
    # An escape's backslash may itself be escaped, once per level of JSON or repr.
    one_or_more_backslashes = r"\\+"
    forms = [re.escape(char)] + [
        "(?i:" + re.escape(escape).replace(re.escape("\\"), one_or_more_backslashes) + ")" for escape in escapes
    ]
    return "(?:" + "|".join(dict.fromkeys(forms)) + ")"


class _RedactingWriter:
    """A text stream that hands each whole line, redacted, to the stream behind it.

    An unfinished line waits for its end, so a secret written in two parts is still seen whole.
    """

    def __init__(self, target: TextIO, secret_filter: SecretFilter) -> None:
        self.target = target
        self._filter = secret_filter
        self._unfinished = ""
        self._lock = threading.RLock()

    def write(self, text: str) -> int:
        with self._lock:
            text_so_far = self._unfinished + text
            end = text_so_far.rfind("\n") + 1
            self._unfinished = text_so_far[end:]
            if end:
                self.target.write(self._filter.redact(text_so_far[:end]))
        return len(text)

    def flush(self) -> None:
        with self._lock:
            self.target.flush()

    def finish(self) -> None:
        """Write the unfinished line (ended, so that the next output starts on a line of its own)."""
        with self._lock:
            if self._unfinished:
                self.target.write(self._filter.redact(self._unfinished) + "\n")
                self._unfinished = ""
            self.target.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.target, name)  # encoding, fileno, isatty, ...


class RedactedOutput:
    """While entered, everything written to `sys.stdout` and `sys.stderr` is filtered.

    `sys.__stdout__` and `sys.__stderr__` (where the CDK's PrintBuffer writes) are pointed at the same
    filtered streams: in a console process they are those streams anyway.
    """

    def __init__(self) -> None:
        self.filter = SecretFilter()
        self._writers: dict[str, _RedactingWriter] = {}
        self._originals: dict[str, Optional[TextIO]] = {}

    def hide(self, secrets: Iterable[Any]) -> None:
        self.filter.hide(secrets)

    def __enter__(self) -> RedactedOutput:
        for name in ("stdout", "stderr"):
            self._writers[name] = _RedactingWriter(whole_writes(getattr(sys, name)), self.filter)
        for name in ("stdout", "stderr", "__stdout__", "__stderr__"):
            self._originals[name] = getattr(sys, name)
            setattr(sys, name, self._writers[name.strip("_")])
        return self

    def __exit__(
        self, exc_type: Optional[type[BaseException]], exc: Optional[BaseException], tb: Optional[TracebackType]
    ) -> None:
        for writer in self._writers.values():
            writer.finish()
        for name, original in self._originals.items():
            setattr(sys, name, original)
