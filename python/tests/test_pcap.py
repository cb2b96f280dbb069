"""mbuf.pcap: capture files written from Packets and read back as Records,
checked against scapy (which reads ours and writes files we read) and
tcpdump (which prints and rewrites ours), zero-copy lifetimes, broken
files (hypothesis: truncations and bit flips raise PcapError, never worse),
the module's docstring and the README's C block (its Python block runs in
test_readme.py)."""
import ctypes
import io
import os
import re
import shutil
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import mbuf
from mbuf import MbufError, Packet, pcap

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FORMATS = [dict(ng=ng, nanosecond=ns) for ng in (False, True) for ns in (False, True)]
FMT_IDS = ["pcap-us", "pcap-ns", "pcapng-us", "pcapng-ns"]


def chain(data, pieces):
    """A Packet holding data in about `pieces` mbufs (prepend and cat)."""
    cuts = sorted({len(data) * i // pieces for i in range(1, pieces)})
    parts = [data[a:b] for a, b in zip([0] + cuts, cuts + [len(data)])]
    p = Packet(parts[-1])
    for part in reversed(parts[:-1]):
        q = Packet(part)
        q.cat(p)
        p = q
    return p


def sample(ng):
    """(packet, time_ns, wirelen, flags) of assorted shapes."""
    out = []
    for i, (n, pieces) in enumerate([(0, 1), (1, 1), (60, 3), (1514, 4),
                                     (3000, 5), (9000, 2), (77, 70)]):
        data = bytes((i * 31 + k) & 0xff for k in range(n))
        out.append((chain(data, pieces), 1700000000_000000000 + i * 1_000_000_123,
                    n + (100 if i == 2 else 0), (i + 1) if ng and i % 2 else 0))
    return out


def expected_time(t, nanosecond):
    return t if nanosecond else t - t % 1000


@pytest.mark.parametrize("fmt", FORMATS, ids=FMT_IDS)
@pytest.mark.parametrize("source", ["path", "bytes", "file", "bytearray"])
@pytest.mark.parametrize("zerocopy", [False, True], ids=["copy", "zerocopy"])
def test_round_trip(tmp_path, fmt, source, zerocopy, no_leaks):
    path = tmp_path / "t.pcap"
    pk = sample(fmt["ng"])
    with pcap.Writer(path, snaplen=5000, **fmt) as w:
        for p, t, wl, fl in pk:
            w.write(p, time_ns=t, wirelen=wl, flags=fl)
            assert len(p) == wl - (100 if wl != len(p) else 0)   # unchanged
    src = {"path": path, "bytes": path.read_bytes(), "file": open(path, "rb"),
           "bytearray": bytearray(path.read_bytes())}[source]
    with pcap.Reader(src, zerocopy=zerocopy) as r:
        assert (r.linktype, r.snaplen, r.ng, r.nanosecond) == (
            pcap.LINKTYPE_ETHERNET, 5000, fmt["ng"], fmt["nanosecond"])
        recs = list(r)
    if source == "file":
        src.close()
    assert len(recs) == len(pk)
    for rec, (p, t, wl, fl) in zip(recs, pk):
        assert bytes(rec.packet) == bytes(p)[:5000]
        assert rec.time_ns == expected_time(t, fmt["nanosecond"])
        assert rec.wirelen == max(wl, len(p))
        assert (rec.linktype, rec.interface, rec.flags) == (pcap.LINKTYPE_ETHERNET, 0, fl)
        if zerocopy and len(rec.packet):
            (m,) = rec.packet.mbufs()
            assert m.ext and m.readonly
        rec.packet.free()
    for p, *_ in pk:
        p.free()


def test_zero_copy_keeps_the_buffer(tmp_path, no_leaks):
    data = [bytes([i]) * (100 + i) for i in range(5)]
    path = tmp_path / "zc.pcap"
    pcap.write(path, [Packet(d) for d in data], linktype=pcap.LINKTYPE_RAW)
    cap = bytearray(path.read_bytes())
    handles = mbuf.handles_live()
    r = pcap.Reader(cap, zerocopy=True)
    recs = list(r)
    r.close()
    assert [bytes(x.packet) for x in recs] == data
    assert mbuf.handles_live() == handles + 1
    with pytest.raises(BufferError):
        cap.append(0)                       # exported while packets refer to it
    cap[24 + 16] ^= 0xff                    # the packets are views of cap
    assert recs[0].packet[0] == 0xff
    del recs
    assert mbuf.handles_live() == handles   # released with the last packet
    cap.append(0)


def test_writer_targets(tmp_path, no_leaks):
    """A path, a descriptor, a file object and io.BytesIO give the same file."""
    def fill(target):
        with pcap.Writer(target, ng=True) as w:
            for i in range(3):
                w.write(b"abc" * i, time_ns=i)
    fill(tmp_path / "path.pcapng")
    fd = os.open(tmp_path / "fd.pcapng", os.O_WRONLY | os.O_CREAT, 0o644)
    fill(fd)
    os.write(fd, b"")                       # still open: ours to close
    os.close(fd)
    with open(tmp_path / "obj.pcapng", "wb") as f:
        fill(f)
    mem = io.BytesIO()
    fill(mem)
    want = (tmp_path / "path.pcapng").read_bytes()
    assert (tmp_path / "fd.pcapng").read_bytes() == want
    assert (tmp_path / "obj.pcapng").read_bytes() == want
    assert mem.getvalue() == want
    assert len(list(pcap.read(io.BytesIO(want)))) == 3


def test_writer_to_memory_flushes(no_leaks):
    mem = io.BytesIO()
    w = pcap.Writer(mem)
    w.write(b"abc", time_ns=0)
    w.flush()
    assert len(mem.getvalue()) == 24 + 16 + 3
    w.write(b"de", time_ns=0)
    w.close()
    assert [bytes(r.packet) for r in pcap.read(mem.getvalue())] == [b"abc", b"de"]


def test_copy_a_capture(tmp_path, no_leaks):
    a, b = tmp_path / "a.pcapng", tmp_path / "b.pcapng"
    pk = sample(True)
    with pcap.Writer(a, ng=True, nanosecond=True) as w:
        for p, t, wl, fl in pk:
            w.write(p, time_ns=t, wirelen=wl, flags=fl)
    with pcap.Reader(a, zerocopy=True) as r:
        n = pcap.write(b, r, linktype=r.linktype, snaplen=r.snaplen, ng=r.ng,
                       nanosecond=r.nanosecond)
    assert n == len(pk)
    assert a.read_bytes() == b.read_bytes()
    for p, *_ in pk:
        p.free()


# ---- scapy ------------------------------------------------------------------

scapy = pytest.importorskip("scapy.all")


def frames():
    E, IP, UDP, TCP, IPv6, Raw = (scapy.Ether, scapy.IP, scapy.UDP, scapy.TCP,
                                  scapy.IPv6, scapy.Raw)
    def eth():      # addresses given: scapy would look them up (ARP, slow)
        return E(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    return [
        eth() / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1000, dport=2000) / Raw(b"x" * n)
        for n in (0, 5, 1400)
    ] + [
        eth() / IP(src="10.0.0.3", dst="10.0.0.4") / TCP(sport=80, dport=5555, flags="SA"),
        eth() / IPv6(src="fe80::1", dst="fe80::2") / UDP(sport=53, dport=53) / Raw(b"dns?"),
    ]


@pytest.mark.parametrize("fmt", FORMATS, ids=FMT_IDS)
def test_scapy_reads_ours(tmp_path, fmt, no_leaks):
    path = str(tmp_path / "s.pcap")
    fs = frames()
    with pcap.Writer(path, **fmt) as w:
        for i, f in enumerate(fs):
            w.write(bytes(f), time_ns=1600000000_250000000 + i * 1000)
    got = scapy.rdpcap(path)
    assert [bytes(g) for g in got] == [bytes(f) for f in fs]
    for i, g in enumerate(got):
        assert round(float(g.time) * 1e6) == 1600000000_250000 + i


def test_we_read_scapy(tmp_path, no_leaks):
    fs = frames()
    for i, f in enumerate(fs):
        f.time = 1500000000 + i + 0.5
    p1 = str(tmp_path / "scapy.pcap")
    scapy.wrpcap(p1, fs)
    p2 = str(tmp_path / "scapy.pcapng")
    w = scapy.PcapNgWriter(p2)
    for f in fs:
        w.write(f)
    w.close()
    for p in (p1, p2):
        recs = list(pcap.read(p, zerocopy=True))
        assert [bytes(r.packet) for r in recs] == [bytes(f) for f in fs]
        assert [r.time_ns for r in recs] == [(1500000000 + i) * 10**9 + 5 * 10**8
                                            for i in range(len(fs))]
        assert all(r.linktype == pcap.LINKTYPE_ETHERNET for r in recs)
        # scapy's packets parse our chains' bytes
        assert scapy.Ether(bytes(recs[0].packet))[scapy.UDP].dport == 2000


# ---- tcpdump ------------------------------------------------------------------

TCPDUMP = shutil.which("tcpdump") or "/usr/bin/tcpdump"
needs_tcpdump = pytest.mark.skipif(not os.path.exists(TCPDUMP), reason="no tcpdump")


@needs_tcpdump
@pytest.mark.parametrize("fmt", FORMATS, ids=FMT_IDS)
def test_tcpdump_reads_ours(tmp_path, fmt, no_leaks):
    path = str(tmp_path / "d.pcap")
    fs = frames()
    with pcap.Writer(path, **fmt) as w:
        for i, f in enumerate(fs):
            w.write(Packet(bytes(f)), time_ns=1600000000_123456789 + i)
    prec = ["--time-stamp-precision=nano"] if fmt["nanosecond"] else []
    out = subprocess.run([TCPDUMP, "-r", path, "-nn", "-tt"] + prec,
                         capture_output=True, text=True, check=True)
    lines = out.stdout.splitlines()
    assert len(lines) == len(fs), out.stdout + out.stderr
    stamp = "1600000000.123456789" if fmt["nanosecond"] else "1600000000.123456"
    assert lines[0].startswith(stamp + " IP 10.0.0.1.1000 > 10.0.0.2.2000: UDP, length 0")
    assert "UDP, length 1400" in lines[2]
    assert "IP 10.0.0.3.80 > 10.0.0.4.5555: Flags [S.]" in lines[3]
    assert "IP6 fe80::1.53 > fe80::2.53" in lines[4]
    assert "link-type EN10MB" in out.stderr


@needs_tcpdump
@pytest.mark.parametrize("fmt", FORMATS, ids=FMT_IDS)
def test_tcpdump_rewrites_ours(tmp_path, fmt, no_leaks):
    """tcpdump -r ours -w - (always pcap): we read back the same records."""
    path = str(tmp_path / "d.pcap")
    pk = sample(fmt["ng"])
    with pcap.Writer(path, snaplen=2000, **fmt) as w:
        for p, t, wl, fl in pk:
            w.write(p, time_ns=t, wirelen=wl)
    prec = ["--time-stamp-precision=nano"] if fmt["nanosecond"] else []
    out = subprocess.run([TCPDUMP, "-r", path, "-w", "-"] + prec,
                         capture_output=True, check=True).stdout
    with pcap.Reader(out) as r:
        assert (r.ng, r.nanosecond, r.snaplen) == (False, fmt["nanosecond"], 2000)
        recs = list(r)
    assert [bytes(r.packet) for r in recs] == [bytes(p)[:2000] for p, *_ in pk]
    assert [r.time_ns for r in recs] == [expected_time(t, fmt["nanosecond"]) for _, t, _, _ in pk]
    assert [r.wirelen for r in recs] == [max(wl, len(p)) for p, _, wl, _ in pk]
    for p, *_ in pk:
        p.free()


# ---- errors -------------------------------------------------------------------

def test_errors(tmp_path, no_leaks):
    with pytest.raises(pcap.PcapError, match="not a pcap or pcapng file"):
        pcap.Reader(b"GET / HTTP/1.0\r\n\r\n")
    with pytest.raises(pcap.PcapError, match="empty file"):
        pcap.Reader(b"")
    with pytest.raises(FileNotFoundError):
        pcap.Reader(tmp_path / "absent.pcap")
    path = tmp_path / "t.pcap"
    pcap.write(path, [b"abcdef", b"ghi"])
    data = path.read_bytes()
    with pytest.raises(pcap.PcapError, match="truncated record at offset 46"):
        list(pcap.read(data[:-1]))
    r = pcap.Reader(data[:-1])
    assert bytes(next(r).packet) == b"abcdef"
    with pytest.raises(pcap.PcapError):
        next(r)
    with pytest.raises(pcap.PcapError):     # broken for good
        next(r)
    r.close()
    with pcap.Writer(tmp_path / "o.pcap") as w:
        with pytest.raises(OverflowError):
            w.write(b"x", time_ns=-1)
        with pytest.raises(OverflowError):
            w.write(b"x", time=2.0**32)
        w.write(b"x", time=0)               # still usable
    with pytest.raises(ValueError, match="closed"):
        w.write(b"x")
    with pytest.raises(MbufError, match="linktype 70000"):
        pcap.Writer(tmp_path / "bad.pcap", linktype=70000)
    with pytest.raises(MbufError, match="ts_nsec"):
        with pcap.Writer(tmp_path / "bad2.pcap") as w:
            with Packet(b"x") as p:
                h = mbuf.ffi.mbuf_pcap_pkthdr(ts_nsec=10**9)
                assert mbuf.lib.mbuf_pcap_dump(w._d, p.address, ctypes.byref(h)) == -1
                mbuf.check()


def test_time_now_and_float(tmp_path, no_leaks):
    import time
    path = tmp_path / "n.pcap"
    t0 = time.time_ns()
    with pcap.Writer(path, nanosecond=True) as w:
        w.write(b"now")
        w.write(b"float", time=1234.5)
    t1 = time.time_ns()
    a, b = pcap.read(path)
    assert t0 - 1000 <= a.time_ns <= t1 + 1000     # CLOCK_REALTIME vs time_ns
    assert b.time_ns == 1234_500000000 and b.time == 1234.5


# ---- hypothesis: round trips and broken files -----------------------------------

packets = st.lists(st.tuples(st.binary(max_size=3000),
                             st.integers(0, 2**32 - 1), st.integers(0, 999_999_999),
                             st.integers(0, 5000), st.integers(0, 2**32 - 1)),
                   max_size=12)


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pk=packets, fmt=st.sampled_from(FORMATS), zc=st.booleans(),
       snaplen=st.sampled_from([0, 64, 1500]))
def test_property_round_trip(tmp_path, pk, fmt, zc, snaplen):
    path = tmp_path / "p.pcap"
    with pcap.Writer(path, snaplen=snaplen, **fmt) as w:
        for data, sec, ns, extra, fl in pk:
            w.write(data, time_ns=sec * 10**9 + ns, wirelen=len(data) + extra, flags=fl)
    recs = list(pcap.read(path.read_bytes(), zerocopy=zc))
    cut = snaplen or pcap.SNAPLEN_MAX
    assert [bytes(r.packet) for r in recs] == [d[:cut] for d, *_ in pk]
    assert [r.time_ns for r in recs] == [expected_time(s * 10**9 + n, fmt["nanosecond"])
                                        for _, s, n, _, _ in pk]
    assert [r.wirelen for r in recs] == [len(d) + e for d, _, _, e, _ in pk]
    assert [r.flags for r in recs] == [f if fmt["ng"] else 0 for *_, f in pk]


_good = {}


def good_file(ng):
    if ng not in _good:
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "good.pcap")
            pcap.write(path, [bytes(range(n % 256)) * (1 + n // 256)
                              for n in (0, 3, 60, 300, 1500)], ng=ng, nanosecond=ng)
            _good[ng] = open(path, "rb").read()
    return _good[ng]


@settings(max_examples=300, deadline=None, database=None)
@given(ng=st.booleans(), cut=st.integers(0, 2000),
       flips=st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 255)), max_size=4),
       zc=st.booleans())
def test_property_broken_files(ng, cut, flips, zc):
    data = bytearray(good_file(ng))
    for pos, val in flips:
        data[pos % len(data)] = val
    data = bytes(data[:len(data) - cut % len(data)])
    try:
        for rec in pcap.read(data, zerocopy=zc):
            assert len(rec.packet) <= pcap.SNAPLEN_MAX
            rec.packet.free()
    except pcap.PcapError as e:
        assert str(e)


# ---- the README's section ---------------------------------------------------------

def readme_section():
    text = open(os.path.join(ROOT, "README.md")).read()
    m = re.search(r"^## Capture files.*?(?=^## )", text, re.S | re.M)
    assert m, "README.md has no '## Capture files' section"
    return m.group(0)


def test_docstring(no_leaks):
    import doctest
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in finder.find(pcap):
        runner.run(test)
    r = runner.summarize(verbose=False)
    assert r.failed == 0 and r.attempted > 3


def test_readme_c_block_compiles(tmp_path):
    block = re.search(r"```c\n(.*?)```", readme_section(), re.S).group(1)
    src = tmp_path / "readme.c"
    src.write_text("#include <errno.h>\n#include <stdio.h>\n#include <mbuf.h>\n"
                   "void send_somewhere(struct mbuf *);\n"
                   "int example(struct mbuf *m, const char *path, const char *out)\n{\n"
                   + block + "\nreturn 0;\n}\n")
    cc = shutil.which("cc") or "gcc"
    r = subprocess.run([cc, "-std=c11", "-Wall", "-Werror", "-Wno-unused-variable",
                        "-fsyntax-only", "-I", os.path.join(ROOT, "include"), str(src)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
