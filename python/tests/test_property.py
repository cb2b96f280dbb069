"""Hypothesis: a random program of Packet operations gives the bytes the
same program gives on a bytes object."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mbuf
from mbuf import MHLEN, Packet

payload = st.binary(min_size=0, max_size=3000)
ops = st.lists(st.one_of(
    st.tuples(st.just("adj"), st.integers(-3000, 3000)),
    st.tuples(st.just("prepend"), st.binary(max_size=MHLEN)),
    st.tuples(st.just("copyback"), st.integers(0, 3500), st.binary(max_size=2500)),
    st.tuples(st.just("cat"), payload),
    st.tuples(st.just("split"), st.integers(0, 3000)),
    st.tuples(st.just("pullup"), st.integers(1, MHLEN)),
    st.tuples(st.just("copy"),),
    st.tuples(st.just("dup"),),
    st.tuples(st.just("slice"), st.integers(0, 3000), st.integers(0, 3000)),
), max_size=12)


def apply(p, ref, op):
    kind = op[0]
    if kind == "adj":
        n = op[1]
        p.adj(n)
        return ref[n:] if n >= 0 else ref[:max(0, len(ref) + n)]
    if kind == "prepend":
        p.prepend(op[1])
        return op[1] + ref
    if kind == "copyback":
        off, data = op[1], op[2]
        p.copyback(off, data)
        if not data:
            return ref                    # nothing written, nothing extended
        ref = ref + bytes(max(0, off - len(ref)))
        return ref[:off] + data + ref[off + len(data):]
    if kind == "cat":
        p.cat(Packet(op[1]))
        return ref + op[1]
    if kind == "split":
        off = min(op[1], len(ref))
        tail = p.split(off)
        assert bytes(tail) == ref[off:]
        tail.free()
        return ref[:off]
    if kind == "pullup":
        if op[1] <= len(ref):
            p.pullup(op[1])
            assert p.mbufs()[0].len >= op[1]
        return ref
    if kind in ("copy", "dup"):
        c = p.copy() if kind == "copy" else p.dup()
        assert bytes(c) == ref
        c.free()
        return ref
    if kind == "slice":
        assert p[op[1]:op[2]] == ref[op[1]:op[2]]
        return ref


def make(source, data):
    """The starting packet: copied, or zero copy over a writable or a
    read-only buffer (the latter copied on write)."""
    if source == "copy":
        return Packet(data), None
    buf = bytearray(data) if source == "bytearray" else bytes(data)
    return Packet.from_buffer(buf), buf


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["copy", "bytearray", "bytes"]), payload, ops)
def test_packet_ops_match_bytes_ops(source, data, program):
    handles = mbuf.handles_live()
    ref = data
    p, buf = make(source, data)
    with p:
        for op in program:
            ref = apply(p, ref, op)
            assert len(p) == len(ref)
            assert bytes(p) == ref
        if source == "bytes":
            assert buf == data          # read-only storage never written
    assert mbuf.handles_live() == handles
