/*
 * The small per-packet operations, run in C on their common path.
 *
 * A crossing into Go costs more than any of these operations in the
 * kernel or in DPDK (PERFORMANCE.md), so their common case runs here over
 * the memory the Go core owns.  Each function checks its arguments the
 * way the core does, handles the common case, and hands everything else
 * (allocation-heavy or shape-changing cases, tags, debug mode) to the
 * core's complete implementation through one mbufgo_* call.
 *
 * Here: m_copydata, m_adj, m_move_pkthdr, m_pullup, m_copyback, m_copym,
 * m_prepend, m_split, m_pulldown.  Any argument a fast path does not like
 * goes to the core unreported, so every violation is worded once, there.
 * docs/performance.md says which cases stay here and why.
 */
#include <string.h>

#include "internal.h"
#include "fastpath.h"
#include "_cgo_export.h"

/*
 * The calls into the core, bracketed (MBUF_ENTER/MBUF_FLUSH) and out of
 * line: the fast paths then keep their arguments in registers and reach
 * the core by a tail call (inlined, the bracket cost m_adj's fast path 12
 * instructions under callgrind, and m_prepend's 10).
 */
static MBUF_COLD void
core_copydata(struct mbuf *m, int off, int len, void *cp)
{
	if (!MBUF_ENTER("m_copydata"))
		return;
	mbufgo_copydata((uintptr_t)m, off, len, (uintptr_t)cp);
	MBUF_FLUSH();
}

static MBUF_COLD void
core_adj(struct mbuf *mp, int req_len)
{
	if (!MBUF_ENTER("m_adj"))
		return;
	mbufgo_adj((uintptr_t)mp, req_len);
	MBUF_FLUSH();
}

static MBUF_COLD void
core_move_pkthdr(struct mbuf *to, struct mbuf *from)
{
	if (!MBUF_ENTER("m_move_pkthdr"))
		return;
	mbufgo_move_pkthdr((uintptr_t)to, (uintptr_t)from);
	MBUF_FLUSH();
}

static MBUF_COLD void
core_copyback(struct mbuf *m0, int off, int len, const void *cp)
{
	if (!MBUF_ENTER("m_copyback"))
		return;
	mbufgo_copyback((uintptr_t)m0, off, len, (uintptr_t)cp);
	MBUF_FLUSH();
}

/* the body of a core call that returns a chain; fn names it */
#define	CORE_CHAIN_CALL(fn, call)					\
	do {								\
		struct mbuf *r_;					\
									\
		if (!MBUF_ENTER(fn))					\
			return NULL;					\
		r_ = (struct mbuf *)(call);				\
		MBUF_FLUSH();						\
		return r_;						\
	} while (0)

static MBUF_COLD struct mbuf *
core_pullup(struct mbuf *n, int len)
{
	CORE_CHAIN_CALL("m_pullup", mbufgo_pullup((uintptr_t)n, len));
}

static MBUF_COLD struct mbuf *
core_split(struct mbuf *m0, int len0, int how)
{
	CORE_CHAIN_CALL("m_split", mbufgo_split((uintptr_t)m0, len0, how));
}

static MBUF_COLD struct mbuf *
core_pulldown(struct mbuf *m, int off, int len, int *offp)
{
	CORE_CHAIN_CALL("m_pulldown",
	    mbufgo_pulldown((uintptr_t)m, off, len, offp));
}

static MBUF_COLD struct mbuf *
core_copym(struct mbuf *m, int off, int len, int how)
{
	CORE_CHAIN_CALL("m_copym", mbufgo_copym((uintptr_t)m, off, len, how));
}

static MBUF_COLD struct mbuf *
core_prepend(struct mbuf *m, int len, int how)
{
	CORE_CHAIN_CALL("m_prepend", mbufgo_prepend((uintptr_t)m, len, how));
}

/* a chain member the fast path may touch, or 0 (the core then reports) */
static inline int
live(const struct mbuf *m)
{
	return m != NULL && mbuf__mb_is_live(m);
}

/* the chain's byte count if every member is live, else -1 */
static inline long
chain_len(const struct mbuf *m)
{
	long total = 0;

	for (; m != NULL; m = m->m_next) {
		if (MBUF_UNLIKELY(!mbuf__mb_is_live(m)))
			return -1;
		total += m->m_len;
	}
	return total;
}

/*
 * The chain case of m_copydata, in one pass, checking each mbuf before
 * reading it: a bad member midway leaves the chain untouched and cp
 * written only within the len bytes the caller provided; the core then
 * reports it.
 */
static __attribute__((noinline)) void
copydata_chain(struct mbuf *m, int off, int len, char *cp)
{
	struct mbuf *m0 = m;
	int o = off, l = len, n;

	for (; o > 0; m = m->m_next) {
		if (MBUF_UNLIKELY(!live(m)))
			goto core;
		if (o < m->m_len)
			break;
		o -= m->m_len;
	}
	for (; l > 0; m = m->m_next) {
		if (MBUF_UNLIKELY(!live(m)))
			goto core;
		n = m->m_len - o < l ? m->m_len - o : l;
		memcpy(cp, mtod(m, char *) + o, (size_t)n);
		cp += n;
		l -= n;
		o = 0;
	}
	return;
core:
	core_copydata(m0, off, len, cp);
}

void
m_copydata(struct mbuf *m, int off, int len, void *cp)
{
	/* all of it in the first mbuf: a single memcpy */
	if (MBUF_LIKELY(mbuf__fast_ok() && off >= 0 && len >= 0 &&
	    cp != NULL && live(m) && (long)off + len <= m->m_len)) {
		memcpy(cp, mtod(m, char *) + off, (size_t)len);
		return;
	}
	if (MBUF_UNLIKELY(!mbuf__fast_ok() || off < 0 || len < 0 ||
	    (cp == NULL && len > 0))) {
		core_copydata(m, off, len, cp);
		return;
	}
	copydata_chain(m, off, len, cp);
}

void
m_adj(struct mbuf *mp, int req_len)
{
	struct mbuf *m;
	int len, count;

	if (mp == NULL)
		return;
	/* one mbuf that holds more than the trim: a header strip */
	if (MBUF_LIKELY(mbuf__fast_ok() && live(mp) && mp->m_next == NULL &&
	    req_len < mp->m_len && req_len >= -mp->m_len)) {
		if (req_len >= 0) {
			mp->m_data += req_len;
			mp->m_len -= req_len;
		} else
			mp->m_len += req_len;
		if (mp->m_flags & M_PKTHDR)
			mp->m_pkthdr.len -= req_len >= 0 ? req_len : -req_len;
		return;
	}
	if (MBUF_UNLIKELY(!mbuf__fast_ok())) {
		core_adj(mp, req_len);
		return;
	}
	if (MBUF_UNLIKELY(chain_len(mp) < 0)) {
		core_adj(mp, req_len);	/* reports */
		return;
	}
	if (req_len >= 0) {
		/* from the head: emptied mbufs stay, with m_len 0 */
		len = req_len;
		for (m = mp; m != NULL && len > 0; m = m->m_next) {
			if (m->m_len <= len) {
				len -= m->m_len;
				m->m_len = 0;
			} else {
				m->m_len -= len;
				m->m_data += len;
				len = 0;
			}
		}
		if (mp->m_flags & M_PKTHDR)
			mp->m_pkthdr.len -= req_len - len;
		return;
	}
	/* from the tail: if the last mbuf covers it, that is all */
	len = -req_len;
	count = 0;
	for (m = mp; ; m = m->m_next) {
		count += m->m_len;
		if (m->m_next == NULL)
			break;
	}
	if (m->m_len >= len) {
		m->m_len -= len;
		if (mp->m_flags & M_PKTHDR)
			mp->m_pkthdr.len -= len;
		return;
	}
	count = count > len ? count - len : 0;
	if (mp->m_flags & M_PKTHDR)
		mp->m_pkthdr.len = count;
	for (m = mp; m != NULL; m = m->m_next) {
		if (m->m_len >= count) {
			m->m_len = count;
			break;
		}
		count -= m->m_len;
	}
	if (m != NULL)
		while ((m = m->m_next) != NULL)
			m->m_len = 0;
}

void
m_move_pkthdr(struct mbuf *to, struct mbuf *from)
{
	if (MBUF_UNLIKELY(!mbuf__fast_ok() || !live(to) || !live(from) ||
	    (to->m_flags & M_EXT) != 0 || (from->m_flags & M_PKTHDR) == 0 ||
	    ((to->m_flags & M_PKTHDR) != 0 &&
	    SLIST_FIRST(&to->m_pkthdr.tags) != NULL))) {
		/* the core reports which rule was broken */
		core_move_pkthdr(to, from);
		return;
	}
	to->m_pkthdr = from->m_pkthdr;	/* the tags move with it */
	to->m_flags = from->m_flags & M_COPYFLAGS;
	to->m_data = to->m_pktdat;
	from->m_flags &= ~M_PKTHDR;
}

/*
 * m_pullup when the first mbuf is plain, has room for len bytes from its
 * m_data and is followed by more: pull bytes forward in place, up to
 * max(len, max_protohdr), freeing mbufs that empty.  Chains too short for
 * len and every other shape go to the core.
 */
static int
pullup_fast(struct mbuf *n, int len, struct mbuf **res)
{
	struct mbuf *m = n, *s;
	int need, have = 0, space, count;

	if (!mbuf__fast_ok() || !live(n) || len < 0 ||
	    (n->m_flags & M_EXT) != 0 || n->m_next == NULL ||
	    n->m_data + len >= &n->m_dat[MLEN])
		return 0;
	if (n->m_len >= len) {
		*res = n;
		return 1;
	}
	need = len - n->m_len;
	for (s = n->m_next; s != NULL && have < need; s = s->m_next) {
		if (!live(s))
			return 0;
		have += s->m_len;
	}
	if (have < need)
		return 0;	/* fails and frees: the core counts MPFail */
	n = m->m_next;
	len = need;
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
	*res = m;
	return 1;
}

struct mbuf *
m_pullup(struct mbuf *n, int len)
{
	struct mbuf *r;

	if (MBUF_LIKELY(pullup_fast(n, len, &r)))
		return r;
	return core_pullup(n, len);
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
	struct mbuf *m, *n, *s;
	int len = len0, remain, hdr;

	if (t == NULL || !mbuf__fast_ok() || len0 < 0 ||
	    (unsigned)how > (unsigned)M_NOWAIT || !live(m0))
		return 0;
	for (s = m0; s != NULL; s = s->m_next)
		if (!live(s))
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
	n = mbuf__alloc_mbuf(t, how, hdr ? m0->m_type : m->m_type,
	    "m_split");
	if (n == NULL)
		return 0;
	if (hdr) {
		mbuf__init_pkthdr(n);
		n->m_owner = m0->m_owner;
		n->m_pkthdr.rcvif = m0->m_pkthdr.rcvif;
		n->m_pkthdr.len = m0->m_pkthdr.len - len0;
		m0->m_pkthdr.len = len0;
		if ((m->m_flags & M_EXT) == 0)
			MH_ALIGN(n, remain);
	} else {
		n->m_owner = m->m_owner;
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
	return core_split(m0, len0, how);
}

/* m_pulldown when the region is already contiguous in writable storage */
struct mbuf *
m_pulldown(struct mbuf *m, int off, int len, int *offp)
{
	struct mbuf *x, *s;
	int o = off;

	if (MBUF_LIKELY(mbuf__fast_ok() && live(m) && off >= 0 && len >= 0 &&
	    len <= MCLBYTES)) {
		for (s = m; s != NULL && live(s); s = s->m_next)
			;
		if (s == NULL) {
			for (x = m; x != NULL && o > 0 && o >= x->m_len;
			    x = x->m_next)
				o -= x->m_len;
			while (x != NULL && x->m_len == 0)
				x = x->m_next;
			if (x != NULL && (o == 0 || offp != NULL) &&
			    len <= x->m_len - o && !M_READONLY(x)) {
				if (offp != NULL)
					*offp = o;
				return x;
			}
		}
	}
	return core_pulldown(m, off, len, offp);
}

/*
 * m_copyback into bytes that exist and are writable: plain copies.
 * Extending the chain, or writing into read-only storage (a panic in
 * the 2007 code), is the core's business.
 */
static int
copyback_fast(struct mbuf *m0, int off, int len, const char *cp)
{
	struct mbuf *m;
	int o = off, l = len, n;

	if (off < 0 || len <= 0)
		return 0;
	for (m = m0; m != NULL && o >= m->m_len; m = m->m_next) {
		if (!live(m))
			return 0;
		o -= m->m_len;
	}
	for (; l > 0; m = m->m_next) {
		if (m == NULL || !live(m))
			return 0;
		n = m->m_len - o < l ? m->m_len - o : l;
		if (n > 0 && M_READONLY(m))
			return 0;
		l -= n;
		o = 0;
	}
	/* all checked: now write */
	for (m = m0; off >= m->m_len; m = m->m_next)
		off -= m->m_len;
	for (; len > 0; m = m->m_next) {
		n = m->m_len - off < len ? m->m_len - off : len;
		memcpy(mtod(m, char *) + off, cp, (size_t)n);
		cp += n;
		len -= n;
		off = 0;
	}
	return 1;
}

void
m_copyback(struct mbuf *m0, int off, int len, const void *cp)
{
	if (m0 == NULL)
		return;
	if (MBUF_LIKELY(mbuf__fast_ok()) && copyback_fast(m0, off, len, cp)) {
		if ((m0->m_flags & M_PKTHDR) && m0->m_pkthdr.len < off + len)
			m0->m_pkthdr.len = off + len;
		return;
	}
	core_copyback(m0, off, len, cp);
}

/*
 * m_copym of chains without tags: new mbufs from this thread's cache,
 * ext storage shared by reference (MCLADDREFERENCE), small data copied,
 * in one pass.  Anything odd (tags, a bad member, a short chain, no
 * memory, an empty result) undoes the partial copy and returns 0, so the
 * core does the call, reports and counts MCFail.
 */
static int
copym_fast(struct mbuf *m, int off0, int len, int how, struct mbuf **res)
{
	struct mbuf_thread *t = mbuf__self;
	struct mbuf *top = NULL, *n, **np = &top;
	int off = off0, copyhdr, rem;

	if (t == NULL || !mbuf__fast_ok() || off < 0 || len < 0 ||
	    (unsigned)how > (unsigned)M_NOWAIT || !live(m))
		return 0;
	copyhdr = off == 0 && (m->m_flags & M_PKTHDR) != 0;
	if (copyhdr && SLIST_FIRST(&m->m_pkthdr.tags) != NULL)
		return 0;
	for (; off > 0; m = m->m_next) {
		if (!live(m))
			return 0;
		if (off < m->m_len)
			break;
		off -= m->m_len;
	}
	for (rem = len; rem > 0; np = &n->m_next) {
		if (m == NULL) {
			if (rem == M_COPYALL)
				break;
			goto undo;
		}
		if (!live(m) ||
		    (n = mbuf__alloc_mbuf(t, how, m->m_type, "m_copym")) == NULL)
			goto undo;
		n->m_owner = m->m_owner;
		*np = n;
		if (copyhdr) {
			n->m_pkthdr = m->m_pkthdr;
			n->m_flags = m->m_flags & M_COPYFLAGS;
			n->m_data = n->m_pktdat;
			if (len == M_COPYALL)
				n->m_pkthdr.len -= off0;
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
		return 0;
	*res = top;
	return 1;
undo:
	m_freem(top);
	return 0;
}

struct mbuf *
m_copym(struct mbuf *m, int off, int len, int how)
{
	struct mbuf *r;

	if (MBUF_LIKELY(copym_fast(m, off, len, how, &r)))
		return r;
	return core_copym(m, off, len, how);
}

struct mbuf *
m_prepend(struct mbuf *m, int len, int how)
{
	struct mbuf_thread *t = mbuf__self;
	struct mbuf *mn;

	if (MBUF_UNLIKELY(t == NULL || !mbuf__fast_ok() || !live(m) ||
	    len < 0 || len > ((m->m_flags & M_PKTHDR) ? MHLEN : MLEN) ||
	    (unsigned)how > (unsigned)M_NOWAIT ||
	    (mn = mbuf__alloc_mbuf(t, how, m->m_type, "m_prepend")) == NULL)) {
		return core_prepend(m, len, how);
	}
	if (m->m_flags & M_PKTHDR) {
		mn->m_pkthdr = m->m_pkthdr;
		mn->m_flags = m->m_flags & M_COPYFLAGS;
		mn->m_data = mn->m_pktdat;
		m->m_flags &= ~M_PKTHDR;
	} else
		mn->m_owner = m->m_owner;
	mn->m_next = m;
	if (len < MHLEN)
		MH_ALIGN(mn, len);
	mn->m_len = len;
	return mn;
}
