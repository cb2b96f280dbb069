"""Loading libmbuf.so and turning its violations into Python exceptions.

The library is looked for, in order:

1. the path in the environment variable LIBMBUF_PATH;
2. libmbuf.so next to this package (an installed copy);
3. build/libmbuf.so of the source tree this package sits in;
4. ctypes.util.find_library("mbuf") (the system's library path).

Errors: the library reports a contract violation (a bad pointer, a
negative length...) to its panic handler, whose default aborts the
process like the kernel.  Importing this module installs a handler that
records the message for the calling thread and returns; the failing call
then returns its failure value without touching the chain, and the
Pythonic layer raises MbufError with the library's message.  The handler
is process-wide: it replaces one a C host may have installed.  Calls made
straight through `lib` leave a violation's message for check().
"""
import atexit
import ctypes
import ctypes.util
import os
import threading

from . import _ffi

ENV = "LIBMBUF_PATH"


class MbufError(Exception):
    """A contract violation reported by libmbuf (the kernel would panic)."""


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

_version = lib.mbuf_version().decode()
if _version.split(".")[:2] != _ffi.LIBMBUF_VERSION.split(".")[:2]:
    raise ImportError("libmbuf: %s is version %s, these bindings were generated "
                      "for %s" % (path, _version, _ffi.LIBMBUF_VERSION))
version = _version

# ---- errors --------------------------------------------------------------

_pending = {}   # thread ident -> message of a violation not yet raised


@_ffi.mbuf_panic_handler_t
def _on_violation(func, msg):
    try:
        _pending[threading.get_ident()] = "%s: %s" % (
            (func or b"?").decode(errors="replace"),
            (msg or b"").decode(errors="replace"))
    except BaseException:   # never let an exception unwind into C
        pass


lib.mbuf_set_panic_handler(_on_violation)
# the callback dies with the interpreter: give C code the default back
# (packets' finalizers, registered later, run before this at exit)
atexit.register(lib.mbuf_set_panic_handler, _ffi.mbuf_panic_handler_t())  # NULL: the default


def check():
    """Raise MbufError if the last library call of this thread failed."""
    if _pending:
        msg = _pending.pop(threading.get_ident(), None)
        if msg is not None:
            raise MbufError(msg)


def call(fn, *args):
    """fn(*args) on the library, raising MbufError on a violation."""
    if _pending:        # a message left by an unchecked call is stale
        _pending.pop(threading.get_ident(), None)
    r = fn(*args)
    if _pending:
        check()
    return r


def call_err(fn, *args):
    """fn(*args) on the library: (its result, the violation message or None)."""
    if _pending:
        _pending.pop(threading.get_ident(), None)
    r = fn(*args)
    return r, (_pending.pop(threading.get_ident(), None) if _pending else None)
