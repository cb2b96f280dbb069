/*
 * The small per-packet operations, run in C on their common path.
 *
 * A crossing into Go costs more than any of these operations in the
 * kernel or in DPDK (PERFORMANCE.md), so their common case runs here over
 * the memory the Go core owns.  Each function checks its arguments with
 * the predicates of checks.h (twins of the core's checks), handles the
 * common case, and hands everything else (a broken precondition,
 * allocation-heavy or shape-changing cases, tags, debug mode) to the
 * core's complete implementation through one mbufgo_* call.  A fast path
 * never reports: every violation is worded once, in the core.  Each
 * checks the mbufs it uses, as the core does: those holding the bytes
 * [0, need) it works on, with the chain walk of checks.h, before it
 * changes anything.
 *
 * Here: m_copydata, m_adj, m_move_pkthdr, m_pullup, m_copyback, m_copym,
 * m_prepend, m_split, m_pulldown.  docs/performance.md says which cases
 * stay here and why.
 */
#include <string.h>

#include "internal.h"
#include "checks.h"
#include "_cgo_export.h"

/*
 * int arithmetic on fields the caller may have set to anything
 * (pkthdr.len): wraps like the core's int32, never overflows in C.
 */
static inline int
wrap_add(int a, int64_t b)
{
	return (int)((unsigned int)a + (unsigned int)b);
}

/*
 * The core's complete implementations, out of line.  MBUF_ENTER refuses
 * (and reports) a call the core may not take now: nested in a signal
 * handler, or in a child of fork().
 */
static MBUF_COLD void
copydata_go(const struct mbuf *m, int off, int len, const void *cp)
{
	if (!MBUF_ENTER("m_copydata"))
		return;
	mbufgo_copydata((uintptr_t)m, off, len, (uintptr_t)cp);
	MBUF_FLUSH();
}

static MBUF_COLD void
adj_go(struct mbuf *mp, int req_len)
{
	if (mp == NULL)
		return;		/* (not an mbuf: the fast path's check sent it) */
	if (!MBUF_ENTER("m_adj"))
		return;
	mbufgo_adj((uintptr_t)mp, req_len);
	MBUF_FLUSH();
}

static MBUF_COLD void
move_pkthdr_go(struct mbuf *to, struct mbuf *from)
{
	if (!MBUF_ENTER("m_move_pkthdr"))
		return;
	mbufgo_move_pkthdr((uintptr_t)to, (uintptr_t)from);
	MBUF_FLUSH();
}

static MBUF_COLD struct mbuf *
pullup_go(struct mbuf *n, int len)
{
	struct mbuf *r;

	if (!MBUF_ENTER("m_pullup"))
		return NULL;
	r = (struct mbuf *)mbufgo_pullup((uintptr_t)n, len);
	MBUF_FLUSH();
	return r;
}

static MBUF_COLD struct mbuf *
split_go(struct mbuf *m0, int len0, int how)
{
	struct mbuf *r;

	if (!MBUF_ENTER("m_split"))
		return NULL;
	r = (struct mbuf *)mbufgo_split((uintptr_t)m0, len0, how);
	MBUF_FLUSH();
	return r;
}

static MBUF_COLD struct mbuf *
pulldown_go(struct mbuf *m, int off, int len, int *offp)
{
	struct mbuf *x;

	if (!MBUF_ENTER("m_pulldown"))
		return NULL;
	x = (struct mbuf *)mbufgo_pulldown((uintptr_t)m, off, len, offp);
	MBUF_FLUSH();
	return x;
}

static MBUF_COLD void
copyback_go(struct mbuf *m0, int off, int len, const void *cp)
{
	if (m0 == NULL)
		return;		/* (not an mbuf: the fast path's check sent it) */
	if (!MBUF_ENTER("m_copyback"))
		return;
	mbufgo_copyback((uintptr_t)m0, off, len, (uintptr_t)cp);
	MBUF_FLUSH();
}

static MBUF_COLD struct mbuf *
copym_go(struct mbuf *m, int off, int len, int how)
{
	struct mbuf *r;

	if (!MBUF_ENTER("m_copym"))
		return NULL;
	r = (struct mbuf *)mbufgo_copym((uintptr_t)m, off, len, how);
	MBUF_FLUSH();
	return r;
}

static MBUF_COLD struct mbuf *
prepend_go(struct mbuf *m, int len, int how)
{
	struct mbuf *r;

	if (!MBUF_ENTER("m_prepend"))
		return NULL;
	r = (struct mbuf *)mbufgo_prepend((uintptr_t)m, len, how);
	MBUF_FLUSH();
	return r;
}

/*
 * Each operation below runs its common case inline when the first mbuf
 * serves it (checked once, inline), goes on in a *_rest function when
 * more mbufs are needed (the head already checked: the walk checks the
 * others and stops where the operation's bytes end), and calls the core
 * for everything else.
 */

/*
 * m_copydata past the first mbuf (checked by the caller): the walk checks
 * the mbufs holding [0, off + len) before a byte is copied (the core
 * writes nothing when it reports), then the copy goes over them.
 */
static __attribute__((noinline)) void
copydata_rest(const struct mbuf *m, int off, int len, char *cp)
{
	struct mbuf_walk w;
	int n;

	mbuf__walk_begin(&w, m);
	if (MBUF_UNLIKELY(mbuf__walk_to(&w, (int64_t)off + len) <= 0)) {
		copydata_go(m, off, len, cp);
		return;
	}
	if (len == 0)
		return;
	while (off >= m->m_len) {
		off -= m->m_len;
		m = m->m_next;
	}
	while ((n = m->m_len - off) < len) {
		memcpy(cp, mtod(m, const char *) + off, (size_t)n);
		cp += n;
		len -= n;
		off = 0;
		m = m->m_next;
	}
	memcpy(cp, mtod(m, const char *) + off, (size_t)len);
}

void
m_copydata(struct mbuf *m, int off, int len, void *cp)
{
	if (MBUF_LIKELY(cp != NULL && off >= 0 && len >= 0 &&
	    mbuf__fast_ok() && mbuf__member_ok(m))) {
		/* (m_len - off cannot overflow: both are >= 0) */
		if (MBUF_LIKELY(len <= m->m_len - off)) {
			/* all of it in the first mbuf: a single memcpy */
			memcpy(cp, mtod(m, char *) + off, (size_t)len);
			return;
		}
		copydata_rest(m, off, len, cp);
		return;
	}
	copydata_go(m, off, len, cp);
}

/*
 * m_adj past the first mbuf (core.Adj: adjHead, adjTail), head checked.
 * The walk checks the mbufs the trim uses and finds where it ends, then
 * the trim changes them.
 */
static __attribute__((noinline)) void
adj_rest(struct mbuf *mp, int req_len)
{
	struct mbuf_reach r;
	struct mbuf *m, *last;
	int64_t len, count;

	r = mbuf__reach(mp, req_len >= 0 ? req_len : MBUF_WHOLE_CHAIN);
	if (r.total < 0) {
		adj_go(mp, req_len);
		return;
	}
	last = (struct mbuf *)r.last;
	if (req_len >= 0) {
		/* empty the mbufs before the walk's last, trim that one */
		len = req_len;
		for (m = mp; m != last; m = m->m_next) {
			len -= m->m_len;
			m->m_len = 0;
		}
		if (m->m_len <= len) {
			len -= m->m_len;
			m->m_len = 0;
		} else {
			m->m_len -= (int)len;
			m->m_data += len;
			len = 0;
		}
		if (mp->m_flags & M_PKTHDR)
			mp->m_pkthdr.len = wrap_add(mp->m_pkthdr.len,
			    -(req_len - len));
		return;
	}
	/* from the tail: the walk went to the end */
	len = -(int64_t)req_len;
	if (last->m_len >= len) {	/* the last mbuf covers it */
		last->m_len -= (int)len;
		if (mp->m_flags & M_PKTHDR)
			mp->m_pkthdr.len = wrap_add(mp->m_pkthdr.len, -len);
		return;
	}
	count = r.total > len ? r.total - len : 0;
	if (mp->m_flags & M_PKTHDR)
		mp->m_pkthdr.len = wrap_add(0, count);
	for (m = mp; m != NULL; m = m->m_next) {
		if (m->m_len >= count) {
			m->m_len = (int)count;
			break;
		}
		count -= m->m_len;
	}
	if (m != NULL)
		while ((m = m->m_next) != NULL)
			m->m_len = 0;
}

void
m_adj(struct mbuf *mp, int req_len)
{
	if (MBUF_LIKELY(mbuf__fast_ok() && mbuf__member_ok(mp))) {
		/* the first mbuf holds more than the trim (from the tail: alone) */
		if (req_len >= 0) {
			if (MBUF_LIKELY(req_len < mp->m_len)) {
				mp->m_data += req_len;
				mp->m_len -= req_len;
				if (mp->m_flags & M_PKTHDR)
					mp->m_pkthdr.len = wrap_add(
					    mp->m_pkthdr.len, -(int64_t)req_len);
				return;
			}
		} else if (MBUF_LIKELY(mp->m_next == NULL &&
		    mp->m_len + req_len >= 0)) {	/* (m_len >= 0) */
			mp->m_len += req_len;
			if (mp->m_flags & M_PKTHDR)
				mp->m_pkthdr.len = wrap_add(mp->m_pkthdr.len,
				    req_len);
			return;
		}
		adj_rest(mp, req_len);
		return;
	}
	adj_go(mp, req_len);
}

void
m_move_pkthdr(struct mbuf *to, struct mbuf *from)
{
	if (MBUF_UNLIKELY(!mbuf__fast_ok() || !mbuf__header_move_ok(to, from))) {
		move_pkthdr_go(to, from);
		return;
	}
	to->m_pkthdr = from->m_pkthdr;	/* the tags move with it */
	to->m_flags = from->m_flags & M_COPYFLAGS;
	to->m_data = to->m_pktdat;
	from->m_flags &= ~M_PKTHDR;
}

/*
 * m_pullup when the first mbuf (checked) is plain, has room for len bytes
 * from its m_data, is followed by more and holds fewer: pull bytes forward
 * in place, up to max(len, max_protohdr), freeing mbufs that empty.
 * Chains too short for len (a failure the core counts) go to the core.
 */
static __attribute__((noinline)) struct mbuf *
pullup_rest(struct mbuf *m, int len)
{
	struct mbuf *n, *s;
	int space, count;

	if (mbuf__reach(m, len).total < len)
		return pullup_go(m, len);
	n = m->m_next;
	len -= m->m_len;
	space = (int)(&m->m_dat[MLEN] - (m->m_data + m->m_len));
	do {
		count = len > max_protohdr ? len : max_protohdr;
		if (count > space)
			count = space;
		if (count > n->m_len)
			count = n->m_len;
		memcpy(mtod(m, char *) + m->m_len, mtod(n, char *),
		    (size_t)count);
		len -= count;
		m->m_len += count;
		n->m_len -= count;
		space -= count;
		if (n->m_len != 0)
			n->m_data += count;
		else {
			/* a refused free (in a signal handler) leaks n,
			   reported, but must not cut the chain */
			s = n->m_next;
			m_free(n);
			n = s;
		}
	} while (len > 0 && n != NULL);
	m->m_next = n;
	return m;
}

struct mbuf *
m_pullup(struct mbuf *n, int len)
{
	/*
	 * the first mbuf plain, not alone, with room for len bytes (checked
	 * as mbuf__member_ok does, live then data, with "plain" before the
	 * data check so that only its plain case is compiled in)
	 */
	if (MBUF_LIKELY(mbuf__fast_ok() && len >= 0 && mbuf__mb_is_live(n) &&
	    (n->m_flags & M_EXT) == 0 && mbuf__data_ok(n) && n->m_next != NULL &&
	    (uintptr_t)(n->m_data - (char *)n->m_dat) + (unsigned)len < MLEN)) {
		if (MBUF_LIKELY(n->m_len >= len))
			return n;	/* already there */
		return pullup_rest(n, len);
	}
	return pullup_go(n, len);
}

/*
 * m_split in the common shapes: the cut falls in ext storage (shared by
 * the tail), or the tail fits in one new mbuf, or on an mbuf boundary of
 * a chain without header.  The header tail keeps only rcvif and len.
 */
static int
split_fast(struct mbuf *m0, int len0, int how, struct mbuf **res)
{
	struct mbuf_thread *t = mbuf__self;
	struct mbuf *m, *n;
	int len = len0, remain, hdr;

	if (t == NULL || !mbuf__fast_ok() || len0 < 0 || !mbuf__how_ok(how) ||
	    mbuf__prefix(m0, len0) < 0)
		return 0;
	for (m = m0; m != NULL && len > m->m_len; m = m->m_next)
		len -= m->m_len;
	if (m == NULL) {
		*res = NULL;	/* shorter than len0 */
		return 1;
	}
	remain = m->m_len - len;
	hdr = (m0->m_flags & M_PKTHDR) != 0;
	if (hdr && (m->m_flags & M_EXT) == 0 && remain > MHLEN)
		return 0;	/* the header tail stays empty: the core */
	if (!hdr && remain == 0) {
		n = m->m_next;
		m->m_next = NULL;
		*res = n;
		return 1;
	}
	n = mbuf__alloc_mbuf(t, how, hdr ? m0->m_type : m->m_type, "m_split");
	if (n == NULL) {
		if (mbuf__cache_only(t))
			return 0;	/* the core's path reports it */
		*res = NULL;	/* counted once, by the refill */
		return 1;
	}
	if (hdr) {
		mbuf__init_pkthdr(n);
		mbuf__claim_for(n, m0->m_owner);
		n->m_pkthdr.rcvif = m0->m_pkthdr.rcvif;
		n->m_pkthdr.len = wrap_add(m0->m_pkthdr.len, -(int64_t)len0);
		m0->m_pkthdr.len = len0;
		if ((m->m_flags & M_EXT) == 0)
			MH_ALIGN(n, remain);
	} else {
		mbuf__claim_for(n, m->m_owner);
		M_ALIGN(n, remain);
	}
	if (m->m_flags & M_EXT) {
		n->m_data = m->m_data + len;
		n->m_flags |= m->m_flags & M_EXTCOPYFLAGS;
		__atomic_add_fetch(&m->m_ext.ext_refcnt, 1, __ATOMIC_ACQ_REL);
		n->m_ext_ref = m->m_ext_ref;
	} else
		memcpy(mtod(n, char *), mtod(m, char *) + len, (size_t)remain);
	n->m_len = remain;
	m->m_len = len;
	n->m_next = m->m_next;
	m->m_next = NULL;
	*res = n;
	return 1;
}

struct mbuf *
m_split(struct mbuf *m0, int len0, int how)
{
	struct mbuf *r;

	if (MBUF_LIKELY(split_fast(m0, len0, how, &r)))
		return r;
	return split_go(m0, len0, how);
}

/*
 * m_pulldown when the region is already contiguous in writable storage,
 * past the first mbuf (checked): the walk checks up to the mbuf holding
 * byte off + max(len, 1) - 1, which is where the region starts if it is
 * contiguous (the core checks the same mbufs).  r is where it stopped.
 */
MBUF_INLINE struct mbuf *
pulldown_found(struct mbuf *m, int off, int len, int *offp,
    struct mbuf_reach r)
{
	struct mbuf *x = (struct mbuf *)r.last;
	int64_t o;

	if (r.total >= (int64_t)off + (len > 0 ? len : 1)) {
		o = off - (r.total - x->m_len);	/* < 0: starts before x */
		if (o >= 0 && (o == 0 || offp != NULL) && !M_READONLY(x)) {
			if (offp != NULL)
				*offp = (int)o;
			return x;
		}
	}
	return pulldown_go(m, off, len, offp);
}

/* the walk goes past the second mbuf, r */
static __attribute__((noinline)) struct mbuf *
pulldown_far(struct mbuf *m, int off, int len, int *offp,
    struct mbuf_reach r)
{
	r = mbuf__reach_rest(r.last, m, r.total,
	    (int64_t)off + (len > 0 ? len : 1));
	return pulldown_found(m, off, len, offp, r);
}

static __attribute__((noinline)) struct mbuf *
pulldown_rest(struct mbuf *m, int off, int len, int *offp)
{
	struct mbuf_reach r;

	if (MBUF_UNLIKELY(!mbuf__reach_two(m,
	    (int64_t)off + (len > 0 ? len : 1), &r)))
		return pulldown_far(m, off, len, offp, r);
	return pulldown_found(m, off, len, offp, r);
}

struct mbuf *
m_pulldown(struct mbuf *m, int off, int len, int *offp)
{
	if (MBUF_LIKELY(mbuf__fast_ok() && off >= 0 && len >= 0 &&
	    len <= MCLBYTES && mbuf__member_ok(m))) {
		if (MBUF_LIKELY(off < m->m_len)) {
			/* it starts in the first mbuf: there, if it fits */
			if ((int64_t)off + len <= m->m_len && !M_READONLY(m) &&
			    (off == 0 || offp != NULL)) {
				if (offp != NULL)
					*offp = off;
				return m;
			}
		} else
			return pulldown_rest(m, off, len, offp);
	}
	return pulldown_go(m, off, len, offp);
}

/*
 * m_copyback into bytes that exist and are writable: plain copies.
 * Extending the chain, or writing into read-only storage (a panic in
 * the 2007 code), is the core's business.  The walk checks each mbuf
 * holding bytes of [0, off + len), and whether it may be written when it
 * holds bytes of [off, off + len) (core.firstReadOnly), before a byte is
 * written; then the copy goes over them.
 */
static __attribute__((noinline)) void
copyback_rest(struct mbuf *m0, int off, int len, const char *cp)
{
	struct mbuf_walk w;
	struct mbuf *m;
	int64_t need = (int64_t)off + len;
	int o = off, n;

	mbuf__walk_begin(&w, m0);
	for (;;) {
		if (w.total > off && w.m->m_len > 0 && M_READONLY(w.m))
			goto core;
		if (w.total >= need)
			break;
		if (mbuf__walk_step(&w) <= 0)
			goto core;	/* refused, or the chain must grow */
	}
	if (!mbuf__walk_done(&w))
		goto core;
	/* all checked: now write */
	for (m = m0; o >= m->m_len; m = m->m_next)
		o -= m->m_len;
	for (; len > 0; m = m->m_next) {
		n = m->m_len - o < len ? m->m_len - o : len;
		memcpy(mtod(m, char *) + o, cp, (size_t)n);
		cp += n;
		len -= n;
		o = 0;
	}
	if ((m0->m_flags & M_PKTHDR) && m0->m_pkthdr.len < need)
		m0->m_pkthdr.len = wrap_add(0, need);
	return;
core:
	copyback_go(m0, off, len, cp);
}

void
m_copyback(struct mbuf *m0, int off, int len, const void *cp)
{
	if (MBUF_LIKELY(mbuf__fast_ok() && cp != NULL && off >= 0 && len > 0 &&
	    mbuf__member_ok(m0))) {
		if (MBUF_LIKELY((int64_t)off + len <= m0->m_len &&
		    !M_READONLY(m0))) {
			/* into the first mbuf */
			memcpy(mtod(m0, char *) + off, cp, (size_t)len);
			if ((m0->m_flags & M_PKTHDR) &&
			    m0->m_pkthdr.len < off + len)
				m0->m_pkthdr.len = off + len;
			return;
		}
		if ((int64_t)off + len > m0->m_len) {
			copyback_rest(m0, off, len, cp);
			return;
		}
	}
	copyback_go(m0, off, len, cp);
}

/*
 * m_copym of chains without tags: new mbufs from this thread's cache,
 * ext storage shared by reference (MCLADDREFERENCE), small data copied,
 * in one pass.  Returns 1 with the result (NULL when memory ran out:
 * the partial copy undone and MCFail counted, as the core does), or 0
 * for the core (tags, a broken precondition, an empty result).
 */
static int
copym_fast(struct mbuf *m, int off0, int len, int how, struct mbuf **res)
{
	struct mbuf_thread *t = mbuf__self;
	struct mbuf *top = NULL, *n, **np = &top;
	int64_t need = len == M_COPYALL ? MBUF_WHOLE_CHAIN : (int64_t)off0 + len;
	int64_t total;
	int off = off0, copyhdr, rem;

	if (t == NULL || !mbuf__fast_ok() || m == NULL || off < 0 || len < 0 ||
	    !mbuf__how_ok(how) || (total = mbuf__prefix(m, need)) < off ||
	    (len != M_COPYALL && total < need))
		return 0;
	copyhdr = off == 0 && (m->m_flags & M_PKTHDR) != 0;
	if (copyhdr && SLIST_FIRST(&m->m_pkthdr.tags) != NULL)
		return 0;
	for (; off > 0 && off >= m->m_len; m = m->m_next)
		off -= m->m_len;
	for (rem = len; rem > 0 && m != NULL; np = &n->m_next) {
		if ((n = mbuf__alloc_mbuf(t, how, m->m_type, "m_copym")) ==
		    NULL) {
			m_freem(top);
			if (mbuf__cache_only(t))
				return 0;	/* the core's path reports it */
			__atomic_add_fetch(&MCFail, 1, __ATOMIC_RELAXED);
			*res = NULL;	/* counted once, by the refill */
			return 1;
		}
		mbuf__claim_for(n, m->m_owner);
		*np = n;
		if (copyhdr) {
			n->m_pkthdr = m->m_pkthdr;
			n->m_flags = m->m_flags & M_COPYFLAGS;
			n->m_data = n->m_pktdat;
			if (len == M_COPYALL)
				n->m_pkthdr.len = wrap_add(n->m_pkthdr.len,
				    -(int64_t)off0);
			else
				n->m_pkthdr.len = len;
			copyhdr = 0;
		}
		n->m_len = m->m_len - off < rem ? m->m_len - off : rem;
		if (m->m_flags & M_EXT) {
			n->m_data = m->m_data + off;
			n->m_flags |= m->m_flags & M_EXTCOPYFLAGS;
			__atomic_add_fetch(&m->m_ext.ext_refcnt, 1,
			    __ATOMIC_ACQ_REL);
			n->m_ext_ref = m->m_ext_ref;
		} else
			memcpy(mtod(n, char *), mtod(m, char *) + off,
			    (size_t)n->m_len);
		if (rem != M_COPYALL)
			rem -= n->m_len;
		off += n->m_len;
		if (off == m->m_len) {
			m = m->m_next;
			off = 0;
		}
	}
	if (top == NULL)
		return 0;	/* empty: the core counts MCFail */
	*res = top;
	return 1;
}

struct mbuf *
m_copym(struct mbuf *m, int off, int len, int how)
{
	struct mbuf *r;

	if (MBUF_LIKELY(copym_fast(m, off, len, how, &r)))
		return r;
	return copym_go(m, off, len, how);
}

/* m_prepend's new head mn, from any cache, takes m's header or owner */
MBUF_INLINE struct mbuf *
prepend_link(struct mbuf *m, struct mbuf *mn, int len)
{
	if (m->m_flags & M_PKTHDR) {
		mn->m_pkthdr = m->m_pkthdr;
		mn->m_flags = m->m_flags & M_COPYFLAGS;
		mn->m_data = mn->m_pktdat;
		m->m_flags &= ~M_PKTHDR;
	} else
		mbuf__claim_for(mn, m->m_owner);
	mn->m_next = m;
	if (len < MHLEN)
		MH_ALIGN(mn, len);
	mn->m_len = len;
	return mn;
}

/* m_prepend (m and len checked) when the magazine could not give an mbuf */
static __attribute__((noinline)) struct mbuf *
prepend_refill(struct mbuf_thread *t, struct mbuf *m, int len, int how)
{
	struct mbuf *mn;

	if ((mn = mbuf__alloc_mbuf_slow(t, how, m->m_type, "m_prepend")) ==
	    NULL) {
		if (mbuf__cache_only(t))
			return prepend_go(m, len, how);	/* reports it */
		/* fails as the core does, counted once (by the refill) */
		if (mbuf__prefix(m, MBUF_WHOLE_CHAIN) < 0)
			mbuf__report_chain("m_prepend", m);
		else
			m_freem(m);
		return NULL;
	}
	return prepend_link(m, mn, len);
}

/*
 * The common case pops inline and calls nothing but in tail position, so
 * it keeps no registers for a call; a refill is prepend_refill's.
 */
struct mbuf *
m_prepend(struct mbuf *m, int len, int how)
{
	struct mbuf_thread *t = mbuf__self;
	struct mbuf *mn;

	/*
	 * The head is all it uses (and the rest only if it frees the chain).
	 * len fits in one mbuf: 0..MHLEN always (the common case, one
	 * unsigned compare that also refuses len < 0), up to MLEN without a
	 * header.
	 */
	if (MBUF_UNLIKELY(t == NULL || !mbuf__fast_ok() || m == NULL ||
	    !mbuf__how_ok(how) || !mbuf__member_ok(m) ||
	    !((unsigned)len <= MHLEN || ((unsigned)len <= MLEN &&
	    (m->m_flags & M_PKTHDR) == 0)))) {
		return prepend_go(m, len, how);
	}
	if (MBUF_UNLIKELY((mn = mbuf__try_pop_mbuf(t, m->m_type)) == NULL))
		return prepend_refill(t, m, len, how);
	return prepend_link(m, mn, len);
}
