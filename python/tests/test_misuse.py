"""The misuse catalogue (docs/misuse.md) from Python.

Every case of c_tests/test_misuse.c that Python can reach, by the same
name: the call raises MbufError with the library's message, the process
stays alive, nothing is left allocated; each with the C fast paths on and
off (mbuf_set_fastpath), which must give the same message.  Then the errno cases of
kern.mbuf, debug mode and the leak report at exit (in child processes,
since both are read when the library loads).
"""
import ctypes
import errno
import os
import re
import subprocess
import sys

import pytest

import mbuf
from mbuf import MbufError, Packet, ffi, lib

from helpers import PACKAGE_ROOT

D, DATA = mbuf.M_DONTWAIT, mbuf.MT_DATA
scratch = ctypes.create_string_buffer(4096)


def M(addr):
    """the struct mbuf at addr"""
    return ffi.mbuf.from_address(addr)


def pkt(n):
    """a header mbuf holding n bytes (raw, for calls straight to lib)"""
    m = lib.m_gethdr(D, DATA)
    ctypes.memmove(M(m).m_hdr.mh_data, bytes(range(n)), n)
    M(m).m_hdr.mh_len = n
    M(m).M_dat.MH.MH_pkthdr.len = n
    return m


def clpkt(n):
    m = lib.m_getcl(D, DATA, mbuf.M_PKTHDR)
    M(m).m_hdr.mh_len = n
    M(m).M_dat.MH.MH_pkthdr.len = n
    return m


def freed():
    m = lib.m_gethdr(D, DATA)
    lib.m_free(m)
    return m


def null_fn(fn, k):
    """a NULL function pointer for argument k of fn"""
    return fn.argtypes[k]()


def raises(fn, *args):
    """call fn, which must raise MbufError; return its message"""
    with pytest.raises(MbufError) as e:
        mbuf.call(fn, *args)
    return str(e.value)


# ---- the cases: each returns the message of the violation it provoked ----

def c_free_null():
    return raises(lib.m_free, None)


def c_double_free():
    m = lib.m_get(D, DATA)
    lib.m_free(m)
    return raises(lib.m_free, m)


def c_double_freem():
    m = clpkt(100)
    lib.m_freem(m)
    return raises(lib.m_freem, m)


def c_freem_foreign():
    fake = ctypes.create_string_buffer(512)
    return raises(lib.m_freem, ctypes.addressof(fake))


def c_free_interior():
    m = lib.m_get(D, DATA)
    try:
        return raises(lib.m_free, m + 64)
    finally:
        lib.m_free(m)


def c_freem_freed_in_chain():
    a, b = pkt(10), lib.m_get(D, DATA)
    M(a).m_hdr.mh_next = b
    lib.m_free(b)
    return raises(lib.m_freem, a)


def c_get_bad_how():
    return raises(lib.m_get, 5, DATA)


def c_gethdr_bad_type():
    return raises(lib.m_gethdr, D, -3)


def c_getcl_bad_type():
    return raises(lib.m_getcl, D, 256, mbuf.M_PKTHDR)


def c_clget_null():
    return raises(lib.m_clget, None, D)


def c_clget_twice():
    m = clpkt(1)
    try:
        return raises(lib.m_clget, m, D)
    finally:
        lib.m_freem(m)


def c_clget_freed():
    return raises(lib.m_clget, freed(), D)


def c_chtype_free():
    m = lib.m_get(D, DATA)
    try:
        return raises(lib.mbuf_chtype, m, mbuf.MT_FREE)
    finally:
        lib.m_free(m)


def c_ext_free_plain():
    m = lib.m_get(D, DATA)
    try:
        return raises(lib.m_ext_free, m)
    finally:
        lib.m_free(m)


def c_pool_put_live():
    m = lib.m_get(D, DATA)
    try:
        return raises(lib.pool_cache_put, ffi.data(lib, "mb_cache").value, m)
    finally:
        lib.m_free(m)


def c_pool_put_cluster_cache():
    m = lib.m_get(D, DATA)
    try:
        return raises(lib.pool_cache_put, ffi.data(lib, "mcl_cache").value, m)
    finally:
        lib.m_free(m)


def c_extmalloc_freed():
    return raises(lib.mbuf_extmalloc, freed(), 1000, D)


def c_tag_get_too_long():
    return raises(lib.m_tag_get, 1, 70000, mbuf.M_NOWAIT)


def c_tag_double_free():
    t = lib.m_tag_get(1, 4, mbuf.M_NOWAIT)
    lib.m_tag_free(t)
    return raises(lib.m_tag_free, t)


def c_tag_prepend_no_hdr():
    m, t = lib.m_get(D, DATA), lib.m_tag_get(1, 4, mbuf.M_NOWAIT)
    try:
        return raises(lib.m_tag_prepend, m, t)
    finally:
        lib.m_tag_free(t)
        lib.m_free(m)


def c_tag_prepend_null():
    m = pkt(0)
    try:
        return raises(lib.m_tag_prepend, m, None)
    finally:
        lib.m_freem(m)


def c_tag_unlink_other():
    m, t = pkt(0), lib.m_tag_get(1, 4, mbuf.M_NOWAIT)
    try:
        return raises(lib.m_tag_unlink, m, t)
    finally:
        lib.m_tag_free(t)
        lib.m_freem(m)


def c_tag_find_freed():
    return raises(lib.m_tag_find, freed(), 1, None)


def with_pkt(n, fn, *args):
    """fn(m, *args) on a fresh n-byte packet, freed afterwards"""
    m = pkt(n)
    try:
        return raises(fn, m, *args)
    finally:
        lib.m_freem(m)


def c_copym_neg_off():
    return with_pkt(10, lib.m_copym, -1, 4, D)


def c_copym_past_end():
    return with_pkt(10, lib.m_copym, 4, 20, D)


def c_copym_off_past_end():
    return with_pkt(10, lib.m_copym, 11, mbuf.M_COPYALL, D)


def c_copym_freed():
    return raises(lib.m_copym, freed(), 0, mbuf.M_COPYALL, D)


def c_copym_bad_how():
    return with_pkt(10, lib.m_copym, 0, 4, 7)


def c_dup_neg_len():
    return with_pkt(10, lib.m_dup, 0, -5, D)


def c_copydata_past_end():
    return with_pkt(10, lib.m_copydata, 0, 11, scratch)


def c_copydata_copyall():
    return with_pkt(10, lib.m_copydata, 2, mbuf.M_COPYALL, scratch)


def c_copydata_null_dst():
    return with_pkt(10, lib.m_copydata, 0, 4, None)


def c_copypacket_no_hdr():
    m = lib.m_get(D, DATA)
    try:
        return raises(lib.m_copypacket, m, D)
    finally:
        lib.m_free(m)


def c_copyback_neg_off():
    return with_pkt(10, lib.m_copyback, -1, 4, scratch)


def c_copyback_readonly():
    m = clpkt(100)
    c = lib.m_copym(m, 0, mbuf.M_COPYALL, D)
    try:
        return raises(lib.m_copyback, m, 10, 4, scratch)
    finally:
        lib.m_freem(c)
        lib.m_freem(m)


def c_copyback_cow_past_end():
    return with_pkt(10, lib.m_copyback_cow, 8, 4, scratch, D)


def c_makewritable_null():
    return raises(lib.m_makewritable, None, 0, 1, D)


def c_pullup_neg():
    return with_pkt(10, lib.m_pullup, -1)


def c_copyup_bad_dstoff():
    return with_pkt(10, lib.m_copyup, 10, -1)


def c_prepend_too_long():
    return with_pkt(10, lib.m_prepend, mbuf.MCLBYTES, D)


def c_pulldown_neg_off():
    off = ctypes.c_int()
    return with_pkt(10, lib.m_pulldown, -1, 4, ctypes.byref(off))


def c_pulldown_null():
    off = ctypes.c_int()
    return raises(lib.m_pulldown, None, 0, 4, ctypes.byref(off))


def c_split_freed():
    return raises(lib.m_split, freed(), 2, D)


def c_cat_freed():
    m = pkt(10)
    try:
        return raises(lib.m_cat, m, freed())
    finally:
        lib.m_freem(m)


def c_adj_freed():
    return raises(lib.m_adj, freed(), 2)


def c_apply_null_fn():
    return with_pkt(10, lib.m_apply, 0, 4, null_fn(lib.m_apply, 3), None)


def c_apply_past_end():
    nop = lib.m_apply.argtypes[3](lambda arg, data, n: 0)
    return with_pkt(10, lib.m_apply, 5, 10, nop, None)


def c_getptr_null_off():
    return with_pkt(10, lib.m_getptr, 0, None)


def c_prepend_neg():
    return with_pkt(10, lib.m_prepend, -5, D)


def c_devget_null_buf():
    return raises(lib.m_devget, None, 10, 0, None, null_fn(lib.m_devget, 4))


def c_tag_delete_other():
    m, t = pkt(0), lib.m_tag_get(1, 4, mbuf.M_NOWAIT)
    try:
        return raises(lib.m_tag_delete, m, t)
    finally:
        lib.m_tag_free(t)
        lib.m_freem(m)


def c_move_pkthdr_no_hdr():
    to, frm = lib.m_get(D, DATA), lib.m_get(D, DATA)
    try:
        return raises(lib.m_move_pkthdr, to, frm)
    finally:
        lib.m_free(to)
        lib.m_free(frm)


def c_makewritable_freed():
    m = ctypes.c_void_p(freed())
    return raises(lib.m_makewritable, ctypes.byref(m), 0, 1, D)


def c_claimm_freed():
    return raises(lib.m_claimm, freed(), None)


def c_tag_copy_null():
    return raises(lib.m_tag_copy, None)


def c_zombie_use():
    m = clpkt(100)
    c = lib.m_copym(m, 0, mbuf.M_COPYALL, D)
    lib.m_freem(m)
    try:
        return raises(lib.m_copym, m, 0, 10, D)
    finally:
        lib.m_freem(c)


def c_cat_self():
    return with_pkt(10, lambda m: lib.m_cat(m, m))


def c_tag_prepend_twice():
    m, t = pkt(0), lib.m_tag_get(1, 4, mbuf.M_NOWAIT)
    lib.m_tag_prepend(m, t)
    try:
        return raises(lib.m_tag_prepend, m, t)
    finally:
        lib.m_freem(m)


def c_move_pkthdr_ext():
    to, frm = lib.m_getcl(D, DATA, 0), pkt(4)
    try:
        return raises(lib.m_move_pkthdr, to, frm)
    finally:
        lib.m_freem(to)
        lib.m_freem(frm)


def c_devget_neg():
    return raises(lib.m_devget, scratch, -1, 0, None, null_fn(lib.m_devget, 4))


def c_extadd_twice():
    m = clpkt(1)
    buf = ctypes.create_string_buffer(100)
    try:
        return raises(lib.mbuf_extadd, m, buf, 100, None, null_fn(lib.mbuf_extadd, 4), None)
    finally:
        lib.m_freem(m)


def c_drain_null():
    return raises(lib.mbuf_register_drain, null_fn(lib.mbuf_register_drain, 0), None)


# name -> (case, fragments of the message), as in c_tests/test_misuse.c
# broken chains and aliases: the C fast paths check these as the core does
# (a call checks the mbufs it uses: the ranges below reach the second one)

def pkt2():
    """a header mbuf of 10 bytes followed by a plain one of 10"""
    m, n = pkt(10), lib.m_get(D, DATA)
    M(n).m_hdr.mh_len = 10
    M(m).m_hdr.mh_next = n
    M(m).M_dat.MH.MH_pkthdr.len = 20
    return m


def with_broken(fn, *args, second_len=None, cycle=False, data_shift=0, head_len=None, freed_second=False):
    """fn(m, *args) on pkt2() broken one way, repaired and freed afterwards"""
    m = pkt2()
    n = M(m).m_hdr.mh_next
    if freed_second:
        lib.m_free(n)
    if second_len is not None:
        M(n).m_hdr.mh_len = second_len
    if cycle:
        M(n).m_hdr.mh_next = n
    if head_len is not None:
        M(m).m_hdr.mh_len = head_len
    M(m).m_hdr.mh_data += data_shift
    try:
        return raises(fn, m, *args)
    finally:
        M(m).m_hdr.mh_data -= data_shift
        M(m).m_hdr.mh_len = 10
        if freed_second:
            M(m).m_hdr.mh_next = None
        else:
            M(n).m_hdr.mh_len = 0
            M(n).m_hdr.mh_next = None
        lib.m_freem(m)


def c_move_pkthdr_self():
    return with_pkt(10, lambda m: lib.m_move_pkthdr(m, m))


def c_copydata_neg_m_len():
    return with_broken(lib.m_copydata, 5, 10, scratch, second_len=-5)


def c_copyback_neg_m_len():
    return with_broken(lib.m_copyback, 8, 4, scratch, second_len=-5)


def c_copym_neg_m_len():
    return with_broken(lib.m_copym, 0, mbuf.M_COPYALL, D, second_len=-5)


def c_split_neg_m_len():
    return with_broken(lib.m_split, 12, D, second_len=-5)


def c_pulldown_neg_m_len():
    off = ctypes.c_int()
    return with_broken(lib.m_pulldown, 8, 4, ctypes.byref(off), second_len=-5)


def c_adj_len_too_long():
    return with_broken(lib.m_adj, 2, head_len=ffi.MLEN + 1)


def c_copydata_data_outside():
    return with_broken(lib.m_copydata, 0, 4, scratch, data_shift=-200)


def c_adj_cycle():
    return with_broken(lib.m_adj, -5, cycle=True)


def c_copym_cycle():
    return with_broken(lib.m_copym, 5, 20, D, cycle=True)


def c_copyback_null_src():
    return with_pkt(10, lib.m_copyback, 0, 4, None)


def c_pullup_freed_in_chain():
    return with_broken(lib.m_pullup, 14, freed_second=True)


def c_copydata_freed_in_chain():
    return with_broken(lib.m_copydata, 5, 10, scratch, freed_second=True)


CASES = {
    "free_null": (c_free_null, ["m_free: NULL mbuf"]),
    "double_free": (c_double_free, ["m_free: mbuf 0x", "is not allocated"]),
    "double_freem": (c_double_freem, ["m_freem: mbuf 0x", "is not allocated"]),
    "freem_foreign": (c_freem_foreign, ["m_freem: 0x", "is not an mbuf (outside the mbuf arena)"]),
    "free_interior": (c_free_interior, ["m_free: 0x", "points inside an mbuf"]),
    "freem_freed_in_chain": (c_freem_freed_in_chain, ["m_freem: mbuf 0x", "is not allocated"]),
    "get_bad_how": (c_get_bad_how, ["m_get: bad how 5"]),
    "gethdr_bad_type": (c_gethdr_bad_type, ["m_gethdr: bad mbuf type -3"]),
    "getcl_bad_type": (c_getcl_bad_type, ["m_getcl: bad mbuf type 256"]),
    "clget_null": (c_clget_null, ["m_clget: NULL mbuf"]),
    "clget_twice": (c_clget_twice, ["m_clget: mbuf 0x", "already has external storage"]),
    "clget_freed": (c_clget_freed, ["m_clget: mbuf 0x", "is not allocated"]),
    "chtype_free": (c_chtype_free, ["MCHTYPE: bad mbuf type 0"]),
    "ext_free_plain": (c_ext_free_plain, ["m_ext_free: mbuf 0x", "has no external storage"]),
    "pool_put_live": (c_pool_put_live, ["pool_cache_put: ", "0x", "ext_free"]),
    "pool_put_cluster_cache": (c_pool_put_cluster_cache, ["pool_cache_put: pool 0x", "is not mb_cache"]),
    "extadd_twice": (c_extadd_twice, ["MEXTADD: mbuf 0x", "already has external storage"]),
    "drain_null": (c_drain_null, ["mbuf_register_drain: NULL drain function"]),
    "extmalloc_freed": (c_extmalloc_freed, ["MEXTMALLOC: mbuf 0x", "is not allocated"]),
    "tag_get_too_long": (c_tag_get_too_long, ["m_tag_get: len 70000 does not fit"]),
    "tag_double_free": (c_tag_double_free, ["m_tag_free: 0x", "is not a live m_tag"]),
    "tag_prepend_no_hdr": (c_tag_prepend_no_hdr, ["m_tag_prepend: mbuf 0x", "has no packet header"]),
    "tag_prepend_null": (c_tag_prepend_null, ["m_tag_prepend: NULL tag"]),
    "tag_unlink_other": (c_tag_unlink_other, ["m_tag_unlink: tag 0x", "is not on mbuf"]),
    "tag_find_freed": (c_tag_find_freed, ["m_tag_find: mbuf 0x", "is not allocated"]),
    "copym_neg_off": (c_copym_neg_off, ["m_copym: off -1, len 4"]),
    "copym_past_end": (c_copym_past_end, ["m_copym: m == 0, len 14 [!COPYALL]"]),
    "copym_off_past_end": (c_copym_off_past_end, ["m_copym: m == 0, off 1"]),
    "copym_freed": (c_copym_freed, ["m_copym: mbuf 0x", "is not allocated"]),
    "copym_bad_how": (c_copym_bad_how, ["m_copym: bad how 7"]),
    "dup_neg_len": (c_dup_neg_len, ["m_dup: off 0, len -5"]),
    "copydata_past_end": (c_copydata_past_end, ["m_copydata: m == NULL, len 1"]),
    "copydata_copyall": (c_copydata_copyall, ["m_copydata: m == NULL, len", "1000000000"]),
    "copydata_null_dst": (c_copydata_null_dst, ["m_copydata: NULL destination"]),
    "copypacket_no_hdr": (c_copypacket_no_hdr, ["m_copypacket: mbuf 0x", "has no packet header"]),
    "copyback_neg_off": (c_copyback_neg_off, ["m_copyback: off -1, len 4"]),
    "copyback_readonly": (c_copyback_readonly, ["m_copyback0: read-only"]),
    "copyback_cow_past_end": (c_copyback_cow_past_end, ["m_copyback_cow: off 8 + len 4 is past the packet length 10"]),
    "makewritable_null": (c_makewritable_null, ["m_makewritable: NULL chain pointer"]),
    "pullup_neg": (c_pullup_neg, ["m_pullup: len -1"]),
    "copyup_bad_dstoff": (c_copyup_bad_dstoff, ["m_copyup: len 10, dstoff -1"]),
    "prepend_too_long": (c_prepend_too_long, ["m_prepend: len 2048"]),
    "pulldown_neg_off": (c_pulldown_neg_off, ["m_pulldown: off -1, len 4"]),
    "pulldown_null": (c_pulldown_null, ["m_pulldown: m == NULL"]),
    "split_freed": (c_split_freed, ["m_split: mbuf 0x", "is not allocated"]),
    "cat_freed": (c_cat_freed, ["m_cat: mbuf 0x", "is not allocated"]),
    "adj_freed": (c_adj_freed, ["m_adj: mbuf 0x", "is not allocated"]),
    "apply_null_fn": (c_apply_null_fn, ["m_apply: NULL function"]),
    "apply_past_end": (c_apply_past_end, ["m_apply: off 5 + len 10 is past the chain of 10 bytes"]),
    "getptr_null_off": (c_getptr_null_off, ["m_getptr: NULL off pointer"]),
    "prepend_neg": (c_prepend_neg, ["m_prepend: len -5 does not fit in one mbuf"]),
    "devget_null_buf": (c_devget_null_buf, ["m_devget: NULL buffer for 10 bytes"]),
    "tag_delete_other": (c_tag_delete_other, ["m_tag_unlink: tag 0x", "is not on mbuf 0x"]),
    "move_pkthdr_no_hdr": (c_move_pkthdr_no_hdr, ["m_move_pkthdr: mbuf 0x", "has no packet header"]),
    "makewritable_freed": (c_makewritable_freed, ["m_makewritable: mbuf 0x", "is not allocated"]),
    "claimm_freed": (c_claimm_freed, ["m_claimm: mbuf 0x", "is not allocated"]),
    "tag_copy_null": (c_tag_copy_null, ["m_tag_copy: NULL tag"]),
    "zombie_use": (c_zombie_use, ["m_copym: mbuf 0x", "was already freed (its storage is still shared)"]),
    "cat_self": (c_cat_self, ["m_cat: chain 0x", "is already linked to chain 0x"]),
    "tag_prepend_twice": (c_tag_prepend_twice, ["m_tag_prepend: tag 0x", "is already on this tag list"]),
    "move_pkthdr_ext": (c_move_pkthdr_ext, ["m_move_pkthdr: destination 0x", "has external storage"]),
    "devget_neg": (c_devget_neg, ["m_devget: totlen -1, off0 0"]),
    "move_pkthdr_self": (c_move_pkthdr_self, ["m_move_pkthdr: source and destination are the same mbuf 0x"]),
    "copydata_neg_m_len": (c_copydata_neg_m_len, ["m_copydata: mbuf 0x", "has a negative m_len -5"]),
    "copyback_neg_m_len": (c_copyback_neg_m_len, ["m_copyback: mbuf 0x", "has a negative m_len -5"]),
    "copym_neg_m_len": (c_copym_neg_m_len, ["m_copym: mbuf 0x", "has a negative m_len -5"]),
    "split_neg_m_len": (c_split_neg_m_len, ["m_split: mbuf 0x", "has a negative m_len -5"]),
    "pulldown_neg_m_len": (c_pulldown_neg_m_len, ["m_pulldown: mbuf 0x", "has a negative m_len -5"]),
    "adj_len_too_long": (c_adj_len_too_long, ["m_adj: mbuf 0x", "has m_len 457, more than its buffer holds"]),
    "copydata_data_outside": (c_copydata_data_outside, ["m_copydata: mbuf 0x", "+ m_len 10 lies outside its buffer"]),
    "adj_cycle": (c_adj_cycle, ["m_adj: chain has a cycle"]),
    "copym_cycle": (c_copym_cycle, ["m_copym: chain has a cycle"]),
    "copyback_null_src": (c_copyback_null_src, ["m_copyback: NULL source for 4 bytes"]),
    "pullup_freed_in_chain": (c_pullup_freed_in_chain, ["m_pullup: mbuf 0x", "is not allocated"]),
    "copydata_freed_in_chain": (c_copydata_freed_in_chain, ["m_copydata: mbuf 0x", "is not allocated"]),
}


def live():
    return lib.mbuf_leak_count()


def normalized(msg):
    """msg with its addresses numbered in order of appearance"""
    seen = []

    def number(m):
        if m.group(0) not in seen:
            seen.append(m.group(0))
        return "#%d" % (seen.index(m.group(0)) + 1)
    return re.sub(r"0x[0-9a-f]+", number, msg)


@pytest.mark.parametrize("name", sorted(CASES))
def test_misuse_raises_and_leaves_nothing(name):
    """each case with the C fast paths on, then off: the same message"""
    fn, want = CASES[name]
    msgs = []
    for fast in (1, 0):
        was = lib.mbuf_set_fastpath(fast)
        try:
            before = live()
            msg = fn()
        finally:
            lib.mbuf_set_fastpath(was)
        for frag in want:
            assert frag in msg, "%s: %r lacks %r" % (name, msg, frag)
        assert live() == before, "%s left objects allocated" % name
        msgs.append(normalized(msg))
    assert msgs[0] == msgs[1], "%s: fast paths on and off differ: %r" % (name, msgs)
    # the process is alive and the library still works
    with Packet(b"still fine") as p:
        assert bytes(p) == b"still fine"


def test_catalogue_matches_the_c_test():
    """every Python case exists in the C catalogue under the same name"""
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "..", "c_tests", "test_misuse.c")) as f:
        c = f.read()
    for name in CASES:
        assert '{ "%s", c_%s,' % (name, name) in c, name


def test_tag_get_negative_len_is_null_not_a_violation():
    assert mbuf.call(lib.m_tag_get, 1, -1, mbuf.M_NOWAIT) is None


def sysctl(node, new=None, newlen=None, namelen=1, oldp=True):
    name = (ctypes.c_int * 2)(node, 1)
    old = ctypes.c_int()
    oldlen = ctypes.c_size_t(ctypes.sizeof(old))
    newv = ctypes.c_int(new) if new is not None else None
    return lib.mbuf_sysctl(name, namelen, ctypes.byref(old) if oldp else None,
                           ctypes.byref(oldlen), ctypes.byref(newv) if newv is not None else None,
                           newlen if newlen is not None else (4 if newv is not None else 0))


def test_sysctl_errors():
    n = ffi.data(lib, "nmbclusters").value
    assert sysctl(mbuf.MBUF_NMBCLUSTERS, n - 1) == errno.EINVAL   # may only grow
    assert ffi.data(lib, "nmbclusters").value == n
    assert sysctl(mbuf.MBUF_NMBCLUSTERS, n + 1, newlen=2) == errno.EINVAL
    assert sysctl(mbuf.MBUF_MBLOWAT, -5) == errno.EINVAL
    assert sysctl(mbuf.MBUF_MSIZE, 1024) == errno.EPERM
    assert sysctl(99) != 0
    assert sysctl(mbuf.MBUF_NMBCLUSTERS, namelen=2) == errno.ENOTDIR
    assert sysctl(mbuf.MBUF_MOWNERS, namelen=2, oldp=False) == errno.EINVAL


CHILD = r"""
import sys
sys.path.insert(0, %r)
import mbuf
from mbuf import lib
%s
"""


def child(code, **env):
    e = dict(os.environ)
    e.pop("MBUF_DEBUG", None)
    e.pop("MBUF_LEAK_REPORT", None)
    e.update(env)
    src = CHILD % (PACKAGE_ROOT, code)
    return subprocess.run([sys.executable, "-c", src], env=e, capture_output=True,
                          text=True, timeout=120)


def test_debug_mode_names_the_freeing_call():
    r = child("""
assert lib.mbuf_debug_mode() == 2
m = lib.m_getcl(mbuf.M_DONTWAIT, mbuf.MT_DATA, mbuf.M_PKTHDR)
lib.m_freem(m)
try:
    mbuf.call(lib.m_copym, m, 0, 1, mbuf.M_DONTWAIT)
except mbuf.MbufError as e:
    print(e)
""", MBUF_DEBUG="alloc")
    assert r.returncode == 0, r.stderr
    assert "m_copym: mbuf 0x" in r.stdout
    assert "freed by m_freem" in r.stdout and "allocated by m_getcl" in r.stdout


def test_debug_mode_reports_a_write_after_free():
    r = child("""
import ctypes
m = lib.m_get(mbuf.M_DONTWAIT, mbuf.MT_DATA)
lib.m_free(m)
ctypes.c_int.from_address(m + 32).value = 5      # m_len, through a stale pointer
msgs = []
for i in range(2000):
    n = lib.m_get(mbuf.M_DONTWAIT, mbuf.MT_DATA)
    try:
        mbuf.call(lib.m_free, n)
    except mbuf.MbufError as e:
        msgs.append(str(e))
print(msgs)
""", MBUF_DEBUG="1")
    assert r.returncode == 0, r.stderr
    assert "write after free: mbuf 0x" in r.stdout
    assert "freed by m_free, owner unknown/data" in r.stdout


def test_leak_at_exit_fails_the_process():
    # a Packet still alive at exit is freed by the package's exit sweep;
    # the raw mbuf is a real leak
    r = child("""
p = mbuf.Packet(b"x" * 3000)
lib.m_get(mbuf.M_DONTWAIT, mbuf.MT_CONTROL)      # never freed
""", MBUF_LEAK_REPORT="1")
    assert r.returncode == 97, (r.returncode, r.stderr)
    assert "libmbuf: LEAK: 1 objects still allocated at exit" in r.stderr
    assert "MT_CONTROL owner unknown/control" in r.stderr
    ok = child("p = mbuf.Packet(b'y' * 3000)\np.free()", MBUF_LEAK_REPORT="1")
    assert ok.returncode == 0 and "LEAK" not in ok.stderr, ok.stderr


def test_leak_report_in_process():
    before = live()
    m = lib.m_get(D, mbuf.MT_OOBDATA)
    try:
        assert live() == before + 1
        assert lib.mbuf_leak_report(None) >= 1      # printed on stderr
    finally:
        lib.m_free(m)
    assert live() == before
