"""A local emulator of Meta's Graph API (Marketing API v25.0) for the connector's tests.

    from integration_tests.emulator import GraphEmulator, Dataset, Fault
    ds = Dataset.generate(accounts=2, seed=1)
    with GraphEmulator(ds, token="test-token-not-secret") as emu:
        requests.get(f"{emu.base_url}/v25.0/me", headers={"Authorization": "Bearer test-token-not-secret"})
"""

from .dataset import Dataset, Node
from .faults import FAULT_KINDS, Fault
from .server import GraphEmulator, RequestLog

__all__ = ["Dataset", "FAULT_KINDS", "Fault", "GraphEmulator", "Node", "RequestLog"]
