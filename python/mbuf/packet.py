"""Packet: an mbuf chain with a packet header, owned by a Python object.

Each whole-packet operation is one library call (building from bytes,
reading out, copying, splitting, tagging); reading the chain's fields
(len(p), iteration over the mbufs, repr) reads the mbufs' memory through
the generated structures and makes no call at all.
"""
import atexit
import ctypes
import threading
from collections.abc import MutableMapping

from . import _ffi
from ._lib import MbufError, _pending, call, call_err, lib

_M = _ffi.mbuf
_H = _ffi.m_hdr                 # at offset 0 of every mbuf: the fast view
_PH = _ffi.pkthdr
_ES = _ffi._m_ext_storage
_TAG = _ffi.m_tag
_TAG_SIZE = ctypes.sizeof(_TAG)
_OFF_DAT = _M.M_dat.offset                                   # m_dat
_OFF_PKTDAT = _OFF_DAT + _ffi.mbuf_M_dat_MH.MH_dat.offset    # m_pktdat
_OFF_EXTREF = _OFF_PKTDAT + _ffi._m_ext.ext_ref.offset       # m_ext_ref
_OFF_EXTST = _OFF_PKTDAT + _ffi._m_ext.ext_storage.offset    # m_ext_storage
_M_EXT, _M_PKTHDR = _ffi.M_EXT, _ffi.M_PKTHDR
_RW_BITS = _ffi.M_EXT_RW | _ffi.M_EXT_ROMAP
_void_p_at = ctypes.c_void_p.from_address
_ENOMEM = 12


def _flag_bits(fmt):
    """(bit, name) pairs of a bitmask_snprintf(9) format (M_FLAGS_BITS)."""
    out, i = [], 1
    while i < len(fmt):
        bit = fmt[i] - 1
        j = i + 1
        while j < len(fmt) and fmt[j] > 32:
            j += 1
        out.append((1 << bit, fmt[i + 1:j].decode()))
        i = j
    return out


FLAG_BITS = _flag_bits(_ffi.M_FLAGS_BITS)


def flag_names(flags):
    """The names of the m_flags bits set in flags, e.g. ['PKTHDR', 'EXT']."""
    return [name for bit, name in FLAG_BITS if flags & bit]


def _fail(what):
    """After a call that returned its failure value: the violation, if any."""
    msg = _pending.pop(threading.get_ident(), None)
    if msg is not None:
        raise MbufError(msg)
    raise MemoryError("libmbuf: %s: out of mbufs or clusters" % what)


def _violation():
    """Pop this thread's pending violation message, or None."""
    return _pending.pop(threading.get_ident(), None) if _pending else None


def _release(state):
    m, state[0] = state[0], None
    if m:
        lib.m_freem(m)
        _violation()    # a finalizer has nobody to raise to


# the chains owned by live Packets: id(packet) -> its state [address]
_live = {}


@atexit.register
def _free_all():
    """At exit, free what live packets still own (before the interpreter
    goes, so that Python-owned storage is released while it can be)."""
    while _live:
        _release(_live.popitem()[1])


def _ext(mb):
    """The ext storage descriptor of mb (the holder's: m_ext)."""
    return _ES.from_address(_void_p_at(ctypes.addressof(mb) + _OFF_EXTREF).value + _OFF_EXTST)


def _readonly(mb):
    """M_READONLY: ext storage not writable, or shared. mb: an m_hdr or mbuf."""
    f = mb.mh_flags if isinstance(mb, _H) else mb.m_flags
    if not f & _M_EXT:
        return False
    if f & _RW_BITS != _ffi.M_EXT_RW:
        return True
    return _ext(mb).ext_refcnt > 1


def _leading_space(addr, h):
    """M_LEADINGSPACE of the mbuf at addr (h: its m_hdr)."""
    if _readonly(h):
        return 0
    f = h.mh_flags
    if f & _M_EXT:
        return h.mh_data - _ext(h).ext_buf
    return h.mh_data - addr - (_OFF_PKTDAT if f & _M_PKTHDR else _OFF_DAT)


def _trailing_space(addr, h):
    """M_TRAILINGSPACE of the mbuf at addr (h: its m_hdr)."""
    if _readonly(h):
        return 0
    if h.mh_flags & _M_EXT:
        e = _ext(h)
        return e.ext_buf + e.ext_size - (h.mh_data + h.mh_len)
    return addr + _OFF_DAT + _ffi.MLEN - (h.mh_data + h.mh_len)


def _as_bytes(data):
    return data if isinstance(data, bytes) else bytes(data)


class Mbuf:
    """One mbuf of a chain, as iteration over a Packet yields it.

    A view of the mbuf's memory: valid while the packet is alive and not
    reshaped (an operation that changes the chain invalidates it).
    """
    __slots__ = ("address", "_packet")

    def __init__(self, address, packet=None):
        self.address = address
        self._packet = packet   # keeps the chain alive

    @property
    def _mb(self):
        return _M.from_address(self.address)

    @property
    def _h(self):
        return _H.from_address(self.address)

    @property
    def len(self):
        """m_len: bytes of data in this mbuf."""
        return self._mb.m_len

    @property
    def flags(self):
        """m_flags as an int."""
        return self._mb.m_flags

    @property
    def flag_names(self):
        """m_flags as names: ['PKTHDR', 'EXT', 'EXT_CLUSTER', ...]."""
        return flag_names(self._mb.m_flags)

    @property
    def type(self):
        """m_type (MT_DATA...)."""
        return self._mb.m_type

    @property
    def data(self):
        """A copy of this mbuf's data."""
        mb = self._mb
        return ctypes.string_at(mb.m_data, mb.m_len)

    @property
    def ext(self):
        """True if the data is in external storage (a cluster, a buffer)."""
        return bool(self._mb.m_flags & _ffi.M_EXT)

    @property
    def refcount(self):
        """Mbufs sharing this mbuf's external storage (0 without)."""
        mb = self._mb
        if not mb.m_flags & _ffi.M_EXT:
            return 0
        return _M.from_address(mb.m_ext_ref).m_ext_storage.ext_refcnt

    @property
    def readonly(self):
        """M_READONLY: shared or read-only external storage."""
        return _readonly(self._mb)

    @property
    def leading_space(self):
        """M_LEADINGSPACE."""
        return _leading_space(self.address, self._h)

    @property
    def trailing_space(self):
        """M_TRAILINGSPACE."""
        return _trailing_space(self.address, self._h)

    def view(self):
        """A memoryview of this mbuf's data, without a copy (read-only
        unless the storage is writable). Valid while the chain is."""
        mb = self._mb
        arr = (ctypes.c_char * mb.m_len).from_address(mb.m_data)
        arr._packet = self._packet
        v = memoryview(arr).cast("B")
        return v.toreadonly() if _readonly(mb) else v

    def _kind(self):
        f = self._mb.m_flags
        if not f & _ffi.M_EXT:
            return "hdr" if f & _ffi.M_PKTHDR else "mbuf"
        kind = "cluster" if f & _ffi.M_EXT_CLUSTER else "ext"
        return ("hdr+" + kind) if f & _ffi.M_PKTHDR else kind

    def __repr__(self):
        parts = [self._kind(), "%d bytes" % self.len, "|".join(self.flag_names)]
        if self.refcount > 1:
            parts.append("shared x%d" % self.refcount)
        return "<%s>" % " ".join(x for x in parts if x)


class Tags(MutableMapping):
    """The packet tags of a Packet as a mapping: tag id -> payload bytes.

    Setting replaces every tag of that id with one tag (mbuf_tag_set);
    deleting removes them all (m_tag_delete).
    """
    __slots__ = ("_packet",)

    def __init__(self, packet):
        self._packet = packet

    def _walk(self):
        m = self._packet._ptr
        if not _H.from_address(m).mh_flags & _M_PKTHDR:
            raise MbufError("tags: the chain has no packet header")
        t = _PH.from_address(m + _OFF_DAT).tags.slh_first
        while t:
            tag = _TAG.from_address(t)
            yield t, tag
            t = tag.m_tag_link.sle_next

    def __getitem__(self, tid):
        for t, tag in self._walk():
            if tag.m_tag_id == tid:
                return ctypes.string_at(t + _TAG_SIZE, tag.m_tag_len)
        raise KeyError(tid)

    def __setitem__(self, tid, payload):
        payload = _as_bytes(payload)
        r = call(lib.mbuf_tag_set, self._packet._ptr, tid, payload, len(payload))
        if r == _ENOMEM:
            raise MemoryError("libmbuf: no memory for a tag of %d bytes" % len(payload))
        if r != 0:
            raise MbufError("mbuf_tag_set: failed (%d)" % r)

    def __delitem__(self, tid):
        found = [t for t, tag in self._walk() if tag.m_tag_id == tid]
        if not found:
            raise KeyError(tid)
        for t in found:
            call(lib.m_tag_delete, self._packet._ptr, t)

    def __iter__(self):
        seen = []
        for _, tag in self._walk():
            if tag.m_tag_id not in seen:
                seen.append(tag.m_tag_id)
        return iter(seen)

    def __len__(self):
        return len(list(iter(self)))

    def __repr__(self):
        return repr(dict(self.items()))


class Packet:
    """An mbuf chain with a packet header.

    Packet(b"...") copies bytes into mbufs and clusters (one call);
    Packet.from_buffer(obj) uses obj's memory as external storage without
    a copy. The chain is freed by free(), by leaving a with block, by the
    finalizer when the object goes away, or at exit: exactly once.
    Operations that consume a packet (cat, a failed pullup) leave it empty.
    """
    __slots__ = ("_st", "__weakref__")

    def __init__(self, data=b"", how=_ffi.M_DONTWAIT):
        if isinstance(data, bytearray) and data:
            arg = (ctypes.c_char * len(data)).from_buffer(data)
        else:
            arg = _as_bytes(data)
        m = call(lib.mbuf_packet_from_bytes, arg, len(data), how)
        if not m:
            _fail("mbuf_packet_from_bytes")
        self._own(m)

    # ---- ownership -------------------------------------------------------

    def _own(self, m):
        self._st = [m]
        _live[id(self)] = self._st

    def __del__(self):
        st = getattr(self, "_st", None)     # None if __init__ failed
        if st is not None and st[0]:
            _live.pop(id(self), None)
            _release(st)

    @classmethod
    def adopt(cls, address):
        """Wrap a chain made elsewhere (C code); the Packet now owns it."""
        if not address:
            raise ValueError("adopt: NULL chain")
        p = cls.__new__(cls)
        p._own(address)
        return p

    def detach(self):
        """Give the chain up (to C code, which must free it): its address."""
        m = self._ptr
        self._st[0] = None
        _live.pop(id(self), None)
        return m

    def free(self):
        """m_freem the chain now (later calls do nothing)."""
        st = getattr(self, "_st", None)
        if st is not None and st[0]:
            _live.pop(id(self), None)
            _release(st)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.free()

    @property
    def alive(self):
        """False once freed, detached or consumed."""
        return bool(self._st[0])

    @property
    def _ptr(self):
        m = self._st[0]
        if not m:
            raise MbufError("packet was freed, detached or consumed")
        return m

    @property
    def address(self):
        """The address of the chain's first mbuf (struct mbuf *)."""
        return self._ptr

    def _set(self, m):
        self._st[0] = m
        if not m:
            _live.pop(id(self), None)

    # ---- zero copy -------------------------------------------------------

    @classmethod
    def from_buffer(cls, obj, writable=None, how=_ffi.M_DONTWAIT):
        """A packet whose storage is obj's buffer, without a copy.

        obj is any object with a contiguous buffer (bytes, bytearray,
        memoryview, array, mmap, a ctypes array...). It is kept alive and
        its buffer exported (a bytearray cannot be resized) until the last
        mbuf referring to it is freed, by Python or by C code. writable
        (default: whether the buffer is) lets the library write into it.
        """
        with memoryview(obj) as mv:
            if not mv.contiguous:
                raise BufferError("from_buffer: the buffer is not contiguous")
            if writable is None:
                writable = not mv.readonly
            elif writable and mv.readonly:
                raise TypeError("from_buffer: the buffer is read-only")
        m = call(lib.mbuf_attach_pybuffer, id(obj), int(bool(writable)), how)
        if not m:
            _fail("mbuf_attach_pybuffer")
        p = cls.__new__(cls)
        p._own(m)
        return p

    @classmethod
    def from_address(cls, address, size, owner, writable=False, how=_ffi.M_DONTWAIT):
        """A packet whose storage is the C memory [address, address+size),
        kept valid by owner (a reference is held until the storage is
        released)."""
        m = call(lib.mbuf_attach_pyobject, address, size, id(owner), int(bool(writable)), how)
        if not m:
            _fail("mbuf_attach_pyobject")
        p = cls.__new__(cls)
        p._own(m)
        return p

    # ---- reading ---------------------------------------------------------

    def __len__(self):
        m = self._ptr
        h = _H.from_address(m)
        if h.mh_flags & _M_PKTHDR:
            return _PH.from_address(m + _OFF_DAT).len
        n = 0
        while m:
            h = _H.from_address(m)
            n += h.mh_len
            m = h.mh_next
        return n

    def __bytes__(self):
        m = self._ptr
        h = _H.from_address(m)
        if not h.mh_next:
            return ctypes.string_at(h.mh_data, h.mh_len)
        n = len(self)
        buf = ctypes.create_string_buffer(n)
        got = call(lib.mbuf_packet_to_bytes, m, buf, n)
        return buf.raw[:got]

    def read(self, off, n):
        """m_copydata: n bytes at off."""
        if n == 0:
            return b""
        buf = ctypes.create_string_buffer(n)
        call(lib.m_copydata, self._ptr, off, n, buf)
        return buf.raw

    def __getitem__(self, key):
        if isinstance(key, slice):
            start, stop, step = key.indices(len(self))
            if step != 1:
                return bytes(self)[key]
            return self.read(start, max(0, stop - start))
        n = len(self)
        i = key + n if key < 0 else key
        if not 0 <= i < n:
            raise IndexError("packet index out of range")
        return self.read(i, 1)[0]

    def __iter__(self):
        """The mbufs of the chain (Mbuf views)."""
        m = self._ptr
        while m:
            yield Mbuf(m, self)
            m = _H.from_address(m).mh_next

    def mbufs(self):
        """The mbufs of the chain as a list."""
        return list(self)

    @property
    def tags(self):
        """The packet tags: a mapping of tag id to payload bytes."""
        return Tags(self)

    @property
    def flags(self):
        """m_flags of the first mbuf."""
        return _M.from_address(self._ptr).m_flags

    @property
    def pkthdr(self):
        """The packet header (the generated ctypes structure, live)."""
        return _M.from_address(self._ptr).m_pkthdr

    def __repr__(self):
        if not self._st[0]:
            return "<Packet freed>"
        parts = [repr(x)[1:-1] for x in self]
        tags = ""
        if self.flags & _ffi.M_PKTHDR and self.pkthdr.tags.slh_first:
            tags = " tags=%r" % (self.tags,)
        return "<Packet %d bytes in %d mbufs: %s%s>" % (len(self), len(parts),
                                                         " -> ".join(parts), tags)

    # ---- shaping ---------------------------------------------------------

    def prepend(self, data):
        """M_PREPEND len(data) bytes (in place when there is room) and
        write data there."""
        data = _as_bytes(data)
        n = len(data)
        if not 0 <= n <= _ffi.MHLEN:
            raise ValueError("prepend: %d bytes (at most MHLEN, %d)" % (n, _ffi.MHLEN))
        m = self._ptr
        h = _H.from_address(m)
        if _leading_space(m, h) >= n:
            h.mh_data -= n
            h.mh_len += n
        else:
            r, err = call_err(lib.m_prepend, m, n, _ffi.M_DONTWAIT)
            if err:
                raise MbufError(err)
            self._set(r)
            if not r:
                raise MemoryError("libmbuf: m_prepend: out of mbufs; the chain was freed")
            m, h = r, _H.from_address(r)
        if h.mh_flags & _M_PKTHDR:
            _PH.from_address(m + _OFF_DAT).len += n
        ctypes.memmove(h.mh_data, data, n)
        return self

    def adj(self, n):
        """m_adj: trim n bytes from the head (n > 0) or -n from the tail."""
        call(lib.m_adj, self._ptr, n)
        return self

    def pullup(self, n):
        """m_pullup: make the first n bytes contiguous in the first mbuf.
        On failure the library frees the chain and this raises."""
        length = len(self)
        r, err = call_err(lib.m_pullup, self._ptr, n)
        if err:
            raise MbufError(err)
        self._set(r)
        if not r:
            raise MbufError("m_pullup: cannot make %d of %d bytes contiguous; "
                            "the chain was freed" % (n, length))
        return self

    def pulldown(self, off, n):
        """m_pulldown: make [off, off+n) contiguous in one mbuf; returns
        (that Mbuf, the offset of the range in it). On failure the
        library frees the chain and this raises."""
        offp = ctypes.c_int(0)
        length = len(self)
        r, err = call_err(lib.m_pulldown, self._ptr, off, n, ctypes.byref(offp))
        if err:
            raise MbufError(err)
        if not r:
            self._set(None)
            raise MbufError("m_pulldown: cannot make [%d, %d) of %d bytes contiguous; "
                            "the chain was freed" % (off, off + n, length))
        return Mbuf(r, self), offp.value

    def split(self, off, how=_ffi.M_DONTWAIT):
        """m_split: cut after off bytes; returns the tail as a Packet."""
        length = len(self)
        r, err = call_err(lib.m_split, self._ptr, off, how)
        if err:
            raise MbufError(err)
        if not r:
            if off > length:
                raise ValueError("split: offset %d beyond the packet (%d bytes)" % (off, length))
            raise MemoryError("libmbuf: m_split: out of mbufs")
        return Packet.adopt(r)

    def copy(self, off=0, n=None, how=_ffi.M_DONTWAIT):
        """m_copym: a copy sharing external storage (read-only while shared)."""
        r = call(lib.m_copym, self._ptr, off, _ffi.M_COPYALL if n is None else n, how)
        if not r:
            _fail("m_copym")
        return Packet.adopt(r)

    def dup(self, off=0, n=None, how=_ffi.M_DONTWAIT):
        """m_dup: a deep copy (the data is copied too)."""
        r = call(lib.m_dup, self._ptr, off, _ffi.M_COPYALL if n is None else n, how)
        if not r:
            _fail("m_dup")
        return Packet.adopt(r)

    def cat(self, other):
        """m_cat: append other's chain (other is consumed, its tags go)."""
        if other is self:
            raise ValueError("cat: a packet cannot be appended to itself")
        m, n = self._ptr, other._ptr
        length = len(other)
        nb = _M.from_address(n)
        if nb.m_flags & _ffi.M_PKTHDR:
            if nb.m_pkthdr.tags.slh_first:
                call(lib.m_tag_delete_chain, n, None)
            nb.m_flags &= ~_ffi.M_PKTHDR
        other._set(None)
        call(lib.m_cat, m, n)
        mb = _M.from_address(m)
        if mb.m_flags & _ffi.M_PKTHDR:
            mb.m_pkthdr.len += length
        return self

    def copyback(self, off, data):
        """Write data at off, copying shared or read-only storage first
        (m_copyback_cow) and extending the chain (m_copyback) past its end."""
        data = _as_bytes(data)
        length = len(self)
        inside = max(0, min(len(data), length - off))
        if inside:
            r, err = call_err(lib.m_copyback_cow, self._ptr, off, inside, data, _ffi.M_DONTWAIT)
            if err:
                raise MbufError(err)
            self._set(r)
            if not r:
                raise MemoryError("libmbuf: m_copyback_cow: out of mbufs; the chain was freed")
        if inside < len(data):
            rest = data[inside:]
            call(lib.m_copyback, self._ptr, off + inside, len(rest), rest)
        return self
