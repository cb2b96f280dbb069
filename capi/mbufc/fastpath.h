/*
 * Inline pieces of the C fast path shared by fastpath.c and hotpath.c:
 * pointer checks against the core's arenas, and taking an mbuf out of a
 * thread's magazine.  The rules themselves are in include/mbuf_inline.h,
 * which the inline MGET/MFREE of programs compile too; here they are
 * bound to the library's own arena and per-thread state.
 */
#ifndef LIBMBUF_CAPI_FASTPATH_H
#define LIBMBUF_CAPI_FASTPATH_H

#include <string.h>

#include "internal.h"

/*
 * The arenas' bounds, state bytes and the fast-path switch, copied out of
 * the core's shared block once at initialisation (the spans grow as the
 * core maps chunks), so each check is a few loads from one place.  Zero
 * until then: nothing is live and every call takes the slow path, which
 * initialises.  a is what each thread's tc.arena points to.
 */
struct mbuf_arena {
	struct mbuf_tcache_arena a;
	int		fast;		/* no debug or trace mode */
};
extern MBUF_HIDDEN struct mbuf_arena mbuf__arena;

/* the pointer checks of include/mbuf_inline.h, on the library's arena */
static inline uint8_t *
mbuf__mb_state(const void *m)
{
	return mbuf__tc_mb_state(&mbuf__arena.a, m);
}

static inline uint8_t *
mbuf__cl_state(const void *c)
{
	return mbuf__tc_cl_state(&mbuf__arena.a, c);
}

static inline int
mbuf__mb_slot(const void *m)
{
	return mbuf__tc_mb_slot(&mbuf__arena.a, m);
}

static inline int
mbuf__mb_is_live(const void *m)
{
	return mbuf__tc_mb_is_live(&mbuf__arena.a, m);
}

static inline int
mbuf__cl_is_live(const void *c)
{
	return mbuf__tc_cl_is_live(&mbuf__arena.a, c);
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

/*
 * The magazine protocol (mbuf__mag_enter, mbuf__mag_leave, the counts'
 * checks) is THE MAGAZINE PROTOCOL comment of include/mbuf_inline.h:
 * inline MGET and MFREE in programs follow it as the library does.  The
 * library's private pair magazine (pr[]/npr, internal.h) follows it too:
 * the stealer and the fork() child handler stop its count with the others.
 */
#define	MBUF_CAN_POP(n, slots)		mbuf__can_pop((n), (slots))
#define	MBUF_CAN_PUSH(n, k, slots)	mbuf__can_push((n), (k), (slots))

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
	struct mbuf *m = t->tc.mb[n - 1];

	t->tc.nmb = n - 1;
	mbuf__count(t, type, 1);
	mbuf__mag_leave(&t->tc);
	mbuf__hand_out(m, type);
	return m;
}

/* may t's caches be used by a call now (not nested, not after fork)? */
static inline int
mbuf__mag_usable(const struct mbuf_thread *t)
{
	return t->tc.idle == 1 && t->tc.stop != MBUF_STOP_FORKED;
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
 * mbuf__alloc_mbuf's common case alone: an mbuf from t's magazine, or NULL
 * when it cannot give one now (then mbuf__alloc_mbuf_slow decides).  For a
 * caller that takes the slow path in a function of its own, so that its
 * common path keeps no registers across a call (m_prepend).
 */
MBUF_INLINE struct mbuf *
mbuf__try_pop_mbuf(struct mbuf_thread *t, int type)
{
	int n;

	if (MBUF_LIKELY(mbuf__mag_enter(&t->tc))) {
		n = t->tc.nmb;
		if (MBUF_LIKELY(MBUF_CAN_POP(n, MBUF_MB_SLOTS)))
			return mbuf__pop_mbuf(t, n, type);
		mbuf__mag_leave(&t->tc);
	}
	return NULL;
}

/*
 * One mbuf of the given type for the call fn, from t's cache (refilled
 * from the core when empty), with the fields MGET sets.  NULL when none
 * could be had, or when the cache may not be used now (a call nested in a
 * signal handler, a child of fork()): the caller's Go path reports those.
 */
MBUF_INLINE struct mbuf *
mbuf__alloc_mbuf(struct mbuf_thread *t, int how, int type, const char *fn)
{
	struct mbuf *m = mbuf__try_pop_mbuf(t, type);

	if (MBUF_LIKELY(m != NULL))
		return m;
	return mbuf__alloc_mbuf_slow(t, how, type, fn);
}

#endif /* LIBMBUF_CAPI_FASTPATH_H */
