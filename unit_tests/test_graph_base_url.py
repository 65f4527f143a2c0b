"""base_url: the token goes only where requests would really send it, to Meta or to this machine (issue 9)."""

from __future__ import annotations

import ipaddress
import socket

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st
from urllib3.util import parse_url

from source_facebook_ads.graph_base_url import BaseUrlError, validate_base_url


def request_host(base_url: str) -> tuple[str, str, object, object]:
    """Scheme, host, port and userinfo of the request the connector would send, as urllib3 reads it."""
    url = parse_url(requests.Request("GET", f"{base_url}/v25.0/me").prepare().url)
    return url.scheme, (url.host or "").strip("[]"), url.port, url.auth


class TestAccepted:
    @pytest.mark.parametrize(
        "base_url, canonical",
        [
            ("https://graph.facebook.com", "https://graph.facebook.com"),
            ("https://graph.facebook.com/", "https://graph.facebook.com"),
            (" https://GRAPH.facebook.com:443 ", "https://graph.facebook.com:443"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("https://127.10.0.3:9", "https://127.10.0.3:9"),
            ("http://localhost:1", "http://localhost:1"),
            ("http://[::1]:65535", "http://[::1]:65535"),
        ],
    )
    def test_meta_over_https_and_loopback_over_http_or_https(self, base_url: str, canonical: str) -> None:
        assert validate_base_url(base_url) == canonical


class TestRefused:
    @pytest.mark.parametrize(
        "base_url",
        [
            "http://evil.example:80\\@127.0.0.1",  # urllib.parse reads 127.0.0.1, urllib3 connects to evil.example
            "http://evil.example@127.0.0.1:80",
            "http://127.0.0.1:80@evil.example",
            "https://example.org",
            "https://graph.facebook.com.example.org",
            "https://graph.facebook.com.",
            "http://graph.facebook.com",
            "https://graph.facebook.com:8443",
            "https://graph-video.facebook.com",
            "ftp://127.0.0.1",
            "http://127.0.0.1:abc",
            "http://127.0.0.1:99999",
            "http://127.0.0.1:0",
            "http://127.0.0.1:+80",
            "http://127.0.0.1 :80",
            "http://127.0.0.1\t:80",
            "http://127.0.0.1%2f:80",
            "http://127.0.0.1?x=1",
            "http://127.0.0.1#x",
            "http://localhost.:80",
            "http://[::ffff:127.0.0.1]:80",
            "http://127。0.0.1",
            "//127.0.0.1:80",
            "http:127.0.0.1",
            "https://graph.facebook.com/v25.0",
        ],
    )
    def test_anything_else_is_refused_naming_base_url(self, base_url: str) -> None:
        with pytest.raises(BaseUrlError) as raised:
            validate_base_url(base_url)
        assert str(raised.value).startswith("base_url '")

    @pytest.mark.parametrize(
        "pasted",
        [
            "https://graph.facebook.com/v25.0/me?access_token=EAABsecret123",
            "http://me:EAABsecret123@127.0.0.1:80",
            # An `@` before any `://`: the userinfo is what precedes the last `@`, not a scheme.
            "EAABsecret123@://",
            "me:EAABsecret123@graph.facebook.com://x",
        ],
    )
    def test_the_message_never_shows_a_query_or_userinfo_which_may_hold_a_secret(self, pasted: str) -> None:
        with pytest.raises(BaseUrlError) as raised:
            validate_base_url(pasted)
        assert "EAABsecret123" not in str(raised.value)
        assert str(raised.value).startswith("base_url '")

    @pytest.mark.parametrize("spelling", ["127.1", "0x7f.0.0.1", "2130706433", "0177.0.0.1"])
    def test_other_spellings_of_a_loopback_address_are_refused_not_interpreted(self, spelling: str) -> None:
        assert socket.inet_aton(spelling) == socket.inet_aton("127.0.0.1")  # what the resolver would connect to
        with pytest.raises(BaseUrlError):
            validate_base_url(f"http://{spelling}:8080")


def _is_loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_HOSTS = st.sampled_from(
    ["graph.facebook.com", "127.0.0.1", "localhost", "[::1]", "evil.example", "127.1", "graph.facebook.com.evil", "[::ffff:127.0.0.1]", ""]
)
_PIECES = st.sampled_from(["@", "\\", ":", "/", "%2f", "#", "?", " ", "\n", "\x00", ".", "[", "]", "é"])
_URLS = st.builds(
    lambda scheme, userinfo, host, port, tail: f"{scheme}{userinfo}{host}{port}{tail}",
    st.sampled_from(["https://", "http://", "ftp://", "", "//", "http:/"]),
    st.sampled_from(["", "user@", "evil.example:80\\@", "a:b@"]),
    _HOSTS,
    st.one_of(st.just(""), st.integers(-1, 70000).map(lambda port: f":{port}"), st.text(max_size=4).map(lambda port: f":{port}")),
    st.one_of(st.just(""), st.lists(st.one_of(_PIECES, _HOSTS), max_size=4).map("".join)),
)


@settings(max_examples=400, deadline=None)
@given(base_url=st.one_of(_URLS, st.text(max_size=40)))
def test_an_accepted_base_url_sends_requests_only_to_meta_or_loopback(base_url: str) -> None:
    try:
        accepted = validate_base_url(base_url)
    except BaseUrlError as refused:
        assert str(refused).startswith("base_url '")
        return
    scheme, host, port, auth = request_host(accepted)
    assert auth is None
    to_meta = scheme == "https" and host == "graph.facebook.com" and port in (None, 443)
    assert to_meta or (scheme in ("http", "https") and _is_loopback(host)), accepted
    # What the user typed is sent to the same place as what the connector keeps.
    assert request_host(base_url.strip().rstrip("/")) == (scheme, host, port, None)
