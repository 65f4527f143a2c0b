"""Finds a token in printed output in any form a message can carry it.

Written independently of the connector's own filter (source_facebook_ads/redaction.py), so that a
form the filter misses is still caught here.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote, quote_plus, unquote

# What can come between two pieces of a token that a message split: a line break (real, or escaped
# once or twice by JSON/repr), spaces, the quotes and `+` of pieces quoted separately, backslashes.
_BETWEEN_PIECES = re.compile(r"\\+[nrt]|[\s'\"+\\]")
# The same removal in two faster steps for ASCII output (megabytes from a long read): the escapes
# first, then every ASCII character the class above matches, dropped by bytes.translate.
_ESCAPES = re.compile(r"\\+[nrt]")
_ASCII_BETWEEN = bytes(c for c in range(128) if _BETWEEN_PIECES.fullmatch(chr(c)))
# A piece this long of a token is a leak too (a message cut off, or a token split across two lines).
PIECE_LENGTH = 16


def token_leaks(output: str, token: str) -> list[str]:
    """The names of the forms of `token` that occur in `output` (never the token itself); empty if none."""
    core = token.strip()
    if not core:
        return []
    forms = {
        "raw": token,
        "stripped": core,
        "JSON-escaped": json.dumps(token)[1:-1],
        "JSON-escaped twice": json.dumps(json.dumps(token)[1:-1])[1:-1],
        "repr": repr(token)[1:-1],
        "URL-encoded": quote(token, safe=""),
        "form-encoded": quote_plus(token),
    }
    found = [name for name, form in forms.items() if form in output]
    joined = without_separators(output)
    if _BETWEEN_PIECES.sub("", core) in joined:
        found.append("split in pieces")
    if core in unquote(output):
        found.append("percent-encoded")
    # Pieces at a stride of half their length: any run of 1.5 x PIECE_LENGTH characters contains one.
    for start in range(0, max(len(core) - PIECE_LENGTH, 0) + 1, PIECE_LENGTH // 2):
        piece = core[start : start + PIECE_LENGTH]
        if len(piece) == PIECE_LENGTH and (piece in output or piece in joined):
            found.append(f"characters {start}-{start + PIECE_LENGTH}")
    return found


def without_separators(output: str) -> str:
    """`output` with everything that can come between two pieces of a token taken out."""
    if output.isascii():
        return _ESCAPES.sub("", output).encode("ascii").translate(None, _ASCII_BETWEEN).decode("ascii")
    return _BETWEEN_PIECES.sub("", output)
