"""The environment's settings for a host (proxies, CA bundle) read once per session, not once per call.

Before each call the CDK asks the session for what the environment adds to it
(`Session.merge_environment_settings`): requests then scans every variable of the environment for
proxies, matches the host against `NO_PROXY` and reads `REQUESTS_CA_BUNDLE`: ~0.2 ms a call in a
bare shell, 1-5 ms in a Kubernetes pod, which gets 7 variables for each service of its namespace
(BENCHMARKS.md, "The environment read once per host"). A sync's environment does not change while
it runs, so the answer for a scheme and host is the same on every call: each session keeps the
first one. `HTTPS_PROXY`, `NO_PROXY` and the CA bundle still apply exactly as requests applies them.
"""

from __future__ import annotations

from typing import Any, Optional
from urllib.parse import urlsplit

import requests


def remember_environment(session: requests.Session) -> None:
    merge = session.merge_environment_settings  # requests' own, bound to this session
    answers: dict[tuple, dict[str, Any]] = {}

    def merged(url: str, proxies: Optional[dict], stream: Any, verify: Any, cert: Any) -> dict[str, Any]:
        parts = urlsplit(url)
        # proxies, verify and cert come from the call (the CDK passes none); dicts are not hashable,
        # and None differs from {}: requests adds the environment's proxies only to a dict.
        asked = None if proxies is None else tuple(sorted(proxies.items()))
        key = (parts.scheme, parts.netloc, asked, stream, repr(verify), repr(cert))
        answer = answers.get(key)
        if answer is None:
            answer = merge(url, dict(proxies) if proxies is not None else None, stream, verify, cert)
            answers[key] = answer  # two workers may both ask first: the same answer either way
        # A copy each call: what the caller does with its proxies must not change the next answer.
        return {**answer, "proxies": dict(answer["proxies"])}

    session.merge_environment_settings = merged  # type: ignore[method-assign]
