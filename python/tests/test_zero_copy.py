"""External storage owned by Python objects through handles."""
import array
import ctypes
import sys
import threading

import pytest

import mbuf
from mbuf import MbufError, Packet


def test_buffer_freed_from_c_is_released_exactly_once(no_leaks):
    buf = bytearray(b"x" * 1000)
    base = sys.getrefcount(buf)
    p = Packet.from_buffer(buf)
    assert sys.getrefcount(buf) == base + 1 and mbuf.handles_live() >= 1
    with pytest.raises(BufferError):
        buf.append(0)                          # exported: cannot move
    c = p.copy()                               # a second reference (m_copym)
    mbuf.lib.m_freem(p.detach())               # C frees the original chain
    assert sys.getrefcount(buf) == base + 1    # still held by the copy
    assert bytes(c[:3]) == b"xxx"
    mbuf.lib.m_freem(c.detach())               # the last reference, from C
    assert sys.getrefcount(buf) == base        # released once, not twice
    buf.append(0)                              # and no longer exported


def test_storage_is_the_buffer(no_leaks):
    buf = bytearray(100)
    p = Packet.from_buffer(buf)
    (m,) = p.mbufs()
    assert m.ext and not m.readonly and "EXT_RW" in m.flag_names
    p.copyback(0, b"written")                  # writable: in place
    assert bytes(buf[:7]) == b"written"
    buf[10:12] = b"AB"
    assert p[10:12] == b"AB"
    p.free()


def test_read_only_buffers_are_copied_on_write(no_leaks):
    data = b"immutable bytes"
    p = Packet.from_buffer(data)
    assert p.mbufs()[0].readonly
    p.copyback(0, b"IM")
    assert bytes(p) == b"IMmutable bytes" and data == b"immutable bytes"
    p.free()
    with pytest.raises(TypeError):
        Packet.from_buffer(b"x", writable=True)


def test_other_buffer_objects(no_leaks):
    a = array.array("I", range(10))
    p = Packet.from_buffer(a)
    assert bytes(p) == a.tobytes()
    cbuf = ctypes.create_string_buffer(b"c buffer", 8)
    q = Packet.from_buffer(cbuf)
    assert bytes(q) == b"c buffer"
    p.free()
    q.free()


def test_c_memory_kept_alive_by_an_owner(no_leaks):
    class Owner:
        released = 0

        def __del__(self):
            Owner.released += 1

    owner = Owner()
    owner.mem = ctypes.create_string_buffer(b"raw C memory", 12)
    p = Packet.from_address(ctypes.addressof(owner.mem), 12, owner)
    del owner
    assert Owner.released == 0                 # the handle holds it
    assert bytes(p) == b"raw C memory"
    p.free()
    assert Owner.released == 1


def test_release_from_another_thread(no_leaks):
    buf = bytearray(b"t" * 64)
    base = sys.getrefcount(buf)
    addr = Packet.from_buffer(buf).detach()
    t = threading.Thread(target=mbuf.lib.m_freem, args=(addr,))
    t.start()
    t.join()
    assert sys.getrefcount(buf) == base


def test_non_contiguous_buffers_are_refused():
    with pytest.raises(BufferError):
        Packet.from_buffer(memoryview(bytearray(10))[::2])
    with pytest.raises(MbufError, match="NULL object"):
        mbuf.call(mbuf.lib.mbuf_attach_pybuffer, None, 0, mbuf.M_DONTWAIT)


def test_release_from_a_thread_python_never_saw(no_leaks):
    """A plain C thread (pthread_create, no Python thread state) frees the
    last reference: the release takes the GIL by itself."""
    libc = ctypes.CDLL(None)
    buf = bytearray(b"c" * 64)
    base = sys.getrefcount(buf)
    addr = Packet.from_buffer(buf).detach()
    tid = ctypes.c_ulong()
    start = ctypes.cast(mbuf.lib.m_freem, ctypes.c_void_p)
    assert libc.pthread_create(ctypes.byref(tid), None, start, ctypes.c_void_p(addr)) == 0
    assert libc.pthread_join(tid, None) == 0   # ctypes drops the GIL while joining
    assert sys.getrefcount(buf) == base
