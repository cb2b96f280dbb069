"""Loading libmbuf.so and turning its violations into Python exceptions.

The library is looked for, in order:

1. the path in the environment variable LIBMBUF_PATH;
2. libmbuf.so next to this package (an installed copy: pip puts it there);
3. build/libmbuf.so of the source tree this package sits in;
4. ctypes.util.find_library("mbuf") (the system's library path).

It is loaded twice over the same handle: `lib`, a ctypes.CDLL with every
prototype of the header (calls drop the GIL, as ctypes does), and `pylib`,
a ctypes.PyDLL through which the Packet layer makes its mbuf_py_* calls
with the GIL held (none of them blocks; PERFORMANCE.md section 5: it saves
40-60 ns a call, and it makes each operation on a packet atomic with
respect to other Python threads).

Errors: the library reports a contract violation (a bad pointer, a
negative length...) to its panic handler, whose default aborts the process
like the kernel.  Importing this module installs the library's own
mbuf_py_panic_handler, a C function that returns: the failing call then
returns its failure value without touching the chain and the message stays
for mbuf_last_error(), which the Python layer raises as MbufError.  Being C,
the handler stays valid while the interpreter shuts down and after.  It is
process-wide: it replaces one a C host may have installed.  Calls made
straight through `lib` leave a violation's message for check().
"""
import ctypes
import ctypes.util
import os

from . import _ffi

ENV = "LIBMBUF_PATH"


class MbufError(ValueError):
    """A contract violation reported by libmbuf (the kernel would panic),
    or the use of a packet that was freed: a bad value, as ValueError
    means (like I/O on a closed file)."""


MbufError.__module__ = "mbuf"


def _candidates():
    env = os.environ.get(ENV)
    if env:
        yield env, "$" + ENV
        return
    here = os.path.dirname(os.path.abspath(__file__))
    yield os.path.join(here, "libmbuf.so"), "next to the package"
    yield os.path.join(here, "..", "..", "build", "libmbuf.so"), "the source tree's build/"
    found = ctypes.util.find_library("mbuf")
    if found:
        yield found, "ctypes.util.find_library"


def _load():
    tried = []
    for path, where in _candidates():
        if os.sep in path and not os.path.exists(path):
            tried.append("%s (%s): absent" % (path, where))
            continue
        try:
            return ctypes.CDLL(path), path
        except OSError as e:
            tried.append("%s (%s): %s" % (path, where, e))
    raise ImportError("libmbuf: cannot find libmbuf.so; build it with `make` "
                      "or set %s to its path. Tried:\n  %s"
                      % (ENV, "\n  ".join(tried) or "nothing"))


lib, path = _load()
missing = _ffi.bind(lib)
pylib = ctypes.PyDLL(path)

_version = lib.mbuf_version().decode()
if _version.split(".")[:2] != _ffi.LIBMBUF_VERSION.split(".")[:2]:
    raise ImportError("libmbuf: %s is version %s, these bindings were generated "
                      "for %s" % (path, _version, _ffi.LIBMBUF_VERSION))
version = _version

if pylib.mbuf_py_init() != 0:
    raise ImportError("libmbuf: %s cannot reach this interpreter's C API "
                      "(dlsym of PyBytes_FromStringAndSize etc. failed)" % path)

# ---- errors --------------------------------------------------------------

_last_error, _clear_error = lib.mbuf_last_error, lib.mbuf_clear_error


def take_error():
    """This thread's pending violation message (cleared), or None."""
    msg = _last_error()
    if msg is None:
        return None
    _clear_error()
    return msg.decode(errors="replace")


def check():
    """Raise MbufError if a library call of this thread reported a
    violation that nobody has raised yet."""
    msg = take_error()
    if msg is not None:
        raise MbufError(msg)


def call(fn, *args):
    """fn(*args) on the library, raising MbufError if that call reported a
    violation (a message left by an earlier unchecked call is dropped
    first: it is not this call's)."""
    _clear_error()
    r = fn(*args)
    check()
    return r
