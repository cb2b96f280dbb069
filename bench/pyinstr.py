#!/usr/bin/env python3
"""Instruction counts (valgrind --tool=callgrind) of the Python rows of
pybench.py: the noise-free second figure beside the timings.

Runs pybench's cases in one process under callgrind; e_mark()
(bench/pyempty.c) asks callgrind to dump its counters, and is called
around each loop of N operations (and of N baseline calls), so a loop's
dump divided by N is one operation's instructions, the loop's own
included as in the baseline's.  Ratios as in pybench.py.

    python3 bench/pyinstr.py [N] [LIBMBUF] [LIBPYEMPTY]     (slow: about a minute)
"""
import glob
import os
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def child(n, libpath, emptypath):
    sys.path.insert(0, HERE)
    import pybench
    c = pybench.cases(libpath, emptypath)
    mark = c["mark"]
    segments = [(name, fn, base) for name, fn, base, _ in c["ops"]]
    segments.append(("forwarding step 98 B (vs bytearray)",) + c["forward"])
    for _, fn, base in segments:
        for f in (fn, base):
            for _ in range(100):         # warm: first-call costs stay out
                f()
            mark()                       # dump: everything up to here
            for _ in range(n):
                f()
            mark()                       # dump: the loop alone
    c["cleanup"]()


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if "--child" in sys.argv:
        child(int(args[0]), args[1], args[2])
        return
    n = int(args[0]) if args else 2000
    build = os.path.join(HERE, "..", "build")
    libpath = os.path.abspath(args[1] if len(args) > 1 else os.path.join(build, "libmbuf.so"))
    emptypath = os.path.abspath(args[2] if len(args) > 2 else os.path.join(build, "libpyempty.so"))
    sys.path.insert(0, HERE)
    import pybench  # noqa: F401  (the names, in the child's order)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "cg.out")
        env = dict(os.environ, GODEBUG="cpu.rdtscp=off,asyncpreemptoff=1")
        subprocess.run(["valgrind", "--tool=callgrind",
                        "--callgrind-out-file=" + out, sys.executable, __file__, "--child",
                        str(n), libpath, emptypath], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        parts = sorted(glob.glob(out + ".*"), key=lambda f: int(f.rsplit(".", 1)[1]))
        counts = []
        for f in parts:
            with open(f) as fh:
                m = re.search(r"^(?:totals|summary): (\d+)", fh.read(), re.M)
            counts.append(int(m.group(1)) if m else 0)
    # dumps: set-up, op loop, warm-up, baseline loop, warm-up, op loop...
    seg = counts[1::2]
    os.environ.setdefault("LIBMBUF_PATH", libpath)
    names = [name for name, *_ in _cases_names(libpath, emptypath)]
    print("%-48s %12s %12s %8s" % ("operation (instructions per op)", "op", "baseline", "ratio"))
    ratios = []
    for i, name in enumerate(names):
        op, base = seg[2 * i] / n, seg[2 * i + 1] / n
        print("%-48s %12.0f %12.0f %8.2f" % (name, op, base, op / base))
        if i < 11:
            ratios.append(op / base)
    print("%-48s %12s %12s %8.2f" % ("median of the first 11 (as pybench)", "", "",
                                     statistics.median(ratios)))


def _cases_names(libpath, emptypath):
    import pybench
    c = pybench.cases(libpath, emptypath)
    rows = [(name,) for name, *_ in c["ops"]]
    rows.append(("forwarding step 98 B (vs bytearray)",))
    c["cleanup"]()
    return rows


if __name__ == "__main__":
    main()
