"""Threads and reentrancy: a Packet operation is one library call made
with the GIL held, so Python threads sharing packets never see a chain in
the middle of a change, and Python code that an owner's release runs in
the middle of an operation finds the packet busy, not half-changed."""
import ctypes
import sys
import threading

import mbuf
from mbuf import MbufError, Packet

from helpers import run_ok


def test_threads_sharing_packets_never_crash():
    out = run_ok("""
        import random, threading
        import mbuf
        from mbuf import Packet, MbufError
        shared = [Packet(bytes(range(256)) * 8) for _ in range(4)]
        stop = threading.Event()
        errors = []
        def worker(seed):
            rnd = random.Random(seed)
            while not stop.is_set():
                p = rnd.choice(shared)
                try:
                    n = len(p)
                    k = rnd.randrange(8)
                    if k == 0:
                        p.copyback(rnd.randrange(n + 1), b"w" * rnd.randrange(100))
                    elif k == 1:
                        p[rnd.randrange(-n, n)] = rnd.randrange(256)
                    elif k == 2:
                        p.adj(14).prepend(b"h" * 14)
                    elif k == 3:
                        c = p.copy()
                        c[0] = 1
                        c.free()
                    elif k == 4:
                        v = p.view(0, 10)
                        assert len(v) == 10
                    elif k == 5:
                        t = p.split(n // 2)
                        p.cat(t)
                    elif k == 6:
                        p.tags[rnd.randrange(4)] = b"t" * rnd.randrange(8)
                    else:
                        bytes(p)        # (its length moves: split/cat pairs)
                except (IndexError, BufferError):
                    pass            # another thread changed the length meanwhile
                except Exception:
                    import traceback
                    errors.append(traceback.format_exc())
                    stop.set()
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        threading.Event().wait(1.5)
        stop.set()
        for t in threads:
            t.join()
        assert not errors, errors
        for p in shared:
            assert sum(m.len for m in p.mbufs()) == len(p)
            p.free()
        print("ok", mbuf.lib.mbuf_leak_count())
    """)
    assert out.split() == ["ok", "0"]


def test_python_code_run_by_a_release_finds_the_packet_busy(no_leaks):
    seen = []

    class Owner:
        def __del__(self):
            # runs inside the copyback below, which is replacing the very
            # storage this object owns
            try:
                len(p)
            except MbufError as e:
                seen.append(str(e))

    owner = Owner()
    owner.mem = ctypes.create_string_buffer(b"read-only C memory", 18)
    p = Packet.from_address(ctypes.addressof(owner.mem), 18, owner)   # read-only
    del owner
    p[:] = b"Read-write memory!"        # copy-on-write frees the old storage
    assert seen and "busy" in seen[0], seen
    assert p == b"Read-write memory!"
    p.free()


def test_a_c_thread_releasing_an_owner_while_python_runs_packet_calls(no_leaks):
    """The release takes the GIL from a plain C thread while the main
    thread makes GIL-holding calls: no deadlock, released exactly once."""
    libc = ctypes.CDLL(None)
    bufs = [bytearray(b"c" * 64) for _ in range(50)]
    base = [sys.getrefcount(b) for b in bufs]
    chains = [Packet.from_buffer(b).detach() for b in bufs]
    arr = (ctypes.c_void_p * len(chains))(*chains)
    # fifty releases from a Python thread in a GIL-free CDLL call, one from
    # a pthread Python never saw
    tid = ctypes.c_ulong()
    one = Packet.from_buffer(bytearray(b"x" * 64)).detach()
    start = ctypes.cast(mbuf.lib.m_freem, ctypes.c_void_p)
    assert libc.pthread_create(ctypes.byref(tid), None, start, ctypes.c_void_p(one)) == 0
    t = threading.Thread(target=mbuf.lib.m_freem_bulk, args=(arr, len(chains)))
    t.start()
    p = Packet(b"main thread")
    for _ in range(2000):
        p[0] = p[1]
        p.copy()
    t.join()
    assert libc.pthread_join(tid, None) == 0
    assert [sys.getrefcount(b) for b in bufs] == base
    p.free()
