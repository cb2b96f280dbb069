/*
 * Private declarations of the C side of libmbuf.so: the block shared with
 * the Go core, the per-thread state, and error reporting.
 */
#ifndef LIBMBUF_CAPI_INTERNAL_H
#define LIBMBUF_CAPI_INTERNAL_H

#include <stdint.h>
#include <stdlib.h>
#include "mbuf.h"
#include "core_gen.h"
#include "rules.h"

#define	MBUF_LIKELY(x)		__builtin_expect(!!(x), 1)
#define	MBUF_UNLIKELY(x)	__builtin_expect(!!(x), 0)
#define	MBUF_HIDDEN		__attribute__((visibility("hidden")))
/* the fast path's pieces must inline into each entry point; slow paths not */
#define	MBUF_INLINE		static inline __attribute__((always_inline))
#define	MBUF_COLD		__attribute__((noinline, cold))
/*
 * Out of line but not cold: the paths taken once per batch (refill,
 * drain).  Cold code is optimised for size, and a bursty workload runs
 * it all the time (a magazine copy became "rep movsb": make bench's burst
 * row, 213 -> 230 instructions per pair).
 */
#define	MBUF_BATCH_PATH		__attribute__((noinline))
/*
 * The allocation entry points start on a cache line: their speed moved by
 * up to 10 % with where the linker happened to put them (make bench,
 * m_get+m_free, identical code), a cliff no change should fall off.
 */
#define	MBUF_ENTRY		__attribute__((aligned(64)))

/* Mirrors core.Shared (core/pools.go); offsets pinned below and in Go. */
struct mbuf_shared {
	uintptr_t	mb_base, mb_end;	/* mbuf arena */
	uintptr_t	cl_base, cl_end;	/* cluster arena */
	uint8_t		*mb_state;		/* one state byte per mbuf slot */
	uint8_t		*cl_state;		/* one state byte per cluster */
	uint32_t	flags;			/* MBUF_SHARED_* */
	uint32_t	_pad;
	int64_t		go_types[MBUF_NUM_TYPES]; /* live mbufs by type, Go side */
};
/* 48 and 56 on LP64, 24 and 32 on ILP32; go_types 8-aligned on both, as
 * Go's 64-bit atomics on i386 require (core/layout_test.go pins Go's) */
_Static_assert(offsetof(struct mbuf_shared, flags) == 6 * sizeof(uintptr_t),
    "shared.flags");
_Static_assert(offsetof(struct mbuf_shared, go_types) == 6 * sizeof(uintptr_t) + 8,
    "shared.go_types");
_Static_assert(MBUF_STATE_STRIDE == 1 << MBUF_STATE_STRIDE_SHIFT,
    "state stride");

/*
 * The per-thread cache: magazines of free slots and this thread's counts,
 * the public prefix of a thread's state (struct mbuf_tcache, ABI version
 * MBUF_TCACHE_ABI: include/mbuf_inline.h, whose inline MGET/MFREE read it).
 * An mbuf magazine holds 512 slots and moves 256 per crossing into Go: a
 * burst of 256 allocations then frees (DPDK's per-lcore cache size) stays
 * in the cache (callgrind: 230 -> 111 instructions per pair); a cluster
 * magazine holds 64 and moves 32, since each cached cluster (2 KiB) counts
 * against nmbclusters while it sits there.
 */
#define	MBUF_MB_SLOTS		MBUF_TCACHE_MB_SLOTS
#define	MBUF_MB_BATCH		256
#define	MBUF_CL_SLOTS		MBUF_TCACHE_CL_SLOTS
#define	MBUF_CL_BATCH		32
#define	MBUF_MAX_BATCH		MBUF_MB_BATCH
/*
 * Ready mbuf+cluster pairs for m_getcl (FreeBSD's packet zone): m_freem
 * of an unshared cluster mbuf keeps the two together, and m_getcl takes
 * them from one magazine instead of two.  32, as clusters: each pair
 * holds one against nmbclusters.  Pairs never cross into Go as pairs:
 * when this magazine is empty or full, the mbuf and cluster magazines
 * serve, and a thread that runs out of mbufs or clusters splits its
 * pairs before it asks the core for more.
 */
#define	MBUF_PR_SLOTS		32
/* mbuf_thread.npr of a process started with MBUF_PAIR_CACHE=0: a count
 * that allows neither a pop nor a push, so the fast paths need no test */
#define	MBUF_PR_OFF		(MBUF_PR_SLOTS + 1)
/* closed by MCLGET's slow path, opened by m_getcl (fastpath.c clget_slow):
 * as MBUF_PR_OFF to the fast paths */
#define	MBUF_PR_CLOSED		(MBUF_PR_SLOTS + 2)

/*
 * Set in a magazine count (nmb, ncl, npr) by another thread, or by the fork()
 * child handler, to send the owner's next section to the slow path; the
 * reason is in tc.stop.  The fast path's range checks on the counts catch
 * it for free: a count with this bit is never in [1, slots].
 */
#define	MBUF_MAG_STOP		MBUF_TCACHE_STOP
/* values of tc.stop */
#define	MBUF_STOP_STEAL		1	/* another thread is taking the caches */
#define	MBUF_STOP_FORKED	2	/* this is a child of fork() */

_Static_assert(MBUF_STATE_FREE == MBUF_TCACHE_STATE_FREE &&
    MBUF_STATE_LIVE == MBUF_TCACHE_STATE_LIVE &&
    MBUF_STATE_STRIDE_SHIFT == MBUF_TCACHE_STATE_SHIFT,
    "the core's state bytes are those of the inline ABI (mbuf_inline.h)");

/*
 * A thread's state: the public prefix tc first (the magazine protocol's
 * words: idle, written by the owner only, and the counts, written by the
 * owner and, MBUF_MAG_STOP only and atomically, by a stealer; the
 * magazines and the type counts belong to the owner and are read by a
 * stealer only as that protocol allows), then the library's own fields,
 * which may change freely: new fields go here, never into tc.  Allocated
 * on a cache line of its own: two threads' hot words never share one.
 * (idle is an int: a byte read-modify-write measured about 10 % slower
 * on m_get+m_free.)
 */
struct mbuf_thread {
	struct mbuf_tcache tc;		/* the public prefix: first */
	/* where this thread's mbuf__tcache_v1 lives (the owner's TLS) */
	struct mbuf_tcache **published;
	const char	*call;		/* the call into Go in progress, or NULL */
	int		tid;		/* gettid(), for the steal fallback */
	int		sig_probes;	/* sigaltstack() queries made (max 2) */
	uintptr_t	sig_lo, sig_hi;	/* the alternate signal stack, or 0, 0 */
	struct mbuf_thread *next, *prev; /* registry of threads */
	/* a violation reported by Go during the current call */
	int		pending;
	char		pend_func[48];
	char		pend_msg[320];
	/* the last violation, for mbuf_last_error() */
	int		has_error;
	char		last_error[400];
	/*
	 * The pair magazine (fastpath.c), a third kind under the same
	 * protocol: npr takes MBUF_MAG_STOP as nmb and ncl do.  Each pair's
	 * mbuf and cluster are free slots (state bytes free, counted as
	 * cached, not live); the cluster is kept here, not read back from
	 * the freed mbuf, so nothing written into a freed mbuf is trusted.
	 */
	int		npr;		/* pairs in pr[] (| MBUF_MAG_STOP), MBUF_PR_OFF, MBUF_PR_CLOSED */
	struct mbuf_pair {
		struct mbuf	*m;
		char		*c;
	}		pr[MBUF_PR_SLOTS];
};
_Static_assert(offsetof(struct mbuf_thread, tc) == 0,
    "mbuf__tcache_v1 points at the thread's state");

extern MBUF_HIDDEN struct mbuf_shared *mbuf__sh;
extern MBUF_HIDDEN __thread struct mbuf_thread *mbuf__self
    __attribute__((tls_model("initial-exec")));
/* set in a child of fork(): nothing may enter Go or take our locks */
extern MBUF_HIDDEN int mbuf__forked;

MBUF_HIDDEN struct mbuf_thread *mbuf__thread_slow(void);
MBUF_HIDDEN void mbuf__init(void);
/* copy the arenas' extent from the shared block (fastpath.c) */
MBUF_HIDDEN void mbuf__arena_sync(void);
/* after the fast path's switch moved: every thread's mbuf__tcache_v1 */
MBUF_HIDDEN void mbuf__publish_all(void);
/* the C side of m_reclaim, run by the core (core/reclaim.go) */
MBUF_HIDDEN void mbuf__drain_hooks(void);

static inline struct mbuf_thread *
mbuf__thread(void)
{
	struct mbuf_thread *t = mbuf__self;

	return MBUF_LIKELY(t != NULL) ? t : mbuf__thread_slow();
}

/*
 * Is this thread running on its alternate signal stack, that is in a
 * signal handler installed with SA_ONSTACK (as Go requires of every
 * handler in a process that runs Go code)?  The range is learnt from
 * sigaltstack() on the thread's first calls into the library: the Go
 * runtime gives the thread its signal stack on the first call into Go.
 */
static inline int
mbuf__on_sigstack(const struct mbuf_thread *t)
{
	char here;

	return (uintptr_t)&here - t->sig_lo < t->sig_hi - t->sig_lo;
}

/*
 * Calls into Go, and calls that take the library's locks, are bracketed:
 *
 *	if (!MBUF_ENTER("m_dup"))
 *		return NULL;		(refused and reported: nothing done)
 *	r = mbufgo_dup(...);
 *	MBUF_FLUSH();			(the call is over; report what Go found)
 *
 * MBUF_ENTER marks the thread inside the library (idle = 0) and notes the
 * call's name.  It refuses, and
 * reports through the panic handler, a call made in a child of fork()
 * (the Go runtime's other threads are gone there: a call into Go can
 * hang) and a call made from a signal handler: one that interrupted a
 * library call on the same thread (the thread is not idle: the interrupted
 * call may hold a lock or be inside the Go runtime), or one running on
 * the signal stack (the Go runtime cannot be entered from a handler).
 * User code the library calls back (ext_free callbacks, drain hooks,
 * m_print's pr, m_apply's f) runs between mbuf__callout_begin() and
 * mbuf__callout_end(), so it may use the library.
 */
MBUF_HIDDEN int mbuf__enter(const char *fn);
#define	MBUF_ENTER(fn)	MBUF_LIKELY(mbuf__enter(fn))

/* returns the call it interrupts (NULL: none), for mbuf__callout_end */
static inline const char *
mbuf__callout_begin(void)
{
	struct mbuf_thread *t = mbuf__self;
	const char *call;

	if (t == NULL || t->tc.idle != 0)
		return NULL;
	call = t->call;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	t->call = NULL;
	__atomic_store_n(&t->tc.idle, 1, __ATOMIC_RELEASE);
	return call;
}

static inline void
mbuf__callout_end(const char *call)
{
	struct mbuf_thread *t = mbuf__self;

	if (t != NULL && call != NULL) {
		t->call = call;
		__atomic_store_n(&t->tc.idle, 0, __ATOMIC_RELAXED);
	}
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

/* report a violation found in C: the panic handler, or a soft error */
MBUF_HIDDEN void mbuf__violation(const char *func, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* a chain the C checks refused: the core words the violation */
MBUF_HIDDEN void mbuf__report_chain(const char *func, const struct mbuf *m);
/*
 * The end of a call begun by MBUF_ENTER: report what Go found, if
 * anything (and on a thread's first calls, learn its signal stack).
 */
MBUF_HIDDEN void mbuf__flush_pending_slow(struct mbuf_thread *t);
MBUF_HIDDEN void mbuf__probe_sigstack(struct mbuf_thread *t);
MBUF_HIDDEN void mbuf__flush(void);
#define	MBUF_FLUSH()	mbuf__flush()
/* did the last Go call of this thread fail? (read before MBUF_FLUSH) */
static inline int
mbuf__go_failed(void)
{
	struct mbuf_thread *t = mbuf__self;

	return t != NULL && t->pending;
}

/* per-thread live counts: only the owner writes; others read relaxed */
static inline void
mbuf__count(struct mbuf_thread *t, int type, int delta)
{
	mbuf__tc_count(&t->tc, type, delta);
}

/* barrier.c: a barrier on the other threads, for the stealer */
struct mbuf_sched {
	int	known;		/* the fields below could be read */
	int	running;	/* state R */
	long	switches;	/* context switches so far */
};
MBUF_HIDDEN int	mbuf__barrier_all(void);
MBUF_HIDDEN int	mbuf__sched_state(int tid, struct mbuf_sched *s);

/* mbuf_stats_sync without the call bracket, for calls that have their own */
MBUF_HIDDEN void mbuf__stats_sync(void);

/* kern.mbuf.mowners (owners.c keeps the list and its lock) */
MBUF_HIDDEN void mbuf__owners_init(void);
MBUF_HIDDEN int mbuf__owners_copy(void *oldp, size_t *oldlenp);

/* C trampolines called from Go */
void	mbuf__call_ext_free(uintptr_t fn, uintptr_t m, uintptr_t buf,
	    uintptr_t size, uintptr_t arg);
void	mbuf__free_malloc(uintptr_t buf);
void	mbuf__call_tag_free(uintptr_t fn, uintptr_t t);
void	mbuf__warn(const char *msg);
void	mbuf__set_pending(const char *func, int flen, const char *msg, int mlen);
/* reports: an attached owner's name (owners.c), a C symbol (debug.c) */
MBUF_HIDDEN int	mbuf__owner_name(uintptr_t mo, char *buf, int n);
MBUF_HIDDEN int	mbuf__dbg_symbolize(uintptr_t pc, char *out, int n);

#endif /* LIBMBUF_CAPI_INTERNAL_H */
