"""The leak scan's fast separator removal takes out exactly what its regular expression does."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from integration_tests.token_leaks import _BETWEEN_PIECES, without_separators

# Backslash runs before n/r/t and before other letters, every separator, token characters, non-ASCII.
TEXT = st.text(alphabet=st.sampled_from("\\\\\\nrtxEA7-_ \t\n\r\x0b\x0c\x1c\x1f'\"+:{}é\u2028\xa0"), max_size=60)


@given(TEXT)
def test_fast_removal_equals_the_regular_expression(output: str) -> None:
    assert without_separators(output) == _BETWEEN_PIECES.sub("", output)
