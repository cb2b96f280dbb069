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
 * walk to the end), not the rest.  Costs: the first mbuf is checked
 * inline with a few compares (a negative m_len fails the comparison that
 * bounds the data); longer walks go out of line, with one pointer compare
 * per step for cycles.
 */
#ifndef LIBMBUF_CAPI_CHECKS_H
#define LIBMBUF_CAPI_CHECKS_H

#include <limits.h>

#include "fastpath.h"

/* checkPrefix's need for a walk to the end of the chain */
#define	MBUF_WHOLE_CHAIN	INT64_MAX

/* storage of another holder: in checks.c (core.checkData) */
MBUF_HIDDEN int mbuf__ext_data_ok(const struct mbuf *m);

/*
 * m's m_len >= 0 bytes from m_data lie inside its buffer: m_dat, or the
 * ext storage [ext_buf, ext_buf + ext_size) of its holder (core.checkData).
 * m is live; a holder other than m is checked out of line.
 */
static inline int
mbuf__data_ok(const struct mbuf *m)
{
	uintptr_t off, size;

	if (MBUF_LIKELY((m->m_flags & M_EXT) == 0)) {
		off = (uintptr_t)m->m_data - (uintptr_t)m->m_dat;
		size = MLEN;
	} else if (MBUF_LIKELY(m->m_ext_ref == m)) {
		off = (uintptr_t)m->m_data -
		    (uintptr_t)m->m_ext_storage.ext_buf;
		size = m->m_ext_storage.ext_size;
	} else
		return mbuf__ext_data_ok(m);
	/* a negative m_len, sign-extended, is larger than any buffer */
	return off <= size && (uintptr_t)(intptr_t)m->m_len <= size - off;
}

/* an mbuf an operation may use (core.checkMember) */
static inline int
mbuf__member_ok(const struct mbuf *m)
{
	return mbuf__mb_is_live(m) && mbuf__data_ok(m);
}

/*
 * Check chain m from its head (always) until the mbufs checked hold at
 * least need bytes or the chain ends; their byte count, or -1 if one is
 * not usable or the walk went round a loop (core.checkPrefix).  The head
 * holding it all is checked inline; longer walks go on out of line, in
 * mbuf__prefix_rest (checks.c), from a head already checked.
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
