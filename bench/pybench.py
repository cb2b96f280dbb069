#!/usr/bin/env python3
"""Python (ctypes) cost of libmbuf calls.

Each row is ns per library call (median of 7 timed repeats after a
warm-up) and its ratio to a ctypes call of an empty C function with the
same signature (bench/pyempty.c), measured in the same run: the ratio is
what libmbuf adds to the cost of ctypes itself. The first row is the
plain empty call for reference.

    python3 bench/pybench.py [--tsv] [LIBMBUF] [LIBPYEMPTY]
"""
import ctypes
import os
import statistics
import sys
import timeit

HERE = os.path.dirname(os.path.abspath(__file__))
VP, I = ctypes.c_void_p, ctypes.c_int


def declare(lib, sigs):
    for name, (args, res) in sigs.items():
        f = getattr(lib, name)
        f.argtypes, f.restype = args, res
    return lib


def median_ns(fn, calls, number=20000, repeat=7):
    timer = timeit.Timer(fn)
    timer.timeit(number // 4)  # warm-up
    runs = timer.repeat(repeat=repeat, number=number)
    return statistics.median(runs) / number / calls * 1e9


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    tsv = "--tsv" in sys.argv
    build = os.path.join(HERE, "..", "build")
    libpath = args[0] if args else os.path.join(build, "libmbuf.so")
    emptypath = args[1] if len(args) > 1 else os.path.join(build, "libpyempty.so")
    mb = declare(ctypes.CDLL(libpath), {
        "m_get": ([I, I], VP), "m_gethdr": ([I, I], VP), "m_free": ([VP], VP),
        "m_freem": ([VP], None), "m_getcl": ([I, I, I], VP),
        "m_copydata": ([VP, I, I, VP], None), "m_copym": ([VP, I, I, I], VP),
    })
    e = declare(ctypes.CDLL(emptypath), {
        "e_v": ([], None), "e_ii": ([I, I], VP), "e_p": ([VP], VP),
        "e_pv": ([VP], None), "e_piip": ([VP, I, I, VP], None),
        "e_piii": ([VP, I, I, I], VP),
    })
    DW, DATA, PKTHDR, COPYALL = 1, 1, 2, 1000000000
    pkt = mb.m_getcl(DW, DATA, PKTHDR)
    # a 1500-byte packet: m_len and pkthdr.len sit at offsets 32 and 72
    ctypes.c_int.from_address(pkt + 32).value = 1500
    ctypes.c_int.from_address(pkt + 72).value = 1500
    buf = ctypes.create_string_buffer(1500)
    get, gethdr, free, freem = mb.m_get, mb.m_gethdr, mb.m_free, mb.m_freem
    copydata, copym = mb.m_copydata, mb.m_copym
    ev, eii, ep, epv, epiip, epiii = e.e_v, e.e_ii, e.e_p, e.e_pv, e.e_piip, e.e_piii

    rows = [
        ("py: empty ctypes call, no arguments", lambda: ev(), lambda: ev(), 1),
        ("py: m_get+m_free", lambda: free(get(DW, DATA)), lambda: ep(eii(DW, DATA)), 2),
        ("py: m_gethdr+m_freem", lambda: freem(gethdr(DW, DATA)), lambda: epv(eii(DW, DATA)), 2),
        ("py: m_copydata 1500 B", lambda: copydata(pkt, 0, 1500, buf),
         lambda: epiip(pkt, 0, 1500, buf), 1),
        ("py: m_copym+m_freem", lambda: freem(copym(pkt, 0, COPYALL, DW)),
         lambda: epv(epiii(pkt, 0, COPYALL, DW)), 2),
    ]
    if not tsv:
        print("%-46s %10s %10s %8s" % ("operation", "ns/call", "empty", "ratio"))
    for name, fn, base, calls in rows:
        ns, bns = median_ns(fn, calls), median_ns(base, calls)
        if tsv:
            print("%s (vs same-signature empty call)\t%.2f\t%.3f" % (name, ns, ns / bns))
        else:
            print("%-46s %10.2f %10.2f %8.2f" % (name, ns, bns, ns / bns))
    mb.m_freem(pkt)


if __name__ == "__main__":
    main()
