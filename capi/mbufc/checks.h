/*
 * The preconditions of the C fast paths, one definition each.
 *
 * A fast path runs only when these hold; otherwise it hands the whole
 * call to the core, which checks the same things (each predicate names
 * its Go twin in core/checks.go) and words the violation.  So a fast path
 * never reports anything itself: every message is written once, in Go,
 * and the two paths can only differ if a predicate here and its twin
 * disagree, which c_tests/test_checks.c, the misuse catalogue (run with
 * the fast paths on and off) and the C fuzzer look for.
 *
 * An operation checks the mbufs it uses, each once, before it changes
 * anything: those holding its bytes [0, off + len) (the whole chain for a
 * walk to the end), not the rest.  The first mbuf is checked inline with
 * a few compares (a negative m_len fails the comparison that bounds the
 * data); an operation that needs more goes on with the chain walk below,
 * which checks each mbuf as it reaches it and leaves the operation where
 * its bytes are, so the operation does not walk again to find them.
 */
#ifndef LIBMBUF_CAPI_CHECKS_H
#define LIBMBUF_CAPI_CHECKS_H

#include <limits.h>

#include "fastpath.h"

/* checkPrefix's need for a walk to the end of the chain */
#define	MBUF_WHOLE_CHAIN	INT64_MAX

/*
 * A holder whose ext descriptor may be read: live, or a zombie (freed
 * while others still share its storage).
 */
MBUF_INLINE int
mbuf__holder_ok(const struct mbuf *h)
{
	uint8_t s;

	/*
	 * (A compiler barrier: the arena's bounds are loaded again here, so
	 * the common path need not keep them in registers for this rare one.)
	 */
	__asm__ __volatile__("" ::: "memory");
	if (!mbuf__mb_slot(h))
		return 0;
	s = *mbuf__mb_state(h);
	return s == MBUF_STATE_LIVE || s == MBUF_STATE_ZOMBIE;
}

/*
 * m's m_len >= 0 bytes from m_data lie inside its buffer: m_dat, or the
 * ext storage [ext_buf, ext_buf + ext_size) of its holder (core.checkData).
 * m is live; a holder other than m is checked first (core.checkHolder).
 */
MBUF_INLINE int
mbuf__data_ok(const struct mbuf *m)
{
	const struct mbuf *h;
	uintptr_t off, size;

	if (MBUF_LIKELY((m->m_flags & M_EXT) == 0)) {
		off = (uintptr_t)m->m_data - (uintptr_t)m->m_dat;
		size = MLEN;
	} else if (MBUF_LIKELY(m->m_ext_ref == m)) {
		off = (uintptr_t)m->m_data -
		    (uintptr_t)m->m_ext_storage.ext_buf;
		size = m->m_ext_storage.ext_size;
	} else {
		h = m->m_ext_ref;
		if (!mbuf__holder_ok(h))
			return 0;
		off = (uintptr_t)m->m_data -
		    (uintptr_t)h->m_ext_storage.ext_buf;
		size = h->m_ext_storage.ext_size;
	}
	/* a negative m_len, sign-extended, is larger than any buffer */
	return off <= size && (uintptr_t)(intptr_t)m->m_len <= size - off;
}

/* an mbuf an operation may use (core.checkMember) */
MBUF_INLINE int
mbuf__member_ok(const struct mbuf *m)
{
	return mbuf__mb_is_live(m) && mbuf__data_ok(m);
}

/*
 * THE CHAIN WALK (core.checkPrefix): every C path that uses more than the
 * head of a chain goes through it with these, so each mbuf is checked
 * once, as the walk reaches it, and the operation acts on what the walk
 * found without checking it again:
 *
 *	mbuf__walk_begin(&w, head);	   head already checked (member_ok)
 *	r = mbuf__walk_step(&w);	   the next mbuf, checked: w.m, counted
 *					   in w.total; 0 at the end, -1 refused
 *	mbuf__walk_done(&w)		   the walk has what it needs: 0 if the
 *					   chain loops
 *	mbuf__walk_to(&w, need)		   steps until w.total >= need, then done
 *
 * A walk that fails hands the call to the core before anything was
 * changed (the core checks the same prefix first, and reports).
 *
 * Loops: the walk leaves a mark at its steps 1, 3, 7, 15, ... and meeting
 * it again means a cycle (Brent), found within three times the steps of
 * the first repeat; so a walk that got its bytes at step k > 2 looks on
 * over live mbufs up to step 3k (or the end) before they are used, lest
 * a loop made it count bytes twice.  Up to step 2 the mark is the head: a
 * repeat there is seen at once.
 */
struct mbuf_walk {
	const struct mbuf	*m;	/* the last mbuf checked */
	const struct mbuf	*mark;	/* a repeat of it closes a loop */
	int64_t			total;	/* the m_len of those checked */
	unsigned long		left;	/* steps to the next mark */
	unsigned long		lap;	/* 2^j after the mark at step 2^j - 1 */
};

/* mbufs checked: the head is step 1 */
#define	MBUF_WALK_STEPS(w)	(2 * (w)->lap - 1 - (w)->left)

MBUF_INLINE void
mbuf__walk_begin(struct mbuf_walk *w, const struct mbuf *head)
{
	w->m = w->mark = head;
	w->total = head->m_len;
	w->left = w->lap = 2;
}

MBUF_INLINE int
mbuf__walk_step(struct mbuf_walk *w)
{
	const struct mbuf *n = w->m->m_next;

	if (n == NULL)
		return 0;
	if (MBUF_UNLIKELY(n == w->mark || !mbuf__member_ok(n)))
		return -1;
	w->m = n;
	w->total += n->m_len;
	if (MBUF_UNLIKELY(--w->left == 0)) {
		w->mark = n;		/* steps 1, 3, 7, 15, ... */
		w->lap <<= 1;
		w->left = w->lap;
	}
	return 1;
}

/* the look for a loop past step k > 2, out of line (checks.c) */
MBUF_HIDDEN int mbuf__walk_probe(const struct mbuf *m,
    const struct mbuf *mark, unsigned long k);

MBUF_INLINE int
mbuf__walk_done(const struct mbuf_walk *w)
{
	if (MBUF_LIKELY(w->lap <= 2 || w->m->m_next == NULL))
		return 1;	/* two steps, or the end: no loop unseen */
	return mbuf__walk_probe(w->m, w->mark, MBUF_WALK_STEPS(w));
}

/*
 * Step until the mbufs checked hold need bytes: 1 when they do (the chain
 * does not loop), 0 when the chain ends first (all of it checked: the
 * core then takes the call, or the caller uses w.total), -1 refused.
 */
MBUF_INLINE int
mbuf__walk_to(struct mbuf_walk *w, int64_t need)
{
	int r;

	while (w->total < need)
		if ((r = mbuf__walk_step(w)) <= 0)
			return r;
	return mbuf__walk_done(w) ? 1 : -1;
}

/*
 * The walk from a head already checked to need bytes: where it stopped,
 * the mbuf holding byte need - 1 (or the chain's last when it is
 * shorter), and the bytes up to there; total -1 when it was refused.  An
 * operation acts from `last` on, without walking again.  The second mbuf
 * is checked inline (the most common end of a walk, and no loop can hide
 * in two steps); a longer walk goes on out of line, in one compact loop.
 */
struct mbuf_reach {
	const struct mbuf	*last;
	int64_t			total;
};

MBUF_HIDDEN struct mbuf_reach mbuf__reach_rest(const struct mbuf *second,
    const struct mbuf *head, int64_t total, int64_t need);

/*
 * The inline part: 1 when the head and the second mbuf settle it (*r is
 * the answer), 0 when the walk must go on past the second mbuf, r->last,
 * with r->total bytes so far: mbuf__reach_rest(r->last, head, r->total,
 * need) does.  (An operation may do that in a function of its own, so
 * that its common path keeps no registers for the call.)
 */
MBUF_INLINE int
mbuf__reach_two(const struct mbuf *head, int64_t need, struct mbuf_reach *r)
{
	struct mbuf_walk w;
	int step = 0;

	mbuf__walk_begin(&w, head);
	if (w.total < need && (step = mbuf__walk_step(&w)) < 0)
		w.total = -1;
	r->last = w.m;
	r->total = w.total;
	return step <= 0 || w.total >= need;
}

MBUF_INLINE struct mbuf_reach
mbuf__reach(const struct mbuf *head, int64_t need)
{
	struct mbuf_reach r;

	if (MBUF_LIKELY(mbuf__reach_two(head, need, &r)))
		return r;
	return mbuf__reach_rest(r.last, head, r.total, need);
}

/*
 * Check chain m from its head (always) until the mbufs checked hold at
 * least need bytes or the chain ends; their byte count, or -1 if one is
 * not usable or the walk went round a loop (core.checkPrefix).  The head
 * holding it all is checked inline; longer walks go on out of line.
 */
MBUF_HIDDEN int64_t mbuf__prefix_rest(const struct mbuf *head, int64_t need);

static inline int64_t
mbuf__prefix(const struct mbuf *m, int64_t need)
{
	if (MBUF_UNLIKELY(!mbuf__member_ok(m)))
		return m == NULL ? 0 : -1;
	if (MBUF_LIKELY(m->m_len >= need))
		return m->m_len;
	return mbuf__prefix_rest(m, need);
}

/* what moving a header from `from` to `to` needs (core.checkHeaderTarget) */
static inline int
mbuf__header_move_ok(const struct mbuf *to, const struct mbuf *from)
{
	return to != from && mbuf__mb_is_live(to) && mbuf__mb_is_live(from) &&
	    (from->m_flags & M_PKTHDR) != 0 && (to->m_flags & M_EXT) == 0 &&
	    ((to->m_flags & M_PKTHDR) == 0 ||
	    SLIST_FIRST(&to->m_pkthdr.tags) == NULL);
}

/* a new mbuf made for another takes its owner, unless NULL (core.claimFor) */
static inline void
mbuf__claim_for(struct mbuf *n, struct mowner *owner)
{
	if (owner != NULL)
		n->m_owner = owner;
}

#endif /* LIBMBUF_CAPI_CHECKS_H */
