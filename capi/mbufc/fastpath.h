/*
 * Inline pieces of the C fast path shared by fastpath.c and hotpath.c:
 * pointer checks against the core's arenas, and taking an mbuf out of a
 * thread's magazine.
 */
#ifndef LIBMBUF_CAPI_FASTPATH_H
#define LIBMBUF_CAPI_FASTPATH_H

#include <string.h>

#include "internal.h"

/* log2(MSIZE): 9 on LP64, 8 on ILP32 (MSIZE 256), a constant either way */
#define	MSIZE_SHIFT	__builtin_ctz(MSIZE)
_Static_assert((1 << MSIZE_SHIFT) == MSIZE, "MSIZE is a power of two");
#define	MCL_SHIFT	MCLSHIFT

/*
 * The arenas' bounds, state bytes and the fast-path switch, copied out of
 * the core's shared block once at initialisation (they never change), so
 * each check is a few loads from one place.  Zero until then: nothing is
 * live and every call takes the slow path, which initialises.
 */
struct mbuf_arena {
	uintptr_t	mb_base, mb_span;
	uint8_t		*mb_state;
	uintptr_t	cl_base, cl_span;
	uint8_t		*cl_state;
	int		fast;		/* no debug or trace mode */
};
extern MBUF_HIDDEN struct mbuf_arena mbuf__arena;

static inline uint8_t *
mbuf__mb_state(const void *m)
{
	return &mbuf__arena.mb_state[(((uintptr_t)m - mbuf__arena.mb_base) >>
	    MSIZE_SHIFT) << MBUF_STATE_STRIDE_SHIFT];
}

static inline uint8_t *
mbuf__cl_state(const void *c)
{
	return &mbuf__arena.cl_state[(((uintptr_t)c - mbuf__arena.cl_base) >>
	    MCL_SHIFT) << MBUF_STATE_STRIDE_SHIFT];
}

/* inside the mbuf arena, on a slot boundary (its state not looked at) */
static inline int
mbuf__mb_slot(const void *m)
{
	uintptr_t off = (uintptr_t)m - mbuf__arena.mb_base;

	return off < mbuf__arena.mb_span && (off & (MSIZE - 1)) == 0;
}

/*
 * The state byte of m if m is a live mbuf, else NULL: for a caller that
 * goes on to store into it (a free), so that its address is computed once.
 */
static inline uint8_t *
mbuf__mb_live_state(const void *m)
{
	uint8_t *s;

	if (!mbuf__mb_slot(m))
		return NULL;
	s = mbuf__mb_state(m);
	return *s == MBUF_STATE_LIVE ? s : NULL;
}

static inline int
mbuf__mb_is_live(const void *m)
{
	return mbuf__mb_live_state(m) != NULL;
}

/* the state byte of c if c is a live cluster, else NULL (as above) */
static inline uint8_t *
mbuf__cl_live_state(const void *c)
{
	uintptr_t off = (uintptr_t)c - mbuf__arena.cl_base;
	uint8_t *s;

	if (off >= mbuf__arena.cl_span || (off & (MCLBYTES - 1)) != 0)
		return NULL;
	s = mbuf__cl_state(c);
	return *s == MBUF_STATE_LIVE ? s : NULL;
}

static inline int
mbuf__cl_is_live(const void *c)
{
	return mbuf__cl_live_state(c) != NULL;
}

/* the fast path is off while debug or trace mode wants to see every call */
static inline int
mbuf__fast_ok(void)
{
	return MBUF_LIKELY(mbuf__arena.fast);
}

static inline int
mbuf__valid_args(int how, int type)
{
	return mbuf__how_ok(how) && mbuf__type_ok(type);
}

/* the fields MGET sets (core.InitMbuf is the Go twin) */
static inline void
mbuf__init_mbuf(struct mbuf *m, int type)
{
	m->m_next = NULL;
	m->m_nextpkt = NULL;
	m->m_data = m->m_dat;
	m->m_flags = 0;
	m->m_len = 0;
	m->m_type = (short)type;
	m->m_paddr = M_PADDR_INVALID;
	m->m_owner = &unknown_mowners[mbuf__type_index(type)];
	m->m_ext_ref = m;
}

static inline void
mbuf__init_pkthdr(struct mbuf *m)
{
	m->m_data = m->m_pktdat;
	m->m_flags = M_PKTHDR;
	memset(&m->m_pkthdr, 0, sizeof(m->m_pkthdr));
}

/*
 * THE MAGAZINE PROTOCOL.  A thread's magazines (mb[]/nmb, cl[]/ncl, and
 * the mbuf+cluster pairs pr[]/npr) and its mtypes[] counts are changed by
 * their owner inside a section:
 *
 *	if (--t->idle != 0)	-> t->idle = 0; slow path: a signal handler
 *				   interrupted a library call on this thread
 *	n = t->nmb;		   (after a compiler barrier)
 *	if (n is not in [1, slots]) -> t->idle = 1; slow path: empty, or
 *				   MBUF_MAG_STOP (a steal, or fork())
 *	m = t->mb[n - 1]; t->nmb = n - 1; t->mtypes[type]++;
 *	t->idle = 1;		   (a release store)
 *
 * (a push checks n < slots the same way).  mbuf__mag_enter() and
 * mbuf__mag_leave() are the first and last lines.  A section never blocks
 * and never calls user code; it may call into Go only to give slots back
 * (which never calls back).  Popped slots are handed out (state byte,
 * fields) after the section; slots are pushed after their state is free.
 *
 * The only other writer is a stealer (steal_caches() in fastpath.c),
 * which recovers the caches of idle threads when a pool is at its limit:
 * it ors MBUF_MAG_STOP into every thread's counts, issues membarrier(2)
 * (a full barrier on every running thread of the process), empties the
 * magazines of the threads whose idle it reads 1, and clears the bit.
 * The barrier pairs the owner's (store idle, load count) with the
 * stealer's (store count, load idle): either the owner sees the bit and
 * keeps out, or the stealer sees the owner inside and keeps out.  The
 * owner pays no fence and no extra load: three instructions a section.
 * Code that pops or pushes anywhere (hotpath.c, an inline MGET) follows
 * these lines.
 */
MBUF_INLINE int
mbuf__mag_enter(struct mbuf_thread *t)
{
	/* one read-modify-write instruction where the target has one */
	if (MBUF_UNLIKELY(--t->idle != 0)) {
		t->idle = 0;	/* nested: the interrupted call's mark again */
		return 0;	/* (the slow path reports it) */
	}
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	return 1;
}

MBUF_INLINE void
mbuf__mag_leave(struct mbuf_thread *t)
{
	__atomic_store_n(&t->idle, 1, __ATOMIC_RELEASE);
}

/* a count that allows a pop: in [1, slots], no MBUF_MAG_STOP */
#define	MBUF_CAN_POP(n, slots)	((unsigned)(n) - 1 < (slots))
/* a count that allows k pushes: n + k <= slots, no MBUF_MAG_STOP */
#define	MBUF_CAN_PUSH(n, k, slots) ((unsigned)(n) + (k) <= (slots))

/* hand out the mbuf slot m, popped from a magazine, as MGET does */
MBUF_INLINE void
mbuf__hand_out(struct mbuf *m, int type)
{
	*mbuf__mb_state(m) = MBUF_STATE_LIVE;
	mbuf__init_mbuf(m, type);
}

/*
 * The end of a section that pops: slot n - 1 of t's mbuf magazine (n
 * checked by MBUF_CAN_POP), counted as type, handed out after leaving.
 */
MBUF_INLINE struct mbuf *
mbuf__pop_mbuf(struct mbuf_thread *t, int n, int type)
{
	struct mbuf *m = t->mb[n - 1];

	t->nmb = n - 1;
	mbuf__count(t, type, 1);
	mbuf__mag_leave(t);
	mbuf__hand_out(m, type);
	return m;
}

/* may t's caches be used by a call now (not nested, not after fork)? */
static inline int
mbuf__mag_usable(const struct mbuf_thread *t)
{
	return t->idle == 1 && t->stop != MBUF_STOP_FORKED;
}

/*
 * May this call only use t's caches, and not the core: nested in a signal
 * handler, a child of fork(), or on the signal stack?  (MBUF_ENTER would
 * refuse; the callers' Go paths are where it is reported, once.)  An
 * allocation from the caches that failed otherwise failed for want of
 * memory, counted once by the refill.
 */
static inline int
mbuf__cache_only(const struct mbuf_thread *t)
{
	return !mbuf__mag_usable(t) || mbuf__on_sigstack(t);
}

MBUF_HIDDEN struct mbuf *mbuf__alloc_mbuf_slow(struct mbuf_thread *t,
    int how, int type, const char *fn);

/*
 * One mbuf of the given type for the call fn, from t's cache (refilled
 * from the core when empty), with the fields MGET sets.  NULL when none
 * could be had, or when the cache may not be used now (a call nested in a
 * signal handler, a child of fork()): the caller's Go path reports those.
 */
MBUF_INLINE struct mbuf *
mbuf__alloc_mbuf(struct mbuf_thread *t, int how, int type, const char *fn)
{
	int n;

	if (MBUF_LIKELY(mbuf__mag_enter(t))) {
		n = t->nmb;
		if (MBUF_LIKELY(MBUF_CAN_POP(n, MBUF_MB_SLOTS)))
			return mbuf__pop_mbuf(t, n, type);
		mbuf__mag_leave(t);
	}
	return mbuf__alloc_mbuf_slow(t, how, type, fn);
}

#endif /* LIBMBUF_CAPI_FASTPATH_H */
