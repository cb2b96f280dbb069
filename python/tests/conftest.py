import gc
import os
import sys

import pytest

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
