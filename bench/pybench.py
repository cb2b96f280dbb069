#!/usr/bin/env python3
"""Python (ctypes) cost of libmbuf calls and of mbuf.Packet operations.

Each row is ns per operation and its ratio to a baseline measured in the
same run.  The operation and its baseline are timed in alternation (31
rounds of about 1 ms each, after a warm-up) and each side's fastest round
is kept, the one least disturbed by the other work on this shared
machine:

* raw rows (mbuf.lib calls) and Packet rows: a ctypes call (CDLL, argtypes
  set, as a user would declare it) of an empty C function with the
  signature of the library call(s) the operation stands for
  (bench/pyempty.c), so the ratio is what libmbuf and the Python layer add
  to the cost of ctypes itself; the last column is the same operation
  against one empty ctypes call with no arguments (the issue's "83 ns");
* the forwarding step: the same step written on a bytearray.

The summary rows give the median Packet-operation ratio (target at most
4x), the largest but copy+split+cat (target at most 8x) and the
forwarding step's ratio (target at most 6x).

    python3 bench/pybench.py [--tsv] [--quick] [LIBMBUF] [LIBPYEMPTY]
"""
import ctypes
import os
import statistics
import sys
import timeit

HERE = os.path.dirname(os.path.abspath(__file__))
VP, I = ctypes.c_void_p, ctypes.c_int
COPYALL, DW, DATA, PKTHDR = 1000000000, 1, 1, 2


def declare(lib, sigs):
    for name, (args, res) in sigs.items():
        f = getattr(lib, name)
        f.argtypes, f.restype = args, res
    return lib


def paired(fn, base, budget, rounds=31):
    """(ns of fn, ns of base, their ratio): fn and base timed in
    alternation, rounds of about budget seconds each after a warm-up; each
    side's fastest round, the one least disturbed by other work on the
    machine (timeit's advice).  Short rounds: on this shared 2-core
    machine a round of several ms is rarely left alone."""
    timers = []
    for f in (fn, base):
        t = timeit.Timer(f)
        per_call = t.timeit(50) / 50           # also the warm-up
        timers.append((t, max(10, min(20000, int(budget / per_call)))))
    best = [float("inf"), float("inf")]
    for _ in range(rounds):
        for i, (t, number) in enumerate(timers):
            best[i] = min(best[i], t.timeit(number) / number * 1e9)
    return best[0], best[1], best[0] / best[1]


def csum_update(hc, old, new):
    """RFC 1624: the IPv4 header checksum after a 16-bit word changes."""
    s = (~hc & 0xffff) + (~old & 0xffff) + new
    s = (s & 0xffff) + (s >> 16)
    s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


LINKHDR = bytes.fromhex("020000000002 020000000001 0800")


def forward_packet(p):
    """A forwarding step on a Packet: strip the link header, make the IP
    header contiguous, decrement the TTL and patch the checksum, put a new
    link header in front, give a tap a copy."""
    p.adj(14)
    p.pullup(20)
    h = p[8:12]
    ttl, proto = h[0], h[1]
    nttl = (ttl - 1) & 0xff
    hc = csum_update((h[2] << 8) | h[3], ttl << 8 | proto, nttl << 8 | proto)
    p[8] = nttl
    p[10:12] = hc.to_bytes(2, "big")
    p.prepend(LINKHDR)
    tap = p.copy()
    del tap


def forward_bytes(b):
    """The same step on a bytearray."""
    del b[:14]
    h = b[8:12]
    ttl, proto = h[0], h[1]
    nttl = (ttl - 1) & 0xff
    hc = csum_update((h[2] << 8) | h[3], ttl << 8 | proto, nttl << 8 | proto)
    b[8] = nttl
    b[10:12] = hc.to_bytes(2, "big")
    b[:0] = LINKHDR
    tap = bytes(b)
    del tap


def cases(libpath, emptypath):
    """What the table times: raw rows, Packet rows and the forwarding
    step, each with its same-run baseline; shared with pyinstr.py."""
    os.environ.setdefault("LIBMBUF_PATH", os.path.abspath(libpath))
    sys.path.insert(0, os.path.join(HERE, "..", "python"))
    import mbuf
    from mbuf import Packet

    mb = declare(ctypes.CDLL(libpath), {
        "m_get": ([I, I], VP), "m_gethdr": ([I, I], VP), "m_free": ([VP], VP),
        "m_freem": ([VP], None), "m_getcl": ([I, I, I], VP),
        "m_copydata": ([VP, I, I, VP], None), "m_copym": ([VP, I, I, I], VP),
    })
    e = declare(ctypes.CDLL(emptypath), {
        "e_v": ([], None), "e_ii": ([I, I], VP), "e_p": ([VP], VP),
        "e_pv": ([VP], None), "e_piip": ([VP, I, I, VP], None),
        "e_piii": ([VP, I, I, I], VP), "e_pi": ([VP, I], None),
        "e_pi_p": ([VP, I], VP), "e_pii": ([VP, I, I], VP),
        "e_pipi": ([VP, I, VP, I], I), "e_pip": ([VP, I, VP], VP),
        "e_pp": ([VP, VP], None), "e_mark": ([], None),
    })
    pkt = mb.m_getcl(DW, DATA, PKTHDR)
    # a 1500-byte packet: m_len and pkthdr.len sit at offsets 32 and 72
    ctypes.c_int.from_address(pkt + 32).value = 1500
    ctypes.c_int.from_address(pkt + 72).value = 1500
    buf = ctypes.create_string_buffer(2048)
    get, gethdr, free, freem = mb.m_get, mb.m_gethdr, mb.m_free, mb.m_freem
    copydata, copym = mb.m_copydata, mb.m_copym
    ev, eii, ep, epv, epiip, epiii = e.e_v, e.e_ii, e.e_p, e.e_pv, e.e_piip, e.e_piii
    epi, epi_p, epii, epipi, epip, epp = e.e_pi, e.e_pi_p, e.e_pii, e.e_pipi, e.e_pip, e.e_pp

    ip = bytes.fromhex("45000054000100004001f7c30a0000010a000002")
    frame = LINKHDR + ip + bytes(64)                     # 98 bytes: an ICMP echo
    p = Packet(frame)
    big = Packet(bytes(3000))
    ring = bytearray(1500)
    tags = p.tags
    A = pkt                             # any address: the baselines do nothing

    raw = [
        ("py: empty ctypes call, no arguments", lambda: ev(), lambda: ev(), 1),
        ("py: m_get+m_free", lambda: free(get(DW, DATA)), lambda: ep(eii(DW, DATA)), 2),
        ("py: m_gethdr+m_freem", lambda: freem(gethdr(DW, DATA)), lambda: epv(eii(DW, DATA)), 2),
        ("py: m_copydata 1500 B", lambda: copydata(pkt, 0, 1500, buf),
         lambda: epiip(pkt, 0, 1500, buf), 1),
        ("py: m_copym+m_freem", lambda: freem(copym(pkt, 0, COPYALL, DW)),
         lambda: epv(epiii(pkt, 0, COPYALL, DW)), 2),
    ]
    # (name, operation, its library calls as empty ones, in the median?)
    ops = [
        ("p[8]", lambda: p[8], lambda: epiip(A, 8, 1, buf), True),
        ("p[14:34]", lambda: p[14:34], lambda: epiip(A, 14, 20, buf), True),
        ("p[22] = v (copyback 1 B)", lambda: p.__setitem__(22, 63),
         lambda: epiip(A, 22, 1, buf), True),
        ("p.copyback(22, 1 B)", lambda: p.copyback(22, b"?"), lambda: epiip(A, 22, 1, buf), True),
        ("p.adj(14) + p.prepend(14 B)", lambda: p.adj(14).prepend(LINKHDR),
         lambda: (epi(A, 14), epii(A, 14, DW)), True),
        ("p.pullup(20)", lambda: p.pullup(20), lambda: epi_p(A, 20), True),
        ("p.copy() + free", lambda: p.copy(), lambda: epv(epiii(A, 0, COPYALL, DW)), True),
        ("p.dup() + free", lambda: p.dup(), lambda: epv(epiii(A, 0, COPYALL, DW)), True),
        ("p.tags[id] = 2 B", lambda: tags.__setitem__(1, b"\0\x2a"),
         lambda: epipi(A, 1, buf, 2), True),
        ("p.tags[id]", lambda: tags[1], lambda: epip(A, 1, None), True),
        ("Packet.from_buffer(bytearray) + free", lambda: Packet.from_buffer(ring),
         lambda: epv(epii(A, 1, DW)), True),
        ("len(p)", lambda: len(p), lambda: epv(A), False),
        ("bytes(p), 98 B", lambda: bytes(p), lambda: epiip(A, 0, 98, buf), False),
        ("Packet(98 B) + free", lambda: Packet(frame), lambda: epv(epii(A, 98, DW)), False),
        ("copy + split + cat + free, 3000 B", lambda: (lambda q: q.cat(q.split(1000)))(big.copy()),
         lambda: epv(epp(epiii(A, 0, COPYALL, DW), epii(A, 1000, DW))), False),
    ]
    fwd, b = Packet(frame), bytearray(frame)
    for _ in range(3):
        forward_packet(fwd)
        forward_bytes(b)
        assert bytes(fwd) == bytes(b), "the two forwarding steps disagree"

    def cleanup():
        for q in (p, big, fwd):
            q.free()
        mb.m_freem(pkt)

    return {"raw": raw, "ops": ops, "forward": (lambda: forward_packet(fwd), lambda: forward_bytes(b)),
            "mark": e.e_mark, "cleanup": cleanup}


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    tsv, quick = "--tsv" in sys.argv, "--quick" in sys.argv
    budget = 0.3e-3 if quick else 1e-3
    build = os.path.join(HERE, "..", "build")
    libpath = args[0] if args else os.path.join(build, "libmbuf.so")
    emptypath = args[1] if len(args) > 1 else os.path.join(build, "libpyempty.so")
    c = cases(libpath, emptypath)

    empty = c["raw"][0][2]
    out = []
    for name, fn, base, calls in c["raw"]:
        ns, bns, ratio = paired(fn, base, budget)
        out.append(("%s (vs same-signature empty call)" % name, ns / calls, ratio, None))
    ratios, worst = [], []
    for name, fn, base, in_median in c["ops"]:
        ns, bns, ratio = paired(fn, base, budget)
        _, ens, vs_empty = paired(fn, empty, budget)
        out.append(("py: Packet %s (vs empty calls)" % name, ns, ratio, vs_empty))
        if in_median:
            ratios.append(ratio)
        if "split" not in name:
            worst.append(ratio)
    fwd_packet, fwd_bytes = c["forward"]
    fp, fb, fratio = paired(fwd_packet, fwd_bytes, budget)
    out.append(("py: Packet median of the ops above (target <= 4)", float("nan"),
                statistics.median(ratios), None))
    out.append(("py: Packet largest but split/cat (target <= 8)", float("nan"), max(worst), None))
    out.append(("py: forwarding step 98 B, Packet (vs bytearray; target <= 6)", fp, fratio, None))
    out.append(("py: forwarding step 98 B, bytearray", fb, 1.0, None))

    if not tsv:
        print("%-64s %10s %8s %10s" % ("operation", "ns/op", "ratio", "vs e_v()"))
    for name, ns, ratio, vs_empty in out:
        extra = "" if vs_empty is None else "%.2f" % vs_empty
        if tsv:
            print("%s\t%.2f\t%.3f" % (name, ns, ratio))
        else:
            print("%-64s %10.2f %8.2f %10s" % (name, ns, ratio, extra))
    c["cleanup"]()


if __name__ == "__main__":
    main()
