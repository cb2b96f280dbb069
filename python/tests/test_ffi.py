"""The generated low-level module against the library."""
import ctypes
import re
import os

import mbuf
from mbuf import ffi

HEADER = os.path.join(os.path.dirname(__file__), "..", "..", "include", "mbuf.h")


def test_every_prototype_is_bound():
    assert ffi.bind(mbuf.lib) == []
    assert len(ffi.FUNCTIONS) > 60


def test_version_matches_header():
    assert mbuf.version == ffi.LIBMBUF_VERSION


def test_struct_sizes_are_the_netbsd_abi():
    assert ctypes.sizeof(ffi.mbuf) == ffi.MSIZE == 512
    assert ffi.mbuf.M_dat.offset == 56
    assert ffi.MLEN == 456 and ffi.MHLEN == 424 and ffi.MINCLSIZE == 881
    assert ctypes.sizeof(ffi.mowner) == 96 and ctypes.sizeof(ffi.mbstat) == 568


def test_literal_constants_match_the_header_text():
    text = open(HEADER).read()
    defs = {}
    for name, value in re.findall(r"#define\s+(\w+)\s+(0x[0-9a-fA-F]+|\d+)\b", text):
        defs.setdefault(name, []).append(value)
    seen = 0
    for name, values in defs.items():
        if len(values) == 1 and hasattr(ffi, name):   # not LP64/ILP32 pairs
            value = values[0]
            assert getattr(ffi, name) == int(value, 0), name
            seen += 1
    assert seen > 80


def test_member_macros_are_properties():
    m = mbuf.lib.m_gethdr(ffi.M_DONTWAIT, ffi.MT_DATA)
    try:
        mb = ffi.mbuf.from_address(m)
        assert mb.m_flags == ffi.M_PKTHDR and mb.m_len == 0
        assert mb.m_data == m + 88          # m_pktdat
        assert mb.m_type == ffi.MT_DATA and not mb.m_next
        mb.m_len = 7
        assert mb.m_hdr.mh_len == 7
    finally:
        mbuf.lib.m_freem(m)


def test_globals_are_reachable():
    assert ffi.data(mbuf.lib, "msize").value == ffi.MSIZE
    assert ffi.data(mbuf.lib, "mclbytes").value == ffi.MCLBYTES
