#!/usr/bin/env python3
"""Python (ctypes) cost of libmbuf calls, as a ratio to an empty ctypes call.

Every row is ns per library call, median of 7 timed repeats after a
warm-up, divided by the cost of a ctypes call to a near-empty C function
of the same library (mbuf_clear_error) measured in the same run.

    python3 bench/pybench.py [--tsv] [LIBRARY]
"""
import ctypes
import os
import statistics
import sys
import timeit

HERE = os.path.dirname(os.path.abspath(__file__))


def load(path):
    lib = ctypes.CDLL(path)
    vp, i = ctypes.c_void_p, ctypes.c_int
    sigs = {
        "mbuf_clear_error": ([], None),
        "m_get": ([i, i], vp),
        "m_gethdr": ([i, i], vp),
        "m_free": ([vp], vp),
        "m_freem": ([vp], None),
        "m_getcl": ([i, i, i], vp),
        "m_copydata": ([vp, i, i, vp], None),
        "m_copym": ([vp, i, i, i], vp),
        "m_adj": ([vp, i], None),
    }
    for name, (args, res) in sigs.items():
        f = getattr(lib, name)
        f.argtypes, f.restype = args, res
    return lib


def median_ns(stmt, calls, number=20000, repeat=7):
    timer = timeit.Timer(stmt)
    timer.timeit(number // 4)  # warm-up
    runs = timer.repeat(repeat=repeat, number=number)
    return statistics.median(runs) / number / calls * 1e9


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    tsv = "--tsv" in sys.argv
    path = args[0] if args else os.path.join(HERE, "..", "build", "libmbuf.so")
    lib = load(path)
    M_DONTWAIT, MT_DATA, M_PKTHDR, M_COPYALL = 1, 1, 2, 1000000000
    pkt = lib.m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR)
    # a 1500-byte packet: m_len and pkthdr.len live at offsets 32 and 72
    ctypes.c_int.from_address(pkt + 32).value = 1500
    ctypes.c_int.from_address(pkt + 72).value = 1500
    buf = ctypes.create_string_buffer(1500)

    nop = lib.mbuf_clear_error
    get, gethdr, free, freem = lib.m_get, lib.m_gethdr, lib.m_free, lib.m_freem
    copydata, copym = lib.m_copydata, lib.m_copym
    rows = [
        ("py: empty ctypes call [baseline]", lambda: nop(), 1),
        ("py: m_get+m_free, per call", lambda: free(get(M_DONTWAIT, MT_DATA)), 2),
        ("py: m_gethdr+m_freem, per call", lambda: freem(gethdr(M_DONTWAIT, MT_DATA)), 2),
        ("py: m_copydata 1500 B, per call", lambda: copydata(pkt, 0, 1500, buf), 1),
        ("py: m_copym+m_freem, per call", lambda: freem(copym(pkt, 0, M_COPYALL, M_DONTWAIT)), 2),
    ]
    base = None
    if not tsv:
        print("%-46s %10s %8s" % ("operation", "ns/call", "ratio"))
    for name, fn, calls in rows:
        ns = median_ns(fn, calls)
        if base is None:
            base = ns
        if tsv:
            print("%s\t%.2f\t%.3f" % (name, ns, ns / base))
        else:
            print("%-46s %10.2f %8.2f" % (name, ns, ns / base))
    lib.m_freem(pkt)


if __name__ == "__main__":
    main()
