"""Hostile state at the library's edges, from Python (issue 11 items 5, 6).

The same behaviour as c_tests/test_leakreport.c, test_drain_guard.c and
test_foreign_tags.c, reached through mbuf.lib: the leak report never
reads through a bad m_owner and counts mbufs an ext_free callback never
gave back; a drain hook that allocates gets a clean failure; tags the
library did not allocate can be linked, found, walked and unlinked.
"""
import ctypes
import mmap
import os
import subprocess
import sys

import pytest

import mbuf
from mbuf import ffi, lib

D, DATA = mbuf.M_DONTWAIT, mbuf.MT_DATA

CHILD = """
import ctypes, mmap, sys
sys.path.insert(0, %r)
import pytest

import mbuf
from mbuf import ffi, lib
%s
"""


def child(code, **env):
    """run code in a fresh interpreter (the library reads its environment
    at load); returns the CompletedProcess"""
    e = dict(os.environ)
    e.pop("MBUF_DEBUG", None)
    e.pop("MBUF_LEAK_REPORT", None)
    e.update(env)
    src = CHILD % (os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."), code)
    return subprocess.run([sys.executable, "-c", src], env=e, capture_output=True,
                          text=True, timeout=120)


def M(addr):
    return ffi.mbuf.from_address(addr)


def leak_report_text():
    libc = ctypes.CDLL(None)
    libc.tmpfile.restype = ctypes.c_void_p
    libc.fflush.argtypes = [ctypes.c_void_p]
    libc.rewind.argtypes = [ctypes.c_void_p]
    libc.fread.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t, ctypes.c_void_p]
    libc.fclose.argtypes = [ctypes.c_void_p]
    f = libc.tmpfile()
    n = lib.mbuf_leak_report(f)
    libc.fflush(f)
    libc.rewind(f)
    buf = ctypes.create_string_buffer(16384)
    got = libc.fread(buf, 1, len(buf) - 1, f)
    libc.fclose(f)
    return n, buf.raw[:got].decode()


# ---- the leak report ------------------------------------------------------

def test_leak_report_names_bad_owners_by_address():
    # in a child: before the fix this faulted or left the depot lock held
    r = child("""
page = mmap.mmap(-1, mmap.PAGESIZE)
mo = ffi.mowner.from_buffer(page)
mo.mo_name = b"plugin"
gone = ctypes.addressof(mo)
del mo
a = lib.m_get(mbuf.M_DONTWAIT, mbuf.MT_DATA)
b = lib.m_getcl(mbuf.M_DONTWAIT, mbuf.MT_DATA, mbuf.M_PKTHDR)
ffi.mbuf.from_address(a).m_owner = 0x10
ffi.mbuf.from_address(b).m_owner = gone
page.close()                        # the owner's memory is gone
assert lib.mbuf_leak_count() == 3   # two mbufs and a cluster
lib.mbuf_leak_report(None)
# no lock was left held: the depots still refill and drain
with mbuf.Packet(b"z" * 100000) as p:
    assert len(p) == 100000
lib.m_free(a)
lib.m_freem(b)
assert lib.mbuf_leak_count() == 0
print("gone=%#x" % gone)
""")
    assert r.returncode == 0, (r.returncode, r.stderr[-3000:])
    gone = r.stdout.split("gone=")[1].strip()
    assert "owner 0x10 (not an attached mowner)" in r.stderr, r.stderr
    assert "owner %s (not an attached mowner)" % gone in r.stderr, r.stderr


def test_leak_report_names_an_attached_owner():
    mo = ffi.mowner()
    mo.mo_name, mo.mo_descr = b"wm0", b"rx"
    lib.mowner_attach(ctypes.byref(mo))
    m = lib.m_get(D, DATA)
    try:
        lib.m_claim(m, ctypes.byref(mo))
        n, text = leak_report_text()
        assert "owner wm0/rx" in text, text
    finally:
        lib.m_free(m)
        lib.mowner_detach(ctypes.byref(mo))


EXT_FREE = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t,
                            ctypes.c_void_p)


def test_ext_free_that_keeps_its_mbuf_is_a_leak():
    kept = []
    forgetful = EXT_FREE(lambda m, buf, size, arg: kept.append(m))
    storage = ctypes.create_string_buffer(256)
    before = lib.mbuf_leak_count()
    m = lib.m_gethdr(D, DATA)
    lib.mbuf_extadd(m, storage, 256, None, forgetful, None)
    lib.m_freem(m)
    assert kept == [m]
    assert lib.mbuf_leak_count() == before + 1
    n, text = leak_report_text()
    assert "1 mbufs never given back by their ext_free" in text, text
    assert "ext_free %#x" % ctypes.cast(forgetful, ctypes.c_void_p).value in text, text
    assert "did not call pool_cache_put" in text, text
    lib.pool_cache_put(ffi.data(lib, "mb_cache"), m)     # late, but accepted
    assert lib.mbuf_leak_count() == before


def test_ext_free_leak_fails_the_process_at_exit():
    r = child("""
EXT_FREE = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p)
keep = EXT_FREE(lambda m, buf, size, arg: None)
storage = ctypes.create_string_buffer(64)
m = lib.m_get(mbuf.M_DONTWAIT, mbuf.MT_DATA)
lib.mbuf_extadd(m, storage, 64, None, keep, None)
lib.m_free(m)
""", MBUF_LEAK_REPORT="1")
    assert r.returncode == 97, (r.returncode, r.stderr)
    assert "did not call pool_cache_put" in r.stderr, r.stderr


def test_bad_owner_leak_at_exit():
    r = child("""
m = lib.m_get(mbuf.M_DONTWAIT, mbuf.MT_DATA)
ffi.mbuf.from_address(m).m_owner = 0x10
""", MBUF_LEAK_REPORT="1")
    assert r.returncode == 97, (r.returncode, r.stderr)
    assert "owner 0x10 (not an attached mowner)" in r.stderr, r.stderr


def test_leak_report_at_exit_survives_faulthandler():
    # faulthandler (pytest enables it) lends the main thread a signal stack
    # that the Go runtime adopts, then Py_Finalize disables and frees it
    # before the report runs at exit: a signal reaching Go code there killed
    # the process ("signal 23 received on thread with no signal stack").
    # A shell sends SIGURG, Go's preemption signal, without pause (until
    # the child is reaped; it holds none of the child's pipes).
    code = """
import os, subprocess, sys
sys.path.insert(0, %r)
import mbuf
from mbuf import lib
subprocess.Popen(["/bin/sh", "-c", "while kill -URG %%d 2>/dev/null; do :; done" %% os.getpid()],
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
keep = [lib.m_get(mbuf.M_DONTWAIT, mbuf.MT_DATA) for _ in range(3000)]
""" % os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    e = dict(os.environ)
    e.pop("MBUF_DEBUG", None)
    e["MBUF_LEAK_REPORT"] = "1"
    r = subprocess.run([sys.executable, "-X", "faulthandler", "-c", code], env=e,
                       capture_output=True, text=True, timeout=120)
    assert "no signal stack" not in r.stderr, r.stderr[:2000]
    assert r.returncode == 97, (r.returncode, r.stderr[:2000])
    assert "libmbuf: LEAK: 3000 objects still allocated at exit" in r.stderr, r.stderr[:2000]


# ---- drain hooks ------------------------------------------------------------

def test_drain_hook_that_allocates_gets_a_clean_failure():
    # in a child: before the fix this recursed until the stack overflowed
    r = child("""
nmb = ffi.data(lib, "nmbclusters")
nmb.value = 10
held = []
while True:
    m = lib.m_getcl(mbuf.M_DONTWAIT, mbuf.MT_DATA, mbuf.M_PKTHDR)
    if not m:
        break
    held.append(m)
assert len(held) == 10
inner = []
HOOK = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
@HOOK
def hook(arg):
    inner.append(lib.m_getcl(mbuf.M_WAIT, mbuf.MT_DATA, 0))   # at the limit
before = mbuf.stats()["drops"]
assert lib.mbuf_register_drain(hook, None) == 0
assert not lib.m_getcl(mbuf.M_WAIT, mbuf.MT_DATA, 0)
assert inner == [None], inner
assert mbuf.stats()["drops"] == before + 2
assert lib.mbuf_unregister_drain(hook, None) == 0
for m in held:
    lib.m_freem(m)
print("ok")
""")
    assert r.returncode == 0 and r.stdout.strip() == "ok", (r.returncode, r.stderr[-3000:])


# ---- foreign tags -------------------------------------------------------------

class FlowState(ctypes.Structure):
    """a tag embedded in a structure, as ported code keeps per-packet state"""
    _fields_ = [("flow_id", ctypes.c_int), ("tag", ffi.m_tag), ("payload", ctypes.c_uint32 * 2)]


def tag_ids(m):
    ids, t = [], lib.m_tag_first(m)
    while t:
        ids.append(ffi.m_tag.from_address(t).m_tag_id)
        t = lib.m_tag_next(m, t)
    return ids


def test_foreign_tag_can_be_linked_found_walked_and_unlinked():
    fs = FlowState(flow_id=7)
    fs.tag.m_tag_id, fs.tag.m_tag_len = 11, 8
    fs.tag.m_tag_link.sle_next = 0x5a5a5a5a5a5a5a58     # garbage: never read
    ftag = ctypes.addressof(fs.tag)
    m = lib.m_gethdr(D, DATA)
    own = lib.m_tag_get(10, 0, mbuf.M_NOWAIT)
    try:
        mbuf.call(lib.m_tag_prepend, m, own)
        mbuf.call(lib.m_tag_prepend, m, ftag)
        assert tag_ids(m) == [11, 10]
        assert mbuf.call(lib.m_tag_find, m, 11, None) == ftag
        assert mbuf.call(lib.m_tag_find, m, 10, ftag) == own
        with mbuf.Packet.adopt(lib.m_copypacket(m, D)) as p:  # tags copied: the library's own
            assert sorted(p.tags) == [10, 11]
        mbuf.call(lib.m_tag_unlink, m, ftag)
        assert tag_ids(m) == [10]
        assert fs.flow_id == 7 and fs.tag.m_tag_link.sle_next is None
    finally:
        lib.m_freem(m)


def test_freeing_a_foreign_tag_needs_the_hook():
    fs = FlowState()
    fs.tag.m_tag_id = 11
    ftag = ctypes.addressof(fs.tag)
    m = lib.m_gethdr(D, DATA)
    mbuf.call(lib.m_tag_prepend, m, ftag)
    with pytest.raises(mbuf.MbufError, match="is a foreign m_tag"):
        mbuf.call(lib.m_freem, m)
    assert tag_ids(m) == [11]                          # nothing changed
    freed = []
    hook = ffi.mbuf_tag_free_t(lambda t: freed.append(t))
    assert not lib.mbuf_set_foreign_tag_free(hook)     # no hook before
    try:
        mbuf.call(lib.m_freem, m)
        assert freed == [ftag]
    finally:
        lib.mbuf_set_foreign_tag_free(ffi.mbuf_tag_free_t())


def test_a_freed_library_tag_is_not_foreign():
    m = lib.m_gethdr(D, DATA)
    t = lib.m_tag_get(1, 4, mbuf.M_NOWAIT)
    lib.m_tag_free(t)
    try:
        with pytest.raises(mbuf.MbufError, match="is not a live m_tag"):
            mbuf.call(lib.m_tag_prepend, m, t)
    finally:
        lib.m_freem(m)
