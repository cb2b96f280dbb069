/*
 * The switch between the C fast paths and the core, and the report of a
 * chain a C predicate (checks.h) refused.
 */
#include "internal.h"
#include "checks.h"
#include "_cgo_export.h"

/*
 * Fast paths on or off for the whole process: off, every call goes to
 * the core's complete implementation (as in debug mode, but with the
 * messages of normal mode).  Safe at any time, from any thread: both
 * paths keep the same state.  Debug mode keeps them off.
 */
int
mbuf_set_fastpath(int on)
{
	int was;

	mbuf__init();
	was = __atomic_load_n(&mbuf__arena.fast, __ATOMIC_ACQUIRE);
	if ((mbuf__sh->flags & MBUF_SHARED_SLOWPATH) == 0) {
		__atomic_store_n(&mbuf__arena.fast, on != 0, __ATOMIC_RELEASE);
		mbuf__publish_all();	/* the inline macros follow it */
	}
	return was;
}

/* a C predicate (checks.h) refused chain m: have the core say why */
void
mbuf__report_chain(const char *func, const struct mbuf *m)
{
	if (!MBUF_ENTER(func))
		return;		/* refused and reported */
	if (mbufgo_check_chain((uintptr_t)m, (char *)func)) {
		MBUF_FLUSH();
		/* the twins disagree: say so rather than fail silently */
		mbuf__violation(func, "internal error: the C check refused chain "
		    "%p, the core did not", (const void *)m);
		return;
	}
	MBUF_FLUSH();
}

/* mbuf__reach past the second mbuf, total bytes with the head's */
struct mbuf_reach
mbuf__reach_rest(const struct mbuf *second, const struct mbuf *head,
    int64_t total, int64_t need)
{
	struct mbuf_walk w = { second, head, total, 1, 2 };	/* step 2 */
	struct mbuf_reach r;

	r.total = mbuf__walk_to(&w, need) < 0 ? -1 : w.total;
	r.last = w.m;
	return r;
}

/* mbuf__prefix past a head already checked */
int64_t
mbuf__prefix_rest(const struct mbuf *head, int64_t need)
{
	struct mbuf_walk w;

	mbuf__walk_begin(&w, head);
	return mbuf__walk_to(&w, need) < 0 ? -1 : w.total;
}

/*
 * The walk got its bytes at mbuf m, its step k > 2: look on over live
 * mbufs up to step 3k for the mark (core.checkPrefix's probe).
 */
int
mbuf__walk_probe(const struct mbuf *m, const struct mbuf *mark,
    unsigned long k)
{
	unsigned long probe_to = 3 * k;

	for (m = m->m_next; m != NULL; m = m->m_next) {
		if (m == mark)
			return 0;
		if (++k > probe_to || !mbuf__mb_is_live(m))
			break;
		if ((k & (k + 1)) == 0)
			mark = m;
	}
	return 1;
}
