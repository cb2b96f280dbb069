"""Misuse raises MbufError with the library's message; nothing aborts."""
import gc

import pytest

import mbuf
from mbuf import MbufError, Packet

from helpers import run_ok


def test_bad_offsets_raise_index_and_value_errors(no_leaks):
    p = Packet(b"0123456789")
    with pytest.raises(IndexError, match=r"read\(-1, 4\): outside the packet \(10 bytes\)"):
        p.read(-1, 4)
    with pytest.raises(IndexError, match="outside the packet"):
        p.read(8, 10)
    with pytest.raises(ValueError, match="bad length"):
        p.read(2, -1)
    assert bytes(p) == b"0123456789"    # the chain was not touched
    p.free()


def test_raw_calls_raise_with_the_library_message(no_leaks):
    p = Packet(b"0123456789")
    buf = mbuf.ffi.c_char * 16
    with pytest.raises(MbufError, match=r"m_copydata: off -1"):
        mbuf.call(mbuf.lib.m_copydata, p.address, -1, 4, buf())
    p.free()


def test_double_free_from_c_is_reported():
    m = mbuf.lib.m_get(mbuf.M_DONTWAIT, mbuf.MT_DATA)
    mbuf.lib.m_free(m)
    with pytest.raises(MbufError, match="m_free"):
        mbuf.call(mbuf.lib.m_free, m)


def test_foreign_pointer_is_reported():
    import ctypes
    junk = ctypes.create_string_buffer(512)
    with pytest.raises(MbufError, match="not an mbuf"):
        mbuf.call(mbuf.lib.m_freem, ctypes.addressof(junk))


def test_use_after_free_raises_in_python(no_leaks):
    p = Packet(b"abc")
    p.free()
    p.free()                            # a second free does nothing
    assert not p.alive
    with pytest.raises(MbufError, match="freed"):
        bytes(p)
    assert repr(p) == "<Packet freed>"


def test_context_manager_and_finalizer_free_once(no_leaks):
    with Packet(b"x" * 5000) as p:
        assert len(p) == 5000
    assert not p.alive
    q = Packet(b"y" * 100)
    del q
    gc.collect()


def test_bad_how_is_reported(no_leaks):
    with pytest.raises(MbufError, match="bad how"):
        Packet(b"abc", how=7)


def test_tags_need_a_header(no_leaks):
    p = Packet(b"a" * 100)
    t = p.split(50)
    with pytest.raises(MbufError):
        t.copy(10).tags[1] = b"x"
    p.free()
    t.free()


def test_packets_alive_at_exit_are_freed_quietly():
    # freed by their finalizers as the interpreter goes: no leak report
    code = ("import mbuf\n"
            "keep = mbuf.Packet(b'x' * 3000)\n"
            "zc = mbuf.Packet.from_buffer(bytearray(64))\n"
            "c = zc.copy()\n"
            "try:\n    keep.read(5000, 1)\nexcept IndexError:\n    pass\n"
            "try:\n    mbuf.call(mbuf.lib.m_free, None)\nexcept mbuf.MbufError:\n    pass\n"
            "views = keep.buffers()\n")
    run_ok(code, MBUF_LEAK_REPORT="1")


def test_unchecked_raw_call_leaves_its_message_for_check(no_leaks):
    import ctypes
    buf = ctypes.create_string_buffer(4)
    p = Packet(b"fresh")
    mbuf.lib.m_copydata(p.address, -1, 4, buf)   # straight through lib: unchecked
    with pytest.raises(MbufError, match="m_copydata: off -1"):
        mbuf.check()
    mbuf.lib.m_copydata(p.address, -1, 4, buf)
    assert bytes(p) == b"fresh"                  # a Packet call is not blamed
    assert p.read(1, 3) == b"res"
    with pytest.raises(MbufError, match="m_copydata: off -1"):
        mbuf.check()                             # nor does it drop the message
    mbuf.check()                                 # raised once
    p.free()
