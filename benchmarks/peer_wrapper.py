"""Runs Airbyte's `source-facebook-marketing` with its Graph SDK pointed at the emulator.

    <peer venv>/bin/python benchmarks/peer_wrapper.py read --config ... --catalog ...
    (environment: GRAPH_URL=http://127.0.0.1:PORT)

Nothing of the installed package is edited: the SDK's class attribute `FacebookSession.GRAPH` is
set before the connector starts, and each SDK session also sends the token as a Bearer header
(the emulator, like Meta's documentation recommends, reads it there; the SDK puts it in the query).
"""

from __future__ import annotations

import os
import sys

from facebook_business import session as graph_session

graph_session.FacebookSession.GRAPH = os.environ["GRAPH_URL"]
_original_init = graph_session.FacebookSession.__init__


def _init_with_bearer_header(self, *args, **kwargs) -> None:
    _original_init(self, *args, **kwargs)
    if self.access_token:
        self.requests.headers["Authorization"] = f"Bearer {self.access_token}"


graph_session.FacebookSession.__init__ = _init_with_bearer_header

if __name__ == "__main__":
    from source_facebook_marketing.run import run

    sys.argv[0] = "source-facebook-marketing"
    run()
