"""Packet: an mbuf chain owned by a Python object, shaped like bytes.

Every operation is one library call (an mbuf_py_* entry of
capi/mbufc/python_helpers.c made through ctypes.PyDLL, the GIL held) and
little else: no structure is read from Python, no chain is walked here.

Memory safety.  A Packet never holds a raw head pointer: it holds a cell
(a one-slot ctypes array) that it passes to the library, which reads the
chain from it, checks it is live, and writes the new head back (NULL once
the chain is freed, consumed or detached).  Every other object handed out
is either a snapshot (bytes), or a view that asks the library again on
each access through its packet's cell (Mbuf, PacketHeader, Tags), or a
memoryview that holds its own reference on the storage, an m_copym of the
range (view(), buffers()), released only when the last memoryview goes.
So nothing reads or writes memory the library has reused.

Views as memoryviews: on Python 3.11 a class written in Python cannot
export a buffer (__buffer__ is 3.12+), so the library makes the exporter
(mbuf.Storage, one per piece): its buffer is read-only, so neither the
memoryview nor its .obj writes the storage, and it holds the view's
reference on the storage.
"""
from __future__ import annotations

import ctypes
import operator
from collections.abc import MutableMapping
from typing import Any, Iterator, List, Optional, SupportsIndex, Tuple, Union, overload

from . import _ffi
from ._lib import MbufError, pylib, take_error

__all__ = ["Packet", "Mbuf", "Tags", "PacketHeader", "FLAG_BITS", "flag_names"]

BytesLike = Union[bytes, bytearray, memoryview]

_Cell = ctypes.c_void_p * 1            # struct mbuf *, owned by a Python object
_EMPTY = _Cell()                       # the cell of every freed packet (never written)
_BUSY = 1                              # a call is working on the chain
_IMAX = 0x7FFFFFFF                     # INT_MAX: ints beyond are clamped first
_DW = _ffi.M_DONTWAIT
_COPYALL = _ffi.M_COPYALL
_VIOLATION, _NOMEM, _FREED, _BUSY_R = (_ffi.MBUF_PY_VIOLATION, _ffi.MBUF_PY_NOMEM,
                                       _ffi.MBUF_PY_FREED, _ffi.MBUF_PY_BUSY)
_RANGE, _VALUE, _NOTFOUND = _ffi.MBUF_PY_RANGE, _ffi.MBUF_PY_VALUE, _ffi.MBUF_PY_NOTFOUND
_SETTABLE = _ffi.MBUF_PY_SETTABLE_FLAGS
_Info = _ffi.mbuf_py_info
_Header = _ffi.mbuf_py_header
_byref, _c_void_p, _c_char = ctypes.byref, ctypes.c_void_p, ctypes.c_char
_new = object.__new__


def _fn(name, restype=ctypes.c_int):
    """A PyDLL function without argtypes: ints go as C int and bytes as a
    pointer with no conversion call (the callers clamp ints to C int first:
    ctypes would truncate larger ones silently)."""
    f = getattr(pylib, name)
    f.restype = restype
    f.argtypes = None
    return f


_from_bytes = _fn("mbuf_py_from_bytes")
_attach = _fn("mbuf_py_attach")
_adopt = _fn("mbuf_py_adopt")
_free = _fn("mbuf_py_free")
_len = _fn("mbuf_py_len")
_read = _fn("mbuf_py_read", ctypes.py_object)
_slice = _fn("mbuf_py_slice", ctypes.py_object)
_byte = _fn("mbuf_py_byte")
_write = _fn("mbuf_py_write")
_setbyte = _fn("mbuf_py_setbyte")
_setslice = _fn("mbuf_py_setslice")
_adj = _fn("mbuf_py_adj")
_prepend = _fn("mbuf_py_prepend")
_pullup = _fn("mbuf_py_pullup")
_pulldown = _fn("mbuf_py_pulldown")
_split = _fn("mbuf_py_split")
_copy = _fn("mbuf_py_copy")
_cat = _fn("mbuf_py_cat")
_tag_set = _fn("mbuf_py_tag_set")
_tag_get = _fn("mbuf_py_tag_get", ctypes.py_object)
_tag_delete = _fn("mbuf_py_tag_delete")
_tags = _fn("mbuf_py_tags", ctypes.py_object)
_mbufs = _fn("mbuf_py_mbufs")
_header = _fn("mbuf_py_header")
_set_header = _fn("mbuf_py_set_header")
_memoryviews = _fn("mbuf_py_memoryviews", ctypes.py_object)
_attach_memory = getattr(pylib, "mbuf_attach_pyobject")
_attach_memory.restype = ctypes.c_void_p
_attach_memory.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.py_object,
                           ctypes.c_int, ctypes.c_int)


# ---- flags -------------------------------------------------------------------

def _flag_bits(fmt: bytes) -> List[Tuple[int, str]]:
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


def flag_names(flags: int) -> List[str]:
    """The names of the m_flags bits set in flags, e.g. ['PKTHDR', 'EXT']."""
    return [name for bit, name in FLAG_BITS if flags & bit]


# ---- arguments and errors (the slow paths) -------------------------------------

def _int(x: Any, what: str) -> int:
    """x as a C int: TypeError if it is not an integer; clamped to
    [-INT_MAX, INT_MAX], which keeps every meaning (a packet is shorter)."""
    try:
        x = operator.index(x)
    except TypeError:
        raise TypeError("%s: an integer is required, not %s"
                        % (what, type(x).__name__)) from None
    return -_IMAX if x < -_IMAX else _IMAX if x > _IMAX else x


def _data(x: Any, what: str) -> Any:
    """A bytes-like object as something ctypes passes as a pointer: bytes,
    or (no copy) a ctypes array over a large writable buffer.  TypeError
    for anything else: an int is not taken as bytes(n)."""
    if isinstance(x, int):
        raise TypeError("%s: a bytes-like object is required, not int "
                        "(bytes([n]) for one byte)" % what)
    try:
        mv = memoryview(x)
    except TypeError:
        raise TypeError("%s: a bytes-like object is required, not %s"
                        % (what, type(x).__name__)) from None
    with mv:
        n = mv.nbytes
        borrow = not mv.readonly and mv.c_contiguous and n >= 512
        data = None if borrow else mv.tobytes()
    if n > _IMAX:
        raise ValueError("%s: %d bytes is more than a packet holds" % (what, n))
    return (_c_char * n).from_buffer(x) if borrow else data


def _error(code: int, what: str, packet: Optional["Packet"] = None) -> Exception:
    """The exception for result code of an mbuf_py_* call."""
    if code == _VIOLATION:
        return MbufError(take_error() or "%s: violation" % what)
    if code == _NOMEM:
        return MemoryError("libmbuf: %s: out of mbufs or clusters" % what)
    if code == _FREED:
        return MbufError("%s: the packet was freed, detached or consumed" % what)
    if code == _BUSY_R:
        return MbufError("%s: the packet is busy in another call "
                         "(reentered from a finalizer?)" % what)
    length = ""
    if packet is not None:
        n = _len(packet._c)
        length = " (%d bytes)" % n if n >= 0 else ""
    if code == _RANGE:
        return IndexError("%s: outside the packet%s" % (what, length))
    if code == _VALUE:
        return ValueError("%s: bad length or value%s" % (what, length))
    if code == _NOTFOUND:
        return KeyError(what)
    return MbufError("%s: unexpected result %d" % (what, code))


def _wrap(cell, cls) -> "Packet":
    p = _new(cls)
    p._c = cell
    return p


def _how(how: Any) -> int:
    return how if type(how) is int and -_IMAX <= how <= _IMAX else _int(how, "how")


# ---- views of the chain ----------------------------------------------------------

class Mbuf:
    """One mbuf of a packet's chain, as Packet.mbufs() lists them.

    A view: each access asks the library for the mbuf's current state
    through the packet, and raises MbufError once the mbuf is no longer in
    the packet's chain (freed, or the chain was reshaped).
    """
    __slots__ = ("address", "_packet")

    def __init__(self, address: int, packet: "Packet"):
        self.address = address
        self._packet = packet

    def _info(self) -> Any:
        info = _Info()
        r = _mbufs(self._packet._c, _c_void_p(self.address), _byref(info), 1)
        if r < 0:
            if r == _NOTFOUND:
                raise MbufError("mbuf 0x%x is no longer in its packet's chain "
                                "(freed, or the chain was reshaped)" % self.address)
            raise _error(r, "Mbuf")
        return info

    @property
    def len(self) -> int:
        """m_len: bytes of data in this mbuf."""
        return self._info().len

    @property
    def flags(self) -> int:
        """m_flags as an int."""
        return self._info().flags

    @property
    def flag_names(self) -> List[str]:
        """m_flags as names: ['PKTHDR', 'EXT', 'EXT_CLUSTER', ...]."""
        return flag_names(self._info().flags)

    @property
    def type(self) -> int:
        """m_type (MT_DATA...)."""
        return self._info().type

    @property
    def offset(self) -> int:
        """Where this mbuf's data starts in the packet."""
        return self._info().offset

    @property
    def data(self) -> bytes:
        """A copy of this mbuf's data."""
        info = self._info()
        return self._packet.read(info.offset, info.len)

    @property
    def ext(self) -> bool:
        """True if the data is in external storage (a cluster, a buffer)."""
        return bool(self._info().flags & _ffi.M_EXT)

    @property
    def refcount(self) -> int:
        """Mbufs sharing this mbuf's external storage (0 without)."""
        return self._info().refcount

    @property
    def readonly(self) -> bool:
        """M_READONLY: shared or read-only external storage."""
        return bool(self._info().readonly)

    @property
    def leading_space(self) -> int:
        """M_LEADINGSPACE."""
        return self._info().leading

    @property
    def trailing_space(self) -> int:
        """M_TRAILINGSPACE."""
        return self._info().trailing

    def view(self) -> memoryview:
        """A read-only memoryview of this mbuf's data that holds its own
        reference on the storage (see Packet.view)."""
        info = self._info()
        return self._packet.view(info.offset, info.len)

    def __repr__(self) -> str:
        try:
            return "<%s>" % _describe(self._info())
        except MbufError:
            return "<Mbuf 0x%x: gone>" % self.address

    def __reduce__(self):
        raise TypeError("an Mbuf is a view of a live chain and cannot be "
                        "pickled or copied; pickle its Packet")


def _describe(info: Any) -> str:
    f = info.flags
    if not f & _ffi.M_EXT:
        kind = "hdr" if f & _ffi.M_PKTHDR else "mbuf"
    else:
        kind = "cluster" if f & _ffi.M_EXT_CLUSTER else "ext"
        kind = ("hdr+" + kind) if f & _ffi.M_PKTHDR else kind
    parts = [kind, "%d bytes" % info.len, "|".join(flag_names(f))]
    if info.refcount > 1:
        parts.append("shared x%d" % info.refcount)
    return " ".join(x for x in parts if x)


class Tags(MutableMapping):
    """The packet tags of a Packet as a mapping: tag id -> payload bytes.

    Setting replaces every tag of that id with one tag (mbuf_tag_set);
    deleting removes them all (m_tag_delete).  A view of the packet: it
    reads the tags again on each access.
    """
    __slots__ = ("_packet",)

    def __init__(self, packet: "Packet"):
        self._packet = packet

    def _all(self) -> Tuple[Tuple[int, bytes], ...]:
        r = _tags(self._packet._c)
        if type(r) is int:
            raise _error(r, "tags")
        return r

    def __getitem__(self, tid: int) -> bytes:
        if type(tid) is not int or not 0 <= tid <= 0xFFFF:
            if _int(tid, "tags[id]") != tid or not 0 <= tid <= 0xFFFF:
                raise KeyError(tid)
        r = _tag_get(self._packet._c, tid)
        if type(r) is bytes:
            return r
        if r == _NOTFOUND:
            raise KeyError(tid)
        raise _error(r, "tags[%d]" % tid)

    def __setitem__(self, tid: int, payload: BytesLike) -> None:
        if type(tid) is not int or not 0 <= tid <= 0xFFFF:
            if not 0 <= _int(tid, "tags[id]") <= 0xFFFF:
                raise ValueError("tags[%r]: a tag id is 0..65535" % (tid,))
            tid = operator.index(tid)
        if type(payload) is not bytes:
            payload = _data(payload, "tags[%d] = ..." % tid)
        r = _tag_set(self._packet._c, tid, payload, len(payload))
        if r:
            raise _error(r, "tags[%d] = <%d bytes>" % (tid, len(payload)))

    def __delitem__(self, tid: int) -> None:
        if type(tid) is not int or not 0 <= tid <= 0xFFFF:
            if _int(tid, "tags[id]") != tid or not 0 <= tid <= 0xFFFF:
                raise KeyError(tid)
        r = _tag_delete(self._packet._c, tid)
        if r == 0:
            raise KeyError(tid)
        if r < 0:
            raise _error(r, "del tags[%d]" % tid)

    def __iter__(self) -> Iterator[int]:
        return iter(dict.fromkeys(tid for tid, _ in self._all()))

    def __len__(self) -> int:
        return len(dict.fromkeys(tid for tid, _ in self._all()))

    def items_all(self) -> List[Tuple[int, bytes]]:
        """Every tag in list order as (id, payload), duplicates included."""
        return list(self._all())

    def __repr__(self) -> str:
        return repr(dict(self.items()))

    def __reduce__(self):
        raise TypeError("Tags is a view of a packet and cannot be pickled or "
                        "copied; use dict(p.tags)")


class PacketHeader:
    """The packet header (pkthdr) of a Packet's first mbuf, as a view: each
    read copies the current header out through the library, each write
    goes through it; MbufError once the packet is gone."""
    __slots__ = ("_packet",)

    def __init__(self, packet: "Packet"):
        self._packet = packet

    def _get(self) -> Any:
        h = _Header()
        r = _header(self._packet._c, _byref(h))
        if r:
            raise _error(r, "pkthdr")
        if h.len < 0:
            raise MbufError("pkthdr: the packet's first mbuf has no packet header")
        return h

    def _set(self, field: int, value: Any, name: str) -> None:
        v = _int(value, "pkthdr." + name) if type(value) is not int else value
        if not 0 <= v <= 0xFFFFFFFF:
            raise ValueError("pkthdr.%s: %r is not a 32-bit unsigned value" % (name, value))
        r = _set_header(self._packet._c, field, ctypes.c_uint(v))
        if r:
            raise _error(r, "pkthdr." + name)

    @property
    def len(self) -> int:
        """pkthdr.len: the packet's length (read-only: operations keep it)."""
        return self._get().len

    @property
    def rcvif(self) -> Optional[int]:
        """pkthdr.rcvif: the receiving interface (an address), read-only."""
        return self._get().rcvif

    @property
    def csum_flags(self) -> int:
        """pkthdr.csum_flags (M_CSUM_*)."""
        return self._get().csum_flags & 0xFFFFFFFF

    @csum_flags.setter
    def csum_flags(self, v: int) -> None:
        self._set(_ffi.MBUF_PY_CSUM_FLAGS, v, "csum_flags")

    @property
    def csum_data(self) -> int:
        """pkthdr.csum_data."""
        return self._get().csum_data

    @csum_data.setter
    def csum_data(self, v: int) -> None:
        self._set(_ffi.MBUF_PY_CSUM_DATA, v, "csum_data")

    @property
    def segsz(self) -> int:
        """pkthdr.segsz (the TSO segment size)."""
        return self._get().segsz

    @segsz.setter
    def segsz(self, v: int) -> None:
        self._set(_ffi.MBUF_PY_SEGSZ, v, "segsz")

    def __repr__(self) -> str:
        try:
            h = self._get()
        except MbufError as e:
            return "<pkthdr: %s>" % e
        return ("<pkthdr len=%d rcvif=%s csum_flags=%#x csum_data=%#x segsz=%d tags=%d>"
                % (h.len, hex(h.rcvif) if h.rcvif else None, h.csum_flags & 0xFFFFFFFF,
                   h.csum_data, h.segsz, h.ntags))

    def __reduce__(self):
        raise TypeError("PacketHeader is a view of a packet and cannot be "
                        "pickled or copied")


# ---- the packet ----------------------------------------------------------------

class Packet:
    """An mbuf chain (with a packet header), owned by this object.

    Packet(b"...") copies bytes-like data into mbufs and clusters (one
    call); Packet.from_buffer(obj) uses obj's memory as external storage
    without a copy.  The chain is freed by free(), by leaving a with block,
    or by the finalizer when the object goes: exactly once.  Operations
    that consume a packet (cat, a failed pullup) leave it freed; using it
    then raises MbufError.

    Shaped like bytes: len(p), p[i], p[a:b], iteration (ints), `in`,
    ==, hex(); p[i] = v and p[a:b] = data write in place (copy-on-write
    of shared storage).  p.mbufs() lists the chain's mbufs.
    """
    __slots__ = ("_c", "__weakref__")

    def __init__(self, data: BytesLike = b"", how: int = _DW):
        c = self._c = _Cell()
        if type(data) is not bytes or len(data) > _IMAX:
            data = _data(data, "Packet")
        r = _from_bytes(c, data, len(data), how if how is _DW else _how(how))
        if r:
            raise _error(r, "Packet")

    # ---- ownership -------------------------------------------------------------

    def __del__(self, _free=_free, _FREED=_FREED, _EMPTY=_EMPTY):
        try:
            c = self._c
        except AttributeError:          # __init__ failed before the cell
            return
        if c is _EMPTY:                 # free() ran: nothing to ask the library
            return
        r = _free(c)
        if r and r != _FREED:           # never dropped: Python reports it
            raise _error(r, "Packet finalizer")

    def free(self) -> None:
        """m_freem the chain now (later calls do nothing)."""
        r = _free(self._c)
        if r != _BUSY_R:                # else the call at work puts its head back
            self._c = _EMPTY
        if r and r != _FREED:
            raise _error(r, "free")

    def __enter__(self) -> "Packet":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.free()

    @classmethod
    def adopt(cls, address: int) -> "Packet":
        """Take over a chain made elsewhere (C code): the Packet owns it now.
        The library checks that every mbuf of it is live first."""
        address = operator.index(address)
        c = _Cell()
        r = _adopt(c, _c_void_p(address))
        if r:
            raise _error(r, "adopt(0x%x)" % address)
        return _wrap(c, cls)

    def detach(self) -> int:
        """Give the chain up (to C code, which must free it): its address."""
        c = self._c
        a = c[0]
        if not a or a == _BUSY:
            raise _error(_FREED if not a else _BUSY_R, "detach")
        c[0] = None
        return a

    @property
    def alive(self) -> bool:
        """False once freed, detached or consumed."""
        return self._c[0] is not None

    @property
    def address(self) -> int:
        """The address of the chain's first mbuf (struct mbuf *), for C."""
        a = self._c[0]
        if not a or a == _BUSY:
            raise _error(_FREED if not a else _BUSY_R, "address")
        return a

    # ---- zero copy -------------------------------------------------------------

    @classmethod
    def from_buffer(cls, obj: Any, writable: Optional[bool] = None,
                    how: int = _DW) -> "Packet":
        """A packet whose storage is obj's buffer, without a copy.

        obj is any object with a contiguous buffer (bytes, bytearray,
        memoryview, array, mmap, a ctypes array...).  It is kept alive and
        its buffer exported (a bytearray cannot be resized) until the last
        mbuf referring to it is freed, by Python or by C code.  writable
        (default: whether the buffer is) lets the library write into it.
        """
        if writable:
            with memoryview(obj) as mv:
                if mv.readonly:
                    raise TypeError("from_buffer: the buffer is read-only")
        w = -1 if writable is None else 1 if writable else 0
        c = _Cell()
        r = _attach(c, ctypes.py_object(obj), w, _how(how))
        if r:
            raise _error(r, "from_buffer")
        return _wrap(c, cls)

    @classmethod
    def from_address(cls, address: int, size: int, owner: Any,
                     writable: bool = False, how: int = _DW) -> "Packet":
        """A packet whose storage is the C memory [address, address+size),
        kept valid by owner (a reference is held until the storage is
        released)."""
        take_error()
        m = _attach_memory(operator.index(address), operator.index(size), owner,
                           int(bool(writable)), _how(how))
        if not m:
            msg = take_error()
            if msg:
                raise MbufError(msg)
            raise MemoryError("libmbuf: from_address: out of mbufs")
        c = _Cell()
        c[0] = m
        return _wrap(c, cls)

    def view(self, off: int = 0, n: Optional[int] = None) -> memoryview:
        """A read-only memoryview of [off, off+n) (n None: to the end),
        without a copy when the range lies in external storage (clusters,
        buffers) and is contiguous: BufferError if it spans mbufs (make
        it contiguous with pulldown() first, or use buffers()).

        The view holds its own reference on the storage (an m_copym of the
        range), so it stays valid after the packet is changed or freed,
        and shows the bytes as they were: writes to the packet after it
        copy on write.  Data in a small mbuf (no cluster) is copied once.
        """
        views = self._views(off, n, 1, "view")
        if type(views) is not list:
            raise BufferError("view(%s, %s): the range spans mbufs; pulldown() it first, "
                              "or use buffers() or bytes" % (off, n))
        return views[0] if views else memoryview(b"")

    def buffers(self, off: int = 0, n: Optional[int] = None) -> List[memoryview]:
        """Read-only memoryviews of the pieces of [off, off+n), one per
        non-empty mbuf, in order, for socket.sendmsg and writev: zero copy,
        with the same reference on the storage as view()."""
        return self._views(off, n, 0, "buffers")

    def _views(self, off: Any, n: Any, most: int, what: str) -> Any:
        """Memoryviews of the pieces of [off, off+n) as a list; if there
        are more than most (> 0), their number."""
        off = _int(off, what)
        n = _COPYALL if n is None else _int(n, what)
        r = _memoryviews(self._c, off, n, _DW, most)
        if type(r) is int and r < 0:
            raise _error(r, "%s(%d, %s)" % (what, off, "to the end" if n == _COPYALL else n),
                         self)
        return r

    def __buffer__(self, flags: int) -> memoryview:
        """memoryview(p) on Python 3.12+: view() of the whole packet."""
        if flags & 1:           # PyBUF_WRITABLE
            raise BufferError("a Packet exports read-only views; write with p[a:b] = data")
        return self.view()

    # ---- reading -----------------------------------------------------------------

    def __len__(self) -> int:
        r = _len(self._c)
        if r < 0:
            raise _error(r, "len")
        return r

    def __bytes__(self) -> bytes:
        r = _slice(self._c, 0, _IMAX)
        if type(r) is bytes:
            return r
        raise _error(r, "bytes")

    def read(self, off: int, n: int) -> bytes:
        """m_copydata: the n bytes at off (IndexError if they are not all
        in the packet, ValueError for n < 0)."""
        if type(off) is not int or not -_IMAX <= off <= _IMAX:
            off = _int(off, "read")
        if type(n) is not int or not -_IMAX <= n <= _IMAX:
            n = _int(n, "read")
        r = _read(self._c, off, n)
        if type(r) is bytes:
            return r
        raise _error(r, "read(%d, %d)" % (off, n), self)

    @overload
    def __getitem__(self, key: SupportsIndex) -> int: ...

    @overload
    def __getitem__(self, key: slice) -> bytes: ...

    def __getitem__(self, key: Union[SupportsIndex, slice]) -> Union[int, bytes]:
        if type(key) is int and -_IMAX <= key <= _IMAX:
            r = _byte(self._c, key)
            if r >= 0:
                return r
            raise _error(r, "packet index %d" % key, self)
        if type(key) is slice:
            if key.step is None or key.step == 1:
                a, b = key.start, key.stop
                a = 0 if a is None else a if type(a) is int and -_IMAX <= a <= _IMAX \
                    else _int(a, "slice")
                b = _IMAX if b is None else b if type(b) is int and -_IMAX <= b <= _IMAX \
                    else _int(b, "slice")
                r = _slice(self._c, a, b)
                if type(r) is bytes:
                    return r
                raise _error(r, "packet slice")
            return bytes(self)[key]
        try:
            i = operator.index(key)
        except TypeError:
            raise TypeError("packet indices must be integers or slices, not %s"
                            % type(key).__name__) from None
        return self[i] if -_IMAX <= i <= _IMAX else self._bad_index(i)

    def _bad_index(self, i: int) -> Any:
        raise IndexError("packet index %d out of range (%d bytes)" % (i, len(self)))

    def __iter__(self) -> Iterator[int]:
        """The bytes, as ints (a snapshot: bytes(p) taken now)."""
        return iter(bytes(self))

    def __contains__(self, x: Any) -> bool:
        if isinstance(x, Packet):
            x = bytes(x)
        return x in bytes(self)

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, Packet):
            return other is self or bytes(self) == bytes(other)
        if isinstance(other, (bytes, bytearray, memoryview)):
            return bytes(self) == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]   # mutable, like bytearray

    def hex(self, *args: Any) -> str:
        """bytes(p).hex(*args)."""
        return bytes(self).hex(*args)

    def mbufs(self) -> List[Mbuf]:
        """The mbufs of the chain, in order (Mbuf views)."""
        return [Mbuf(info.m, self) for info in self._infos()]

    def _infos(self) -> List[Any]:
        room = 16
        while True:
            arr = (_Info * room)()
            r = _mbufs(self._c, None, arr, room)
            if r < 0:
                raise _error(r, "mbufs")
            if r <= room:
                return list(arr[:r])
            room = r

    @property
    def tags(self) -> Tags:
        """The packet tags: a mapping of tag id to payload bytes."""
        return Tags(self)

    @property
    def pkthdr(self) -> PacketHeader:
        """The packet header of the first mbuf (a view)."""
        return PacketHeader(self)

    @property
    def flags(self) -> int:
        """m_flags of the first mbuf; settable bits: MBUF_PY_SETTABLE_FLAGS
        (M_BCAST, M_MCAST, M_LINK0...), not M_EXT* or M_PKTHDR."""
        h = _Header()
        r = _header(self._c, _byref(h))
        if r:
            raise _error(r, "flags")
        return h.flags & 0xFFFFFFFF

    @flags.setter
    def flags(self, value: int) -> None:
        v = _int(value, "flags") if type(value) is not int else value
        if not 0 <= v <= 0xFFFFFFFF:
            raise ValueError("flags: %r is not a 32-bit mask" % (value,))
        r = _set_header(self._c, _ffi.MBUF_PY_FLAGS, ctypes.c_uint(v))
        if r == _VALUE:
            raise ValueError("flags: only %s may change" % "|".join(flag_names(_SETTABLE)))
        if r:
            raise _error(r, "flags")

    def __repr__(self) -> str:
        if self._c[0] is None:
            return "<Packet freed>"
        try:
            infos = self._infos()
            tags = self._all_tags()
        except MbufError as e:
            return "<Packet: %s>" % e
        s = "<Packet %d bytes in %d mbufs: %s" % (sum(i.len for i in infos), len(infos),
                                                   " -> ".join(_describe(i) for i in infos))
        if tags:
            s += " tags=%r" % dict(tags)
        return s + ">"

    def _all_tags(self) -> Tuple[Tuple[int, bytes], ...]:
        r = _tags(self._c)
        if type(r) is int:
            raise _error(r, "tags")
        return r

    # ---- writing -----------------------------------------------------------------

    @overload
    def __setitem__(self, key: SupportsIndex, value: SupportsIndex) -> None: ...

    @overload
    def __setitem__(self, key: slice, value: BytesLike) -> None: ...

    def __setitem__(self, key: Union[SupportsIndex, slice], value: Any) -> None:
        if type(key) is int and -_IMAX <= key <= _IMAX:
            if type(value) is not int:
                value = _byte_value(value)
            r = _setbyte(self._c, key, value, _DW)
            if r:
                raise _error(r, "packet[%d] = %r" % (key, value), self)
            return
        if type(key) is slice:
            if key.step is not None and key.step != 1:
                raise ValueError("packet slice assignment: only step 1")
            a, b = key.start, key.stop
            a = 0 if a is None else a if type(a) is int and -_IMAX <= a <= _IMAX \
                else _int(a, "slice")
            b = _IMAX if b is None else b if type(b) is int and -_IMAX <= b <= _IMAX \
                else _int(b, "slice")
            if type(value) is not bytes:
                value = _data(value, "packet slice assignment")
            r = _setslice(self._c, a, b, value, len(value), _DW)
            if r:
                if r == _VALUE:
                    raise ValueError("packet slice assignment: %d bytes for a slice of "
                                     "another length (a packet is resized by adj, "
                                     "prepend, copyback)" % len(value))
                raise _error(r, "packet slice assignment")
            return
        i = operator.index(key)         # TypeError for anything else
        if -_IMAX <= i <= _IMAX:
            self[i] = value
        else:
            self._bad_index(i)

    def copyback(self, off: int, data: BytesLike) -> "Packet":
        """m_copyback: write data at off, copying shared or read-only
        storage first (copy-on-write) and extending the packet (with zeros
        up to off) past its end."""
        if type(off) is not int or not -_IMAX <= off <= _IMAX:
            off = _int(off, "copyback")
        if type(data) is not bytes:
            data = _data(data, "copyback")
        r = _write(self._c, off, data, len(data), 1, _DW)
        if r:
            raise _error(r, "copyback(%d, <%d bytes>)" % (off, len(data)), self)
        return self

    def __delitem__(self, key: slice) -> None:
        """del p[:n] trims the head (m_adj(n)), del p[a:] the tail."""
        if type(key) is not slice or key.step not in (None, 1):
            raise TypeError("a packet deletes head or tail slices only (m_adj)")
        n = len(self)
        a, b, _ = key.indices(n)
        if b <= a:
            return
        if a == 0:
            self.adj(b)
        elif b == n:
            self.adj(a - n)
        else:
            raise ValueError("a packet deletes head or tail slices only (m_adj)")

    # ---- shaping -----------------------------------------------------------------

    def adj(self, n: int) -> "Packet":
        """m_adj: trim n bytes from the head (n > 0) or -n from the tail."""
        if type(n) is not int or not -_IMAX <= n <= _IMAX:
            n = _int(n, "adj")
        r = _adj(self._c, n)
        if r:
            raise _error(r, "adj(%d)" % n)
        return self

    def prepend(self, data: BytesLike) -> "Packet":
        """M_PREPEND len(data) bytes (in place when there is room) and
        write data there; at most MHLEN bytes.  Out of mbufs, the chain is
        freed (as M_PREPEND does) and MemoryError raised."""
        if type(data) is not bytes:
            data = _data(data, "prepend")
        r = _prepend(self._c, data, len(data), _DW)
        if r:
            if r == _VALUE:
                raise ValueError("prepend: %d bytes (at most MHLEN, %d)"
                                 % (len(data), _ffi.MHLEN))
            raise _error(r, "prepend")
        return self

    def pullup(self, n: int) -> "Packet":
        """m_pullup: make the first n bytes (at most MHLEN) contiguous in the
        first mbuf.  Only when out of mbufs does the library free the
        chain (MemoryError); a bad n raises and leaves the packet."""
        if type(n) is not int or not -_IMAX <= n <= _IMAX:
            n = _int(n, "pullup")
        r = _pullup(self._c, n)
        if r:
            if r == _VALUE:
                raise ValueError("pullup(%d): 0..MHLEN (%d) bytes; pulldown() "
                                 "makes longer ranges contiguous" % (n, _ffi.MHLEN))
            raise _error(r, "pullup(%d)" % n, self)
        return self

    def pulldown(self, off: int, n: int) -> Tuple[Mbuf, int]:
        """m_pulldown: make [off, off+n) (n at most MCLBYTES) contiguous in
        one mbuf; returns (that Mbuf, the offset of the range in it)."""
        off, n = _int(off, "pulldown"), _int(n, "pulldown")
        where = _Cell()
        r = _pulldown(self._c, off, n, where)
        if r < 0:
            raise _error(r, "pulldown(%d, %d)" % (off, n), self)
        return Mbuf(where[0] or 0, self), r

    def split(self, off: int, how: int = _DW) -> "Packet":
        """m_split: cut after off bytes; this packet keeps the head, the
        tail is returned as a new Packet."""
        if type(off) is not int or not -_IMAX <= off <= _IMAX:
            off = _int(off, "split")
        t = _Cell()
        r = _split(self._c, off, _how(how), t)
        if r:
            raise _error(r, "split(%d)" % off, self)
        return _wrap(t, Packet)

    def copy(self, off: int = 0, n: Optional[int] = None, how: int = _DW) -> "Packet":
        """m_copym: a copy of [off, off+n) sharing external storage (which
        stays read-only while shared: writes copy on write)."""
        if off or n is not None:
            off = _int(off, "copy")
            n = _COPYALL if n is None else _int(n, "copy")
        else:
            n = _COPYALL
        c = _Cell()
        r = _copy(self._c, off, n, how if how is _DW else _how(how), 0, c)
        if r:
            raise _error(r, "copy", self)
        return _wrap(c, Packet)

    def dup(self, off: int = 0, n: Optional[int] = None, how: int = _DW) -> "Packet":
        """m_dup: a deep copy (the data is copied too)."""
        if off or n is not None:
            off = _int(off, "dup")
            n = _COPYALL if n is None else _int(n, "dup")
        else:
            n = _COPYALL
        c = _Cell()
        r = _copy(self._c, off, n, how if how is _DW else _how(how), 1, c)
        if r:
            raise _error(r, "dup", self)
        return _wrap(c, Packet)

    def cat(self, other: "Packet") -> "Packet":
        """m_cat: append other's chain; other is consumed (freed as a
        Packet) and its tags go."""
        if not isinstance(other, Packet):
            raise TypeError("cat: a Packet is required, not %s (Packet(data) makes one)"
                            % type(other).__name__)
        if other is self:
            raise ValueError("cat: a packet cannot be appended to itself")
        r = _cat(self._c, other._c)
        if r:
            raise _error(r, "cat")
        return self

    # ---- copy and pickle -----------------------------------------------------------

    def __copy__(self) -> "Packet":
        """copy.copy: m_copym (shared storage, copy-on-write)."""
        return self.copy()

    def __deepcopy__(self, memo: Any) -> "Packet":
        """copy.deepcopy: m_dup."""
        return self.dup()

    def __reduce__(self) -> Any:
        """pickle: the bytes, the settable flags, the header's checksum and
        segment fields and the tags (in order; one tag per id); rcvif, an
        address, is not kept.  Unpickling makes a new, independent packet."""
        h = _Header()
        r = _header(self._c, _byref(h))
        if r:
            raise _error(r, "pickle")
        tags = self._all_tags()
        if h.len < 0:
            return (_restore, (bytes(self), h.flags & _SETTABLE))
        return (_restore, (bytes(self), h.flags & _SETTABLE, h.csum_flags & 0xFFFFFFFF,
                           h.csum_data, h.segsz, tags))


def _byte_value(v: Any) -> int:
    if isinstance(v, (bytes, bytearray, memoryview, str)) or not hasattr(v, "__index__"):
        raise TypeError("a packet byte is an integer 0..255, not %s" % type(v).__name__)
    v = operator.index(v)
    if not 0 <= v <= 255:
        raise ValueError("byte must be in range(0, 256)")
    return v


def _restore(data: bytes, flags: int = 0, csum_flags: int = 0, csum_data: int = 0,
             segsz: int = 0, tags: Tuple[Tuple[int, bytes], ...] = ()) -> Packet:
    """Unpickle: a new packet from what Packet.__reduce__ kept."""
    p = Packet(data)
    if flags:
        p.flags = p.flags | (flags & _SETTABLE)
    h = p.pkthdr
    if csum_flags:
        h.csum_flags = csum_flags
    if csum_data:
        h.csum_data = csum_data
    if segsz:
        h.segsz = segsz
    for tid, payload in reversed(tags):     # each set goes in front
        p.tags[tid] = payload
    return p


_restore.__module__ = "mbuf.packet"
