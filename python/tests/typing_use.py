"""How a typed program uses mbuf: test_typing.py runs mypy --strict on it.
(Not a test module: pytest does not collect it.)"""
import copy
import pickle
import socket
from typing import List

import mbuf
from mbuf import Mbuf, Packet


def forward(p: Packet, hdr: bytes) -> Packet:
    p.adj(14).pullup(20)
    ttl: int = p[8]
    p[8] = ttl - 1
    head: bytes = p[:20]
    p[10:12] = head[10:12]
    return p.prepend(hdr)


def use(sock: socket.socket) -> None:
    p = Packet(b"\x45" + bytes(39))
    p.tags[mbuf.PACKET_TAG_VLAN] = b"\x00\x2a"
    vlan: bytes = p.tags[mbuf.PACKET_TAG_VLAN]
    tap: Packet = copy.copy(p)
    deep: Packet = copy.deepcopy(p)
    again: Packet = pickle.loads(pickle.dumps(p))
    views: List[memoryview] = p.buffers()
    sock.sendmsg(views)
    first: memoryview = p.view(0, 4)
    chain: List[Mbuf] = p.mbufs()
    sizes: List[int] = [m.len for m in chain]
    found: bool = b"\x45" in p and p == bytes(40) and 0x45 in p
    text: str = p.hex() + str(len(p)) + str(p.flags) + str(p.pkthdr.csum_data)
    m, off = p.pulldown(0, 4)
    tail: Packet = p.split(20)
    p.cat(tail)
    z = Packet.from_buffer(bytearray(64))
    z.copyback(0, b"x")
    for byte in z:
        assert isinstance(byte, int)
    with z:
        pass
    del vlan, tap, deep, again, first, sizes, found, text, m, off
    p.free()
