"""Packet operations against the same operations on bytes."""
import pytest

import mbuf
from mbuf import MbufError, Packet

DATA = bytes(range(256)) * 20   # 5120 bytes: a header cluster and more


@pytest.mark.parametrize("n", [0, 1, 100, mbuf.MHLEN, mbuf.MHLEN + 1, 2048, 5120])
def test_roundtrip(no_leaks, n):
    with Packet(DATA[:n]) as p:
        assert len(p) == n
        assert bytes(p) == DATA[:n]
        assert sum(m.len for m in p.mbufs()) == n


def test_bytearray_and_memoryview_sources(no_leaks):
    assert bytes(Packet(bytearray(DATA[:700]))) == DATA[:700]
    assert bytes(Packet(memoryview(DATA)[10:20])) == DATA[10:20]


def test_slicing_reads_with_copydata(no_leaks):
    p = Packet(DATA)
    assert p[0] == 0 and p[-1] == DATA[-1] and p[300] == DATA[300]
    assert p[2040:2060] == DATA[2040:2060]
    assert p[-10:] == DATA[-10:]
    assert p[::7] == DATA[::7]
    assert p.read(1000, 3000) == DATA[1000:4000]
    with pytest.raises(IndexError):
        p[5120]


def test_iteration_shows_the_chain(no_leaks):
    p = Packet(DATA[:3000])
    ms = p.mbufs()
    assert [m.len for m in ms] == [2048, 952]
    assert ms[0].flag_names == ["EXT", "PKTHDR", "EXT_CLUSTER", "EXT_RW"]
    assert ms[1].flags & mbuf.M_PKTHDR == 0 and ms[1].ext
    assert bytes(ms[0].view()[:5]) == DATA[:5]
    assert "hdr+cluster 2048 bytes" in repr(p) and "cluster 952 bytes" in repr(p)


def test_adj_head_and_tail(no_leaks):
    p = Packet(DATA[:1000])
    p.adj(14).adj(-4)
    assert bytes(p) == DATA[14:996] and len(p) == 982


def test_prepend_in_place_and_with_a_new_mbuf(no_leaks):
    p = Packet(DATA[:100])
    p.adj(20)
    p.prepend(b"HDR")                         # fits in the leading space
    assert len(p.mbufs()) == 1
    assert bytes(p) == b"HDR" + DATA[20:100]
    p.prepend(b"E" * 200)                     # no room: m_prepend
    assert len(p.mbufs()) == 2
    assert bytes(p) == b"E" * 200 + b"HDR" + DATA[20:100]


def test_pullup_and_pulldown(no_leaks):
    a, b = Packet(DATA[:30]), Packet(DATA[30:200])
    a.cat(b)
    assert not b.alive and len(a) == 200 and bytes(a) == DATA[:200]
    a.pullup(60)
    assert a.mbufs()[0].len >= 60 and bytes(a) == DATA[:200]
    m, off = a.pulldown(100, 40)
    assert m.data[off:off + 40] == DATA[100:140]
    with pytest.raises(ValueError, match="MHLEN"):
        a.pullup(1000)                        # more than MHLEN: the packet stays
    with pytest.raises(IndexError):
        a.pullup(300)                         # more than the packet holds
    assert a.alive and bytes(a) == DATA[:200]


def test_split(no_leaks):
    p = Packet(DATA)
    t = p.split(3000)
    assert bytes(p) == DATA[:3000] and bytes(t) == DATA[3000:]
    assert len(p) == 3000 and len(t) == len(DATA) - 3000
    with pytest.raises(IndexError):
        p.split(4000)
    with pytest.raises(IndexError):
        p.split(-1)
    assert bytes(p) == DATA[:3000]


def test_copy_shares_and_dup_does_not(no_leaks):
    p = Packet(DATA[:3000])
    c, d = p.copy(), p.dup()
    assert bytes(c) == bytes(d) == DATA[:3000]
    assert all(m.refcount == 2 and m.readonly for m in p.mbufs())
    assert all(m.refcount == 1 for m in d.mbufs())
    p.copyback(0, b"XYZ")                      # copy-on-write: c keeps its bytes
    assert bytes(p[:3]) == b"XYZ" and bytes(c[:3]) == DATA[:3]
    assert p.copy(100, 50)[:] == DATA[100:150]


def test_copyback_extends(no_leaks):
    p = Packet(b"abc")
    p.copyback(5, b"xyz")
    assert bytes(p) == b"abc\0\0xyz" and len(p) == 8
    p.copyback(1, b"B" * 3000)
    assert bytes(p) == b"a" + b"B" * 3000


def test_tags_mapping(no_leaks):
    p = Packet(b"payload")
    assert dict(p.tags) == {}
    p.tags[mbuf.PACKET_TAG_VLAN] = (42).to_bytes(2, "little")
    p.tags[99] = b"meta"
    p.tags[99] = b"replaced"
    assert p.tags[99] == b"replaced" and len(p.tags) == 2
    assert set(p.tags) == {mbuf.PACKET_TAG_VLAN, 99}
    del p.tags[99]
    assert 99 not in p.tags and list(p.tags) == [mbuf.PACKET_TAG_VLAN]
    with pytest.raises(KeyError):
        del p.tags[99]
    c = p.copy()                               # m_copym copies the tags too
    assert c.tags[mbuf.PACKET_TAG_VLAN] == b"\x2a\0"
    assert "tags={1:" in repr(p)


def test_adopt_and_detach_hand_over_ownership(no_leaks):
    p = Packet(b"hello")
    addr = p.detach()
    assert not p.alive
    q = Packet.adopt(addr)
    assert bytes(q) == b"hello"


def test_stats_count_live_mbufs():
    before = mbuf.stats()["mtypes"].get(mbuf.MT_DATA, 0)
    p = Packet(DATA)
    n = len(p.mbufs())
    assert mbuf.stats()["mtypes"].get(mbuf.MT_DATA, 0) == before + n
    p.free()
    assert mbuf.stats()["mtypes"].get(mbuf.MT_DATA, 0) == before
