#!/usr/bin/env python3
"""Build, transform and inspect packets with libmbuf from Python.

Run from the repository root after `make` (or `make run`):
    python3 examples/packet_demo.py
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))

import mbuf  # noqa: E402
from mbuf import Packet  # noqa: E402

ETH = bytes.fromhex("ffffffffffff 020000000001 0800")
IP = bytes.fromhex("4500 0054 0001 0000 4001 0000 0a000001 0a000002")
frame = ETH + IP + b"ping" * 500            # 2034 bytes: a header cluster

print("libmbuf", mbuf.version, "from", mbuf.path)

# receive: a copy of the frame in mbufs and clusters (one library call)
with Packet(frame) as p:
    print("received  ", p)

    # strip the Ethernet header, make the IP header contiguous
    p.adj(len(ETH)).pullup(20)
    assert p[0] >> 4 == 4 and p[9] == 1     # IPv4, ICMP
    print("ip packet ", len(p), "bytes, ttl", p[8])

    # tag it, then forward it: a new link header in front
    p.tags[mbuf.PACKET_TAG_VLAN] = (42).to_bytes(2, "big")
    p.prepend(ETH[6:12] + ETH[:6] + ETH[12:])
    print("forwarded ", p)

    # a shared copy (m_copym) for a tap, then rewrite the TTL in place:
    # the copy keeps the old bytes (copy-on-write of the shared cluster)
    tap = p.copy()
    p[14 + 8] -= 1
    print("ttl now    %d, the tap still sees %d" % (p[22], tap[22]))
    tap.free()

    # bytes-like: slices, search, comparison, a zero-copy read-only view
    assert p[14:16] == b"\x45\x00" and b"pingping" in p
    view = p.view(34, 8)                        # holds its own cluster reference
    print("payload   ", bytes(view), "hex", p[14:18].hex(" "))
    del view                                    # its reference goes with it

    # fragment: split the payload off at 1000 bytes, then put it back
    rest = p.split(1000)
    print("split     ", len(p), "+", len(rest), "bytes")
    p.cat(rest)
    for i, m in enumerate(p.mbufs()):
        print("  mbuf %d: %4d bytes  %s%s" % (i, m.len, "|".join(m.flag_names),
                                            " (shared)" if m.refcount > 1 else ""))

# zero copy: a bytearray used as the packet's storage
ring = bytearray(b"\0" * 64)
z = Packet.from_buffer(ring)
z.copyback(0, b"written through the mbuf")
print("zero copy ", bytes(ring[:24]), "handles live:", mbuf.handles_live())
mbuf.lib.m_freem(z.detach())                # freed by C: the buffer is released once
print("after m_freem from C, handles live:", mbuf.handles_live())

# zero copy out: the packet's pieces as read-only memoryviews for sendmsg;
# they hold their own reference, so freeing the packet first is fine
import socket  # noqa: E402
a, b = socket.socketpair()
with Packet(frame) as p:
    p.cat(Packet.from_buffer(b"-" * 89 + b" and a tail"))   # a second piece
    pieces = p.buffers()
sent = a.sendmsg(pieces)
print("sendmsg   ", sent, "bytes from", len(pieces), "pieces:", b.recv(4096)[-11:])
del pieces
a.close()
b.close()

# misuse raises instead of aborting: Python's exceptions for bad offsets,
# MbufError (a ValueError) with the library's message for the rest
try:
    Packet(b"short").read(3, 10)
except IndexError as e:
    print("IndexError:", e)
try:
    Packet.adopt(12345)
except mbuf.MbufError as e:
    print("MbufError:", e)

s = mbuf.stats()
print("live mbufs by type:", s["mtypes"] or "none", "drops:", s["drops"])
