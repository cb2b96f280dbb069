"""libmbuf from Python: NetBSD's mbuf packet buffers over ctypes.

    >>> import mbuf
    >>> p = mbuf.Packet(b"\\x45" + bytes(39) + b"payload")
    >>> p.adj(20).prepend(b"ETH").tags[mbuf.PACKET_TAG_VLAN] = b"\\x2a\\x00"
    >>> p[:3], len(p), b"pay" in p
    (b'ETH', 30, True)

Packet is the Pythonic layer (an mbuf chain with a header, shaped like
bytes); the generated low-level bindings are in mbuf.ffi (every constant,
structure and prototype of include/mbuf.h) with the library itself as
mbuf.lib.  The constants of the header (MSIZE, M_PKTHDR, MT_DATA...) are
also here.  Library violations raise MbufError (a ValueError); the process
never aborts.
"""
from . import _ffi as ffi
from ._ffi import *  # noqa: F401,F403  (the header's constants)
from ._lib import MbufError, call, check, lib, path, version
from .packet import FLAG_BITS, Mbuf, Packet, PacketHeader, Tags, flag_names

__all__ = ["Packet", "Mbuf", "Tags", "PacketHeader", "MbufError", "flag_names",
           "FLAG_BITS", "stats", "handles_live", "lib", "ffi", "version", "path",
           "check", "call"]
__all__ += list(ffi.CONSTANTS)


def stats() -> dict:
    """mbstat after mbuf_stats_sync(): drops, waits, drains, and the live
    mbufs of each type that has any."""
    lib.mbuf_stats_sync()
    s = ffi.data(lib, "mbstat")
    return {
        "drops": s.m_drops, "wait": s.m_wait, "drain": s.m_drain,
        "mtypes": {t: n for t, n in enumerate(s.m_mtypes) if n},
        "nmbclusters": ffi.data(lib, "nmbclusters").value,
    }


def handles_live() -> int:
    """External-storage owners (Python objects) held by handles now."""
    return lib.mbuf_handles_live()
