#!/usr/bin/env python3
"""The C table of make bench: libmbuf (cbench) beside DPDK (dpdkbench).

Runs the programs alternately ROUNDS times (the machine is shared and
noisy: alternating pairs runs made close in time), then once each under
callgrind for instruction counts, and prints per libmbuf row:

  ns        median ns/op over the rounds
  /malloc   ratio to glibc malloc(256)+free of the same process and round
  /base     ratio to the row's own baseline (memcpy, the plain C list code,
            or for two-thread rows the same operation in one thread)
  DPDK      the DPDK analogue's ratio to malloc+free of its own process
  /DPDK     libmbuf's /malloc divided by DPDK's, round by round (below 1:
            libmbuf is ahead)
  instr     instructions per operation under callgrind (noise-free),
            libmbuf and DPDK

--vs=LIB adds the same columns for cbench run against another build of
the ABI (LIB is loaded in place of libmbuf.so: the previous version of the
library for a before/after, or any implementation of the same header).

DPDK is optional: without pkg-config libdpdk make bench does not build
dpdkbench and its columns say so; without valgrind there are no
instruction counts.

    ctable.py [--quick] [--rounds=N] [--no-instr] [--instr-only]
              [--vs=LIB] [--baselines=FILE] BUILD_DIR
"""
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

INSTR_N = 4096
SONAME = "libmbuf.so.0"


def env_for(lib_dir=None, valgrind=False):
    env = dict(os.environ)
    if lib_dir:
        env["LD_LIBRARY_PATH"] = lib_dir
    if valgrind:
        # valgrind 3.19 cannot run the RDTSCP of Go's runtime.cputicks,
        # and Go's asynchronous preemption signals confuse it now and then
        env["GODEBUG"] = "cpu.rdtscp=off,asyncpreemptoff=1"
    return env


class Program:
    """one benchmark binary (and the library it runs against)"""

    def __init__(self, label, binary, lib_dir=None):
        self.label, self.binary, self.lib_dir = label, binary, lib_dir
        self.runs = []       # per round: key -> (name, threads, ns, base)
        self.instr = {}      # key -> (name, instructions per op)

    def time(self, quick):
        args = [self.binary, "--tsv"] + (["--quick"] if quick else [])
        out = subprocess.run(args, check=True, capture_output=True, text=True,
                             env=env_for(self.lib_dir)).stdout
        rows = {}
        for line in out.splitlines():
            key, name, threads, ns, base = line.split("\t")
            for k in key.split():    # a DPDK row names every row it stands for
                rows[k] = (name, int(threads), float(ns), base or None)
        self.runs.append(rows)

    def count(self):
        """instructions per operation, from one run under callgrind"""
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "cg.out")
            res = subprocess.run(["valgrind", "--tool=callgrind",
                                  "--callgrind-out-file=" + out, self.binary,
                                  "--instr=%d" % INSTR_N],
                                 env=env_for(self.lib_dir, valgrind=True),
                                 capture_output=True, text=True)
            if res.returncode != 0:
                print("%s: no instruction counts (failed under callgrind):\n%s"
                      % (self.label, res.stderr[-1500:]))
                return
            n, names = {}, {}
            for line in res.stdout.splitlines():
                key, count, name = line.split("\t")
                n[key], names[key] = int(count), name
            totals = {}
            for f in os.listdir(tmp):
                with open(os.path.join(tmp, f)) as fh:
                    text = fh.read()
                trig = re.search(r"^desc: Trigger: Client Request: (.*)$", text, re.M)
                tot = re.search(r"^(?:totals|summary): (\d+)", text, re.M)
                if trig and tot:
                    totals[trig.group(1)] = int(tot.group(1))
            for key in n:           # in row order
                if key in totals:
                    for k in key.split():
                        self.instr[k] = (names[key], totals[key] / n[key])

    def ratio_to_malloc(self, key):
        """ns(key) / ns(malloc+free) of each round"""
        return [r[key][2] / r["base_malloc"][2] for r in self.runs
                if key in r and "base_malloc" in r]


def fmt(v, spec="%.2f"):
    return spec % v if v is not None else "-"


def median(v):
    return statistics.median(v) if v else None


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    opts = {a.split("=")[0]: (a.split("=", 1)[1] if "=" in a else True)
            for a in sys.argv[1:] if a.startswith("--")}
    build = args[0] if args else "build"
    quick = "--quick" in opts
    rounds = int(opts.get("--rounds", 1 if quick else 3))
    timed = "--instr-only" not in opts

    lib = Program("libmbuf", os.path.join(build, "cbench"))
    peers = []          # (column title, Program)
    tmp = tempfile.TemporaryDirectory()
    if "--vs" in opts:
        vs = os.path.abspath(opts["--vs"])
        os.symlink(vs, os.path.join(tmp.name, SONAME))
        # built with MBUF_NO_INLINE: the other library may lack the inline
        # macros' ABI symbol (its MGET rows then measure the calls)
        calls = os.path.join(build, "cbench-calls")
        peers.append(("vs", Program(os.path.basename(vs), calls
                                    if os.access(calls, os.X_OK)
                                    else lib.binary, tmp.name)))
    dpdk = os.path.join(build, "dpdkbench")
    if os.access(dpdk, os.X_OK):
        peers.append(("DPDK", Program("DPDK", dpdk)))
    else:
        print("DPDK columns skipped: no %s (pkg-config libdpdk found no DPDK; "
              "make bench-deps installs dpdk-dev)" % dpdk)
    want_instr = "--no-instr" not in opts
    if want_instr and shutil.which("valgrind") is None:
        print("instruction counts skipped: no valgrind")
        want_instr = False

    programs = [lib] + [p for _, p in peers]
    if timed:
        for r in range(rounds):
            order = programs if r % 2 == 0 else programs[::-1]
            for p in order:
                p.time(quick)
    if want_instr:
        for p in programs:
            p.count()

    names = {k: v[0] for k, v in (lib.runs[0] if lib.runs else lib.instr).items()}
    if timed and "--baselines" in opts:
        with open(opts["--baselines"], "w") as fh:
            for k in names:
                fh.write("%s\t%s\t%.3f\n" % (k, names[k], median(
                    [r[k][2] for r in lib.runs])))

    cols = []
    if timed:
        cols += ["%8s" % "ns", "%7s" % "/malloc", "%6s" % "/base"]
        for title, _ in peers:
            cols += ["%7s" % (title + "/mal"), "%7s" % ("lib/" + title)]
    cols += ["%7s" % "instr"] + ["%7s" % (title + " in") for title, _ in peers]
    print("%-46s %s" % ("libmbuf (C)", " ".join(cols)))
    for k, name in names.items():
        cells = []
        if timed:
            mine = lib.ratio_to_malloc(k)
            b = lib.runs[0][k][3]
            base = [r[k][2] / r[b][2] for r in lib.runs if b in r] if b else []
            cells += ["%8s" % fmt(median([r[k][2] for r in lib.runs])),
                      "%7s" % fmt(median(mine)), "%6s" % fmt(median(base))]
            for _, p in peers:
                theirs = p.ratio_to_malloc(k)
                if k.startswith("base_") and p.binary != lib.binary:
                    theirs = []     # another process's baseline: not a row
                vs = [a / b for a, b in zip(mine, theirs)] if len(theirs) == len(mine) else []
                cells += ["%7s" % fmt(median(theirs)), "%7s" % fmt(median(vs))]
        cells.append("%7s" % fmt(lib.instr[k][1] if k in lib.instr else None, "%.0f"))
        for _, p in peers:
            cells.append("%7s" % fmt(p.instr[k][1] if k in p.instr else None, "%.0f"))
        print("%-46s %s" % (name[:46], " ".join(cells)))

    for title, p in peers:
        if p.binary == lib.binary:
            print("\nvs: cbench against %s" % opts["--vs"])
            continue
        rows = p.runs[0] if p.runs else p.instr
        print("\n%s analogues (bench/dpdkbench.c):" % title)
        seen = set()
        for k, name in names.items():
            if k in rows and not k.startswith("base_") and rows[k][0] not in seen:
                seen.add(rows[k][0])
                print("  %-44s %s" % (name[:44], rows[k][0]))
    print("\n/malloc, X/mal: ratio to malloc(256)+free of the same process; "
          "lib/X below 1: libmbuf ahead;\n%s; instructions per op under "
          "callgrind (2-thread rows: not counted)" % (
              "%d round(s), programs alternating" % rounds if timed else "no timing"))
    tmp.cleanup()


if __name__ == "__main__":
    main()
