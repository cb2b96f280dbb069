import gc
import os
import sys

import pytest

# MBUF_TEST_INSTALLED=1 (make test-python): test the installed package, as
# imported from site-packages; otherwise the source tree's python/.
INSTALLED = bool(os.environ.get("MBUF_TEST_INSTALLED"))
if not INSTALLED:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import mbuf  # noqa: E402


def live_mbufs():
    gc.collect()
    return sum(mbuf.stats()["mtypes"].values())


@pytest.fixture
def no_leaks():
    """Fails the test if it leaves mbufs or handles behind."""
    before, handles = live_mbufs(), mbuf.handles_live()
    yield
    assert live_mbufs() == before, "the test leaked mbufs"
    assert mbuf.handles_live() == handles, "the test leaked handles"
