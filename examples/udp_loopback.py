#!/usr/bin/env python3
"""The userland I/O bridge from Python: mbuf chains over real sockets.

Packets are sent over UDP loopback straight from their mbufs (m_sendmsg,
which hands the chain to sendmsg through m_to_iovec: no copy), received
into fresh clusters (m_recvmsg) and wrapped back as Packets; a stream
socketpair does the same with writev / m_from_readv.  Every check is an
assert, so the script fails loudly.  Run from the repository root after
`make`:
    python3 examples/udp_loopback.py
"""
import ctypes
import os
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))

import mbuf  # noqa: E402
from mbuf import MbufError, Packet, call, lib  # noqa: E402


class IOVec(ctypes.Structure):
    """struct iovec of <sys/uio.h>."""
    _fields_ = [("iov_base", ctypes.c_void_p), ("iov_len", ctypes.c_size_t)]


def iovec_of(p):
    """m_to_iovec: the (address, length) pieces of packet p, not copied."""
    iov = (IOVec * mbuf.M_IOVEC_MAX)()
    n = call(lib.m_to_iovec, p.address, iov, mbuf.M_IOVEC_MAX)
    assert n >= 0, "more than M_IOVEC_MAX pieces"
    return [(iov[i].iov_base, iov[i].iov_len) for i in range(n)]


def payload(i, size):
    return bytes((i * 31 + k) & 0xff for k in range(size))


def main():
    print("libmbuf", mbuf.version, "from", mbuf.path)
    before = mbuf.stats()["mtypes"]

    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    tx.connect(rx.getsockname())

    # the pieces are the mbufs' own memory: a write through one shows
    with Packet(b"abc" * 1000) as p:
        addr, _ = iovec_of(p)[0]
        ctypes.memmove(addr, b"XYZ", 3)
        assert bytes(p[:3]) == b"XYZ"

    sizes = [0, 1, 100, 1500, 2048, 2049, 5000, 9000]
    pieces = 0
    for i, size in enumerate(sizes):
        data = payload(i, size)
        with Packet(data) as p:
            iov = iovec_of(p)
            # one piece per non-empty mbuf, in order
            assert [n for _, n in iov] == [m.len for m in p.mbufs() if m.len]
            assert b"".join(ctypes.string_at(a, n) for a, n in iov) == data
            pieces += len(iov)
            sent = call(lib.m_sendmsg, tx.fileno(), p.address, None, 0)
            assert sent == size, (sent, size)
        r = call(lib.m_recvmsg, rx.fileno(), None, mbuf.M_IOVEC_MAXLEN, 0,
                 mbuf.M_DONTWAIT)
        assert r, "m_recvmsg failed"
        with Packet.adopt(r) as q:
            assert bytes(q) == data and len(q) == size
    print("udp loopback: %d datagrams (%d bytes) sent from %d mbuf pieces, "
          "received into clusters: ok" % (len(sizes), sum(sizes), pieces))

    # a stream: writev of the pieces, m_from_readv on the other end
    a, b = socket.socketpair()
    data = payload(99, 6000)
    with Packet(data) as p:
        bufs = [ctypes.string_at(addr, n) for addr, n in iovec_of(p)]
        assert a.sendmsg(bufs) == len(data)
    a.close()
    got = b""
    while True:
        r = call(lib.m_from_readv, b.fileno(), 4096, mbuf.M_DONTWAIT)
        assert r, "m_from_readv failed"
        with Packet.adopt(r) as q:
            if len(q) == 0:     # end of file: an empty packet
                break
            got += bytes(q)
    b.close()
    assert got == data
    print("stream: %d bytes through m_from_readv in 4 KiB reads: ok" % len(got))

    # a contract violation is an exception, not an abort
    try:
        call(lib.m_recvmsg, rx.fileno(), None, -1, 0, mbuf.M_DONTWAIT)
        raise AssertionError("len -1 was accepted")
    except MbufError as e:
        print("violation reported:", e)
    rx.close()
    tx.close()

    after = mbuf.stats()["mtypes"]
    print("mbstat live mbufs by type: before", before, "after", after)
    assert after == before, "mbufs left behind"


if __name__ == "__main__":
    main()
