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

/* a slot whose ext descriptor may be read: live, or a zombie holder */
static int
holder_ok(const struct mbuf *h)
{
	uint8_t s;

	if (!mbuf__mb_slot(h))
		return 0;
	s = *mbuf__mb_state(h);
	return s == MBUF_STATE_LIVE || s == MBUF_STATE_ZOMBIE;
}

/* mbuf__data_ok for an mbuf sharing another holder's storage */
int
mbuf__ext_data_ok(const struct mbuf *m)
{
	const struct mbuf *h = m->m_ext_ref;
	uintptr_t off, size;

	if (!holder_ok(h))
		return 0;
	off = (uintptr_t)m->m_data - (uintptr_t)h->m_ext_storage.ext_buf;
	size = h->m_ext_storage.ext_size;
	return off <= size && (uintptr_t)(intptr_t)m->m_len <= size - off;
}

/*
 * The rest of core.checkPrefix once the caller checked the head.  Loops:
 * the walk leaves a mark at its steps 1, 3, 7, 15, ... and meeting it
 * again means a cycle (Brent), found within three times the steps of the
 * first repeat; so once need is reached at step k > 2, the walk goes on
 * over live mbufs only, up to step 3k (or the end), lest a loop made it
 * count bytes twice.  (Up to step 2 the mark is the head: a repeat there
 * is seen at once.)  The second mbuf, the most common end of a walk, is
 * done before the loop.
 */
int64_t
mbuf__prefix_rest(const struct mbuf *head, int64_t need)
{
	const struct mbuf *m = head->m_next, *mark = head;
	unsigned long k = 2, steps = 1, lap = 2, probe_to = 0;
	int64_t total = head->m_len;

	if (total >= need || m == NULL)
		return total;	/* the head alone */
	if (MBUF_UNLIKELY(m == head || !mbuf__member_ok(m)))
		return -1;
	if ((total += m->m_len) >= need)
		return total;	/* two mbufs: no room for a loop unseen */
	for (m = m->m_next; m != NULL; m = m->m_next) {
		if (MBUF_UNLIKELY(m == mark))
			return -1;
		if (MBUF_LIKELY(probe_to == 0)) {
			if (MBUF_UNLIKELY(!mbuf__member_ok(m)))
				return -1;
			k++;
			if ((total += m->m_len) >= need)
				probe_to = 3 * k;
		} else if (++k > probe_to || !mbuf__mb_is_live(m))
			break;
		if (MBUF_UNLIKELY(++steps == lap)) {
			mark = m;
			lap <<= 1;
			steps = 0;
		}
	}
	return total;
}
