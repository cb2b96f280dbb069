"""Capture files of packets: pcap and pcapng, over mbuf chains.

    >>> import os, tempfile; from mbuf import pcap
    >>> path = os.path.join(tempfile.mkdtemp(), "doc.pcapng")
    >>> with pcap.Writer(path, ng=True, nanosecond=True) as w:
    ...     w.write(b"\\xff" * 14 + b"payload", time_ns=1700000000123456789)
    >>> for rec in pcap.read(path, zerocopy=True):
    ...     print(rec.time_ns, len(rec.packet), rec.wirelen, rec.linktype)
    1700000000123456789 21 21 1

Writer writes Packets (each record gathered from the mbufs, not
flattened) or bytes; read() and Reader yield a Record per packet: a
Packet and its time, wire length, link type, interface and flags.  With
zerocopy=True a record's packet is read-only external storage in the
capture (a mapped file, or the buffer given), kept alive until the last
packet referring to it is freed; otherwise records are copied into mbufs
and clusters.  A file that is not a capture, or is truncated or corrupt,
raises PcapError; the process never crashes.

The C calls are mbuf_pcap_* of include/mbuf.h (capi/mbufc/pcap.c).
"""
import ctypes
import errno
import math
import os
from typing import NamedTuple

from . import _ffi
from ._lib import call, path as _libpath
from .packet import Packet

__all__ = ["Writer", "Reader", "Record", "PcapError", "read", "write",
           "LINKTYPE_NULL", "LINKTYPE_ETHERNET", "LINKTYPE_RAW",
           "LINKTYPE_LINUX_SLL", "LINKTYPE_IPV4", "LINKTYPE_IPV6",
           "SNAPLEN_MAX"]

LINKTYPE_NULL = _ffi.MBUF_PCAP_LINKTYPE_NULL
LINKTYPE_ETHERNET = _ffi.MBUF_PCAP_LINKTYPE_ETHERNET
LINKTYPE_RAW = _ffi.MBUF_PCAP_LINKTYPE_RAW
LINKTYPE_LINUX_SLL = _ffi.MBUF_PCAP_LINKTYPE_LINUX_SLL
LINKTYPE_IPV4 = _ffi.MBUF_PCAP_LINKTYPE_IPV4
LINKTYPE_IPV6 = _ffi.MBUF_PCAP_LINKTYPE_IPV6
SNAPLEN_MAX = _ffi.MBUF_PCAP_SNAPLEN_MAX

_EBADMSG, _ENOBUFS, _EOVERFLOW = errno.EBADMSG, errno.ENOBUFS, errno.EOVERFLOW

# The same library through a handle that keeps errno (the calls report
# failures in errno, as the C API documents); libc for fdopen/fclose.
_lib = ctypes.CDLL(_libpath, use_errno=True)
_ffi.bind(_lib)
_libc = ctypes.CDLL(None, use_errno=True)
_libc.fdopen.restype = ctypes.c_void_p
_libc.fdopen.argtypes = (ctypes.c_int, ctypes.c_char_p)
_libc.fclose.argtypes = (ctypes.c_void_p,)
_libc.open_memstream.restype = ctypes.c_void_p
_libc.open_memstream.argtypes = (ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_size_t))
_libc.free.argtypes = (ctypes.c_void_p,)


class PcapError(ValueError):
    """The data is not a pcap/pcapng capture, or it is truncated or corrupt."""


PcapError.__module__ = "mbuf.pcap"


class Record(NamedTuple):
    """One record of a capture: the packet and what the file says of it."""
    packet: Packet      #: the record's bytes (caplen of them), as a chain
    time_ns: int        #: capture time, nanoseconds since 1970
    wirelen: int        #: length on the wire (the packet may be cut shorter)
    linktype: int       #: link type of its interface (LINKTYPE_*)
    interface: int = 0  #: pcapng interface number
    flags: int = 0      #: pcapng epb_flags (direction...), 0 if none

    @property
    def time(self):
        """Capture time in seconds (a float: nanoseconds are rounded)."""
        return self.time_ns / 1e9


def _oserror(what, filename=None):
    e = ctypes.get_errno()
    return OSError(e, "%s: %s" % (what, os.strerror(e)), filename)


# ---- writing -------------------------------------------------------------

class Writer:
    """A capture file being written.

    Writer(file, linktype=LINKTYPE_ETHERNET, snaplen=0, nanosecond=False,
    ng=False): file is a path (created or truncated, closed by close()),
    a file descriptor or an object with fileno() (left open; flushed
    first), or any object with write() such as io.BytesIO (given the
    bytes at flush() and close()).  snaplen 0 is SNAPLEN_MAX; longer
    packets are cut (the wire length keeps the whole).  ng=True writes
    pcapng, nanosecond=True nanosecond timestamps.  Close it (or use
    `with`) to flush.
    """

    def __init__(self, file, linktype=LINKTYPE_ETHERNET, snaplen=0,
                 nanosecond=False, ng=False):
        self._fp = None
        self._d = None
        self._sink = None           # an object given the bytes (memstream)
        flags = (_ffi.MBUF_PCAP_NSEC if nanosecond else 0) | (_ffi.MBUF_PCAP_NG if ng else 0)
        self.name = file if isinstance(file, (str, bytes, os.PathLike)) else None
        fd = None
        if isinstance(file, int):
            fd = os.dup(file)
        elif self.name is not None:
            fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        else:
            try:
                fileno = file.fileno()
            except (AttributeError, OSError, ValueError):   # io.BytesIO...
                fileno = None
            if fileno is not None:
                if hasattr(file, "flush"):
                    file.flush()
                fd = os.dup(fileno)
        if fd is not None:
            fp = _libc.fdopen(fd, b"wb")
            if not fp:
                err = _oserror("fdopen")
                os.close(fd)
                raise err
        else:
            # a stream in memory, its new bytes handed to file.write
            self._sink, self._sent = file, 0
            self._mem, self._memlen = ctypes.c_void_p(), ctypes.c_size_t()
            fp = _libc.open_memstream(ctypes.byref(self._mem), ctypes.byref(self._memlen))
            if not fp:
                raise _oserror("open_memstream")
        self._fp = fp
        d = call(_lib.mbuf_pcap_dump_open, fp, linktype, snaplen, flags)
        if not d:
            err = _oserror("writing the file header", self.name)
            self._close_fp()
            raise err
        self._d = d
        self.linktype, self.snaplen = linktype, snaplen or SNAPLEN_MAX
        self.nanosecond, self.ng = bool(nanosecond), bool(ng)

    def _drain(self):
        """Hand what the memory stream holds beyond what was sent to the sink."""
        if self._sink is not None and self._memlen.value > self._sent:
            self._sink.write(ctypes.string_at(self._mem.value + self._sent,
                                              self._memlen.value - self._sent))
            self._sent = self._memlen.value

    def write(self, packet, time=None, *, time_ns=None, wirelen=None, flags=None):
        """Append one record: packet is a Packet (written in place, not
        changed), a Record (its time, wire length and flags are the
        defaults) or bytes-like (copied into a temporary chain).  time:
        seconds (float); time_ns: nanoseconds (int); neither: now.
        wirelen: the length on the wire if more than the packet's.
        flags: pcapng epb_flags."""
        if self._d is None:
            raise ValueError("write to a closed pcap.Writer")
        if isinstance(packet, Record):
            if time is None and time_ns is None:
                time_ns = packet.time_ns
            if wirelen is None:
                wirelen = packet.wirelen
            if flags is None:
                flags = packet.flags
            packet = packet.packet
        tmp = None
        if not isinstance(packet, Packet):
            packet = tmp = Packet(packet)
        try:
            h = None
            if time is not None or time_ns is not None or wirelen or flags:
                h = _ffi.mbuf_pcap_pkthdr()
                if time_ns is None and time is not None:
                    sec = math.floor(time)
                    time_ns = sec * 1000000000 + round((time - sec) * 1e9)
                if time_ns is None:
                    import time as _t
                    time_ns = _t.time_ns()
                h.ts_sec, h.ts_nsec = divmod(int(time_ns), 1000000000)
                h.len = min(wirelen or 0, 0xffffffff)
                h.flags = flags or 0
            r = call(_lib.mbuf_pcap_dump, self._d, packet.address,
                     ctypes.byref(h) if h is not None else None)
        finally:
            if tmp is not None:
                tmp.free()
        if r != 0:
            if ctypes.get_errno() == _EOVERFLOW:
                raise OverflowError("pcap.Writer: time %r ns does not fit the %s format"
                                    % (time_ns, "pcapng" if self.ng else "pcap"))
            raise _oserror("pcap.Writer.write", self.name)

    def flush(self):
        if self._d is not None and call(_lib.mbuf_pcap_dump_flush, self._d) != 0:
            raise _oserror("pcap.Writer.flush", self.name)
        self._drain()

    def _close_fp(self):
        fp, self._fp = self._fp, None
        err = 0
        if fp and _libc.fclose(fp) != 0:
            err = ctypes.get_errno()
        if fp and self._sink is not None:
            self._drain()
            _libc.free(self._mem)
            self._sink = None
        return err

    def close(self):
        """Flush and close (the file itself only if a path was given:
        descriptors and file objects get a duplicate, closed here)."""
        d, self._d = self._d, None
        err = 0
        if d is not None and _lib.mbuf_pcap_dump_close(d) != 0:
            err = ctypes.get_errno()
        err = self._close_fp() or err
        if err:
            raise OSError(err, "pcap.Writer.close: %s" % os.strerror(err), self.name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


# ---- reading -------------------------------------------------------------

class Reader:
    """A capture being read: iterate for Records.

    Reader(source, zerocopy=False): source is a path, a bytes-like object
    (bytes, bytearray, memoryview, mmap...) or a file object (read whole).
    zerocopy=True makes each record's packet point into the capture: a
    path is mapped, a buffer is used as it is (held, and not resizable,
    while a packet refers to it).  Attributes: linktype and snaplen of the
    first interface (-1 before a pcapng file describes one), ng, nanosecond.
    """

    def __init__(self, source, zerocopy=False):
        self._r = None
        errbuf = ctypes.create_string_buffer(_ffi.MBUF_PCAP_ERRBUF_SIZE)
        flags = _ffi.MBUF_PCAP_ZEROCOPY if zerocopy else 0
        self.name = None
        if hasattr(source, "read") and not isinstance(source, (bytes, bytearray, memoryview)):
            source = source.read()
        if isinstance(source, (str, os.PathLike)):
            self.name = source
            r = call(_lib.mbuf_pcap_open_offline, os.fsencode(source), flags, errbuf)
        else:
            # the buffer becomes the storage of one packet, handed to C
            m = Packet.from_buffer(source, writable=False).detach()
            r = call(_lib.mbuf_pcap_open_mbuf, m, flags, errbuf)
        if not r:
            e = ctypes.get_errno()
            msg = errbuf.value.decode(errors="replace")
            if e == _EBADMSG:
                raise PcapError(msg if self.name is None else "%s: %s" % (os.fspath(self.name), msg))
            raise OSError(e, msg, self.name)
        self._r = r
        self.linktype = _lib.mbuf_pcap_datalink(r)
        self.snaplen = _lib.mbuf_pcap_snapshot(r)
        fmt = _lib.mbuf_pcap_format(r)
        self.ng = bool(fmt & _ffi.MBUF_PCAP_NG)
        self.nanosecond = bool(fmt & _ffi.MBUF_PCAP_NSEC)
        self.zerocopy = bool(zerocopy)

    def __iter__(self):
        return self

    def __next__(self):
        if self._r is None:
            raise StopIteration
        m = ctypes.c_void_p()
        h = _ffi.mbuf_pcap_pkthdr()
        rc = call(_lib.mbuf_pcap_next, self._r, ctypes.byref(m), ctypes.byref(h))
        if rc == 1:
            return Record(Packet.adopt(m.value), h.ts_sec * 1000000000 + h.ts_nsec,
                          h.len, h.linktype, h.ifindex, h.flags)
        if rc == 0:
            raise StopIteration
        e = ctypes.get_errno()
        msg = (_lib.mbuf_pcap_geterr(self._r) or b"").decode(errors="replace")
        if e == _EBADMSG:
            raise PcapError(msg)
        if e == _ENOBUFS:
            raise MemoryError("libmbuf: pcap: %s" % msg)
        raise OSError(e, msg, self.name)

    def close(self):
        """Close the capture; packets already read stay valid."""
        r, self._r = self._r, None
        if r is not None:
            _lib.mbuf_pcap_close(r)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()


def read(source, zerocopy=False):
    """Yield the Records of a capture (see Reader), closing it at the end."""
    with Reader(source, zerocopy) as r:
        yield from r


def write(file, packets, **kw):
    """Write packets (Packets, Records or bytes) to a new capture file (see
    Writer for file and the keywords); returns how many were written.
    Records keep their times: write(out, read(inp)) copies a capture."""
    n = 0
    with Writer(file, **kw) as w:
        for p in packets:
            w.write(p)
            n += 1
    return n
