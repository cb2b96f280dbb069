"""A Packet behaves like bytes where a user expects it to (issue 12 item 2),
checked case by case and, with hypothesis, against a bytearray model."""
import copy
import pickle
import socket

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mbuf
from mbuf import MHLEN, MbufError, Packet

DATA = bytes(range(256)) * 12           # 3072 bytes: two clusters


def test_reading_like_bytes(no_leaks):
    p = Packet(DATA)
    assert len(p) == len(DATA) and bytes(p) == DATA
    assert p[0] == 0 and p[-1] == DATA[-1] and p[2047] == DATA[2047] and p[2048] == DATA[2048]
    assert p[2040:2060] == DATA[2040:2060] and p[-10:] == DATA[-10:] and p[:0] == b""
    assert p[::7] == DATA[::7] and p[::-1] == DATA[::-1]
    assert p[-10**30:10**30] == DATA and p[10**30:] == b""
    assert list(p)[:5] == [0, 1, 2, 3, 4] and sum(p) == sum(DATA)
    assert b"\xfe\xff\x00\x01" in p and bytearray(b"\x10\x11") in p and 255 in p
    assert b"not there" not in p and Packet(b"\x05\x06") in p
    assert p == DATA and p == bytearray(DATA) and p == memoryview(DATA)
    assert p != DATA[:-1] and p != "text" and not (p == 5)
    assert p == Packet(DATA) and p != Packet(DATA[1:])
    assert p[:4].hex() == "00010203" and Packet(b"\x01\x02").hex(":") == "01:02"
    assert p.hex() == DATA.hex()
    with pytest.raises(TypeError):
        hash(p)
    with pytest.raises(TypeError):
        "x" in p
    p.free()


def test_writing_like_a_bytearray(no_leaks):
    p = Packet(DATA)
    ref = bytearray(DATA)
    p[0] = 0xAA
    p[-1] = 0xBB
    p[2047] = 1                         # the last byte of the first cluster
    p[2040:2056] = b"X" * 16            # across the two clusters
    ref[0], ref[-1], ref[2047] = 0xAA, 0xBB, 1
    ref[2040:2056] = b"X" * 16
    assert bytes(p) == ref
    p[3:3] = b""                        # an empty slice takes nothing
    p[-4:] = memoryview(b"tail")
    ref[-4:] = b"tail"
    p[10] += 1
    ref[10] += 1
    assert bytes(p) == ref
    del p[:14]                          # m_adj(14)
    del p[-4:]                          # m_adj(-4)
    del ref[:14], ref[-4:]
    assert bytes(p) == ref
    with pytest.raises(ValueError):
        del p[5:10]                     # the middle: no m_adj does that
    with pytest.raises(ValueError):
        p[0:2:2] = b"x"
    p.free()


def test_writes_copy_shared_storage_first(no_leaks):
    p = Packet(DATA)
    c = copy.copy(p)
    view = p.view(100, 50)
    p[100:150] = b"w" * 50
    p[3000] = 7
    assert p[100:150] == b"w" * 50 and p[3000] == 7
    assert bytes(c) == DATA and bytes(view) == DATA[100:150]
    ro = Packet.from_buffer(bytes(DATA[:100]))
    ro[0] = 1                           # read-only storage: copied, not written
    assert ro[0] == 1
    c.free()
    p.free()
    ro.free()


def test_view_is_zero_copy_for_clusters_and_buffers(no_leaks):
    ring = bytearray(b"r" * 256)
    z = Packet.from_buffer(ring)
    v = z.view(16, 32)
    ring[16] = ord("R")                 # the view is the buffer itself
    assert v[0] == ord("R") and v.readonly and v.nbytes == 32
    assert z.view().nbytes == 256 and z.view(256).nbytes == 0
    with pytest.raises(IndexError):
        z.view(200, 100)
    del v
    z.free()
    p = Packet(DATA)
    with pytest.raises(BufferError, match="spans mbufs"):
        p.view(2000, 100)
    m, off = p.pulldown(2000, 100)      # make it contiguous, then view it
    assert bytes(p.view(2000, 100)) == DATA[2000:2100]
    p.free()


def test_buffers_feed_sendmsg(no_leaks):
    a, b = socket.socketpair()
    try:
        p = Packet(DATA)
        p.cat(Packet(b"-end"))
        pieces = p.buffers()
        assert [len(x) for x in pieces] == [m.len for m in p.mbufs() if m.len]
        assert a.sendmsg(pieces) == len(DATA) + 4
        p.free()                            # the pieces hold their own reference
        got = b""
        while len(got) < len(DATA) + 4:
            got += b.recv(65536)
        assert got == DATA + b"-end"
        assert b"".join(pieces) == DATA + b"-end"
        del pieces
    finally:
        a.close()
        b.close()


def test_buffers_of_a_long_chain(no_leaks):
    p = Packet.from_buffer(b"start")     # ext storage: m_cat links, never copies
    for i in range(100):
        p.cat(Packet.from_buffer(bytes([i]) * 10))
    pieces = p.buffers()                 # more than M_IOVEC_MAX: asks again
    assert len(pieces) == 101 > mbuf.M_IOVEC_MAX
    assert b"".join(pieces) == b"start" + b"".join(bytes([i]) * 10 for i in range(100))
    assert [x.tobytes() for x in p.buffers(5, 20)] == [b"\0" * 10, b"\1" * 10]
    p.free()
    del pieces


def test_mbufs_describe_the_chain(no_leaks):
    p = Packet(DATA[:3000])
    ms = p.mbufs()
    assert [m.len for m in ms] == [2048, 952] and [m.offset for m in ms] == [0, 2048]
    assert ms[0].flag_names == ["EXT", "PKTHDR", "EXT_CLUSTER", "EXT_RW"]
    assert ms[1].flags & mbuf.M_PKTHDR == 0 and ms[1].ext and ms[1].type == mbuf.MT_DATA
    assert ms[0].data == DATA[:2048] and bytes(ms[1].view()[:3]) == DATA[2048:2051]
    assert ms[0].leading_space == 0 and ms[1].trailing_space == 2048 - 952
    assert "hdr+cluster 2048 bytes" in repr(p) and "cluster 952 bytes" in repr(p)
    assert repr(ms[1]).startswith("<cluster 952 bytes")
    p.free()
    assert "gone" in repr(ms[0])


def test_pkthdr_and_flags(no_leaks):
    p = Packet(b"x" * 10)
    assert p.pkthdr.len == 10 and p.pkthdr.rcvif is None
    p.pkthdr.csum_flags = mbuf.M_CSUM_TCPv4 | mbuf.M_CSUM_DATA
    p.pkthdr.csum_data = 0xFFFFFFFF
    assert p.pkthdr.csum_flags == mbuf.M_CSUM_TCPv4 | mbuf.M_CSUM_DATA
    assert p.pkthdr.csum_data == 0xFFFFFFFF
    with pytest.raises(ValueError):
        p.pkthdr.segsz = -1
    with pytest.raises(AttributeError):
        p.pkthdr.len = 5                # read-only: operations keep it
    p.flags |= mbuf.M_MCAST
    assert p.flags & mbuf.M_MCAST and "MCAST" in mbuf.flag_names(p.flags)
    with pytest.raises(ValueError, match="may change"):
        p.flags |= mbuf.M_EXT
    with pytest.raises(ValueError, match="may change"):
        p.flags &= ~mbuf.M_PKTHDR
    assert p.flags & mbuf.M_PKTHDR and not p.flags & mbuf.M_EXT
    p.free()


def test_tags_mapping_is_strict(no_leaks):
    p = Packet(b"payload")
    p.tags[0xFFFF] = bytearray(b"max")
    assert p.tags[0xFFFF] == b"max" and 0xFFFF in p.tags and -1 not in p.tags
    with pytest.raises(ValueError):
        p.tags[0x10000] = b"x"
    with pytest.raises(KeyError):
        p.tags[2 ** 40]
    with pytest.raises(TypeError):
        p.tags[1] = "str"
    assert dict(p.tags) == {0xFFFF: b"max"}
    p.free()


# ---- a random program on a Packet and on a bytearray gives the same bytes -----

payload = st.binary(max_size=3000)
index = st.integers(-3500, 3500)
ops = st.lists(st.one_of(
    st.tuples(st.just("adj"), st.integers(-3000, 3000)),
    st.tuples(st.just("prepend"), st.binary(max_size=MHLEN)),
    st.tuples(st.just("copyback"), st.integers(0, 3500), st.binary(max_size=2500)),
    st.tuples(st.just("setitem"), index, st.integers(0, 255)),
    st.tuples(st.just("setslice"), index, index, st.binary(max_size=100)),
    st.tuples(st.just("delslice"), st.integers(-100, 100)),
    st.tuples(st.just("getitem"), index),
    st.tuples(st.just("slice"), index, index),
    st.tuples(st.just("cat"), payload),
    st.tuples(st.just("split"), st.integers(0, 3000)),
    st.tuples(st.just("pullup"), st.integers(0, MHLEN)),
    st.tuples(st.just("copy"),),
    st.tuples(st.just("deepcopy"),),
    st.tuples(st.just("view"), index, st.integers(0, 200)),
    st.tuples(st.just("pickle"),),
    st.tuples(st.just("search"), st.binary(min_size=1, max_size=4)),
), max_size=14)


def apply(p, ref, op, keep):
    kind = op[0]
    if kind == "adj":
        p.adj(op[1])
        n = op[1]
        return ref[n:] if n >= 0 else ref[:max(0, len(ref) + n)]
    if kind == "prepend":
        p.prepend(op[1])
        return bytearray(op[1]) + ref
    if kind == "copyback":
        off, data = op[1], op[2]
        p.copyback(off, data)
        if data:
            ref = ref + bytes(max(0, off - len(ref)))
            ref[off:off + len(data)] = data
        return ref
    if kind == "setitem":
        i, v = op[1], op[2]
        if -len(ref) <= i < len(ref):
            p[i] = v
            ref[i] = v
        else:
            with pytest.raises(IndexError):
                p[i] = v
        return ref
    if kind == "setslice":
        a, b, data = op[1], op[2], op[3]
        n = len(range(*slice(a, b).indices(len(ref))))
        data = (data * (n // max(1, len(data)) + 1))[:n] if data else bytes(n)
        p[a:b] = data
        ref[a:b] = data
        return ref
    if kind == "delslice":
        n = op[1]
        if n >= 0:
            del p[:n]
            del ref[:n]
        else:
            del p[n:]
            del ref[n:]
        return ref
    if kind == "getitem":
        i = op[1]
        if -len(ref) <= i < len(ref):
            assert p[i] == ref[i]
        else:
            with pytest.raises(IndexError):
                p[i]
        return ref
    if kind == "slice":
        assert p[op[1]:op[2]] == ref[op[1]:op[2]]
        return ref
    if kind == "cat":
        p.cat(Packet(op[1]))
        return ref + op[1]
    if kind == "split":
        off = min(op[1], len(ref))
        tail = p.split(off)
        assert tail == ref[off:]
        tail.free()
        return ref[:off]
    if kind == "pullup":
        if op[1] <= len(ref):
            p.pullup(op[1])
            assert p.mbufs()[0].len >= op[1]
        else:
            with pytest.raises(IndexError):
                p.pullup(op[1])
        return ref
    if kind in ("copy", "deepcopy", "pickle"):
        c = (copy.copy(p) if kind == "copy" else copy.deepcopy(p) if kind == "deepcopy"
             else pickle.loads(pickle.dumps(p)))
        assert c == ref and c.address != p.address
        keep.append((c, bytes(ref)))        # must keep these bytes whatever p does
        return ref
    if kind == "view":
        off, n = op[1], op[2]
        if 0 <= off and off + n <= len(ref):
            try:
                v = p.view(off, n)
            except BufferError:
                v = b"".join(p.buffers(off, n))
            keep.append((v, bytes(ref[off:off + n])))
        else:
            with pytest.raises(IndexError):
                p.view(off, n)
        return ref
    if kind == "search":
        assert (op[1] in p) == (op[1] in ref)
        return ref
    raise AssertionError(kind)


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["copy", "bytearray", "bytes"]), payload, ops)
def test_packet_is_a_bytearray(source, data, program):
    handles, live = mbuf.handles_live(), mbuf.lib.mbuf_leak_count()
    ref = bytearray(data)
    buf = None
    if source == "copy":
        p = Packet(data)
    else:
        buf = bytearray(data) if source == "bytearray" else bytes(data)
        p = Packet.from_buffer(buf)
    keep = []
    with p:
        for op in program:
            ref = apply(p, ref, op, keep)
            assert len(p) == len(ref) == sum(m.len for m in p.mbufs())
            assert p == ref
            for obj, want in keep:          # copies and views kept their bytes
                assert bytes(obj) == want
            obj = None
        if source == "bytes":
            assert buf == data              # read-only storage never written
    for c, _ in keep:
        if isinstance(c, Packet):
            c.free()
    keep.clear()
    c = None
    assert mbuf.handles_live() == handles
    assert mbuf.lib.mbuf_leak_count() == live


def test_a_freed_packet_says_so_everywhere(no_leaks):
    p = Packet(b"gone")
    p.free()
    for action in (len, bytes, list, repr, lambda q: q[0], lambda q: q[0:1],
                   lambda q: q.copy(), lambda q: q.adj(1), lambda q: q.tags[1],
                   lambda q: q.view(), lambda q: q.mbufs(), lambda q: q.flags,
                   lambda q: q.address, lambda q: q.detach(), lambda q: b"g" in q):
        if action is repr:
            assert repr(p) == "<Packet freed>"
            continue
        with pytest.raises(MbufError, match="freed"):
            action(p)
    assert not p.alive
