/*
 * libmbuf: the allocation macros inline (MGET, MGETHDR, MCLGET, MFREE),
 * over the calling thread's cache.  Included by <mbuf.h>; not a header of
 * its own.
 *
 * THE ABI COMMITMENT.  Code compiled with these macros reads the library's
 * per-thread cache directly: the layout of struct mbuf_tcache below, the
 * state bytes of struct mbuf_tcache_arena, and the magazine protocol
 * (mbuf__mag_enter/leave) are compiled into every program that uses them.
 * They are version MBUF_TCACHE_ABI, and the one symbol the inline code
 * reads carries that number in its name (mbuf__tcache_v1).  The version
 * rule: any change to what is below that compiled code depends on (a field
 * of the prefix, a slot count, a state value, a step of the protocol)
 * takes a new number and a new symbol.  A library of a later version keeps
 * exporting the old symbol, always NULL, so programs built against this
 * header keep working through the function calls; a library that lacks
 * the symbol makes such a program fail to load instead of corrupting it.
 *
 * The library's own m_get, m_free and m_clget run these same functions
 * (capi/mbufc/fastpath.c), so there is one definition of each rule.
 *
 * mbuf__tcache_v1 is NULL, and every macro simply calls the library
 * function, until the thread's first call to the library, in debug or
 * trace mode, while the fast paths are off (MBUF_FASTPATH=0,
 * mbuf_set_fastpath), and in a child of fork().  Anything but the common
 * case (an empty or full magazine, a bad argument, a call nested in a
 * signal handler, a steal under way, an mbuf that is not a plain live one)
 * is the function's too, so the verdicts, messages and counts are the
 * library's either way (c_tests/test_inline.c).
 *
 * -DMBUF_NO_INLINE turns the macros into plain calls.  MBUF_INLINE_ALLOC
 * is defined (to MBUF_TCACHE_ABI) when they are inline.  As with NDEBUG
 * and <assert.h>, this file may be included again after defining or
 * undefining MBUF_NO_INLINE to switch the macros for what follows.
 */
#ifndef _LIBMBUF_MBUF_INLINE_H_
#define _LIBMBUF_MBUF_INLINE_H_

#if defined(__GNUC__)	/* gcc and clang: __thread, __atomic, attributes */
#define	_MBUF_CAN_INLINE	1
#endif

#define	MBUF_TCACHE_ABI		1	/* the layout and protocol version */
#define	MBUF_TCACHE_MB_SLOTS	512	/* mbuf slots of a magazine */
#define	MBUF_TCACHE_CL_SLOTS	64	/* cluster slots of a magazine */
/* or'ed into nmb/ncl by another thread (or fork()): owner, keep out */
#define	MBUF_TCACHE_STOP	0x40000000
/* a slot's state byte (the core's MBUF_STATE_*), one per 64 bytes */
#define	MBUF_TCACHE_STATE_FREE	0
#define	MBUF_TCACHE_STATE_LIVE	1
#define	MBUF_TCACHE_STATE_SHIFT	6

/*
 * Where the slots and their state bytes are (the library's copy, shared
 * by all threads).  A slot is live when it is inside [base, base + span),
 * on a slot boundary, and its state byte says so.  The spans only grow.
 */
struct mbuf_tcache_arena {
	uintptr_t	mb_base, mb_span;	/* mbuf slots, MSIZE each */
	uint8_t		*mb_state;
	uintptr_t	cl_base, cl_span;	/* cluster slots, MCLBYTES each */
	uint8_t		*cl_state;
};

/*
 * The public prefix of a thread's cache, version 1.  The library's
 * per-thread state starts with it and goes on with private fields.
 */
struct mbuf_tcache {
	int		idle;	/* 1 while the thread is outside the library */
	int		nmb;	/* slots in mb[] (| MBUF_TCACHE_STOP) */
	int		ncl;	/* slots in cl[] (| MBUF_TCACHE_STOP) */
	int		stop;	/* why STOP is set (the library's business) */
	const struct mbuf_tcache_arena *arena;
#if !(defined(__LP64__) || defined(_LP64))
	uint32_t	_pad;	/* mtypes 8-aligned on ILP32 too */
#endif
	int64_t		mtypes[256];	/* this thread's share of live mbufs, by type */
	void		*mb[MBUF_TCACHE_MB_SLOTS];	/* free mbuf slots */
	void		*cl[MBUF_TCACHE_CL_SLOTS];	/* free cluster slots */
};
#if defined(__LP64__) || defined(_LP64)
_LIBMBUF_ASSERT(offsetof(struct mbuf_tcache, arena) == 16, "tcache.arena");
_LIBMBUF_ASSERT(offsetof(struct mbuf_tcache, mtypes) == 24, "tcache.mtypes");
_LIBMBUF_ASSERT(offsetof(struct mbuf_tcache, mb) == 2072, "tcache.mb");
_LIBMBUF_ASSERT(offsetof(struct mbuf_tcache, cl) == 6168, "tcache.cl");
_LIBMBUF_ASSERT(sizeof(struct mbuf_tcache) == 6680, "tcache size");
#else
_LIBMBUF_ASSERT(offsetof(struct mbuf_tcache, arena) == 16, "tcache.arena");
_LIBMBUF_ASSERT(offsetof(struct mbuf_tcache, mtypes) == 24, "tcache.mtypes");
_LIBMBUF_ASSERT(offsetof(struct mbuf_tcache, mb) == 2072, "tcache.mb");
_LIBMBUF_ASSERT(offsetof(struct mbuf_tcache, cl) == 4120, "tcache.cl");
_LIBMBUF_ASSERT(sizeof(struct mbuf_tcache) == 4376, "tcache size");
#endif
_LIBMBUF_ASSERT(offsetof(struct mbuf_tcache, idle) == 0 &&
    offsetof(struct mbuf_tcache, nmb) == 4 &&
    offsetof(struct mbuf_tcache, ncl) == 8 &&
    offsetof(struct mbuf_tcache, stop) == 12, "tcache counts");

#ifdef _MBUF_CAN_INLINE

/*
 * The calling thread's cache, or NULL (see above).  initial-exec: one
 * load from the thread pointer, in programs and in shared objects alike
 * (libmbuf.so itself already needs static TLS, for the Go runtime).
 */
extern __thread struct mbuf_tcache *mbuf__tcache_v1
    __attribute__((tls_model("initial-exec")));

#define	_MBUF_INLINE	static __inline__ __attribute__((__always_inline__))
#define	_MBUF_LIKELY(x)	__builtin_expect(!!(x), 1)

/* ---- the rules (the Go core has a twin of each) ---- */

/* a valid how (core.checkHow) */
_MBUF_INLINE int
mbuf__how_ok(int how)
{
	return how == M_WAIT || how == M_DONTWAIT;
}

/* a valid mbuf type (core.checkType): 1..255 */
_MBUF_INLINE int
mbuf__type_ok(int type)
{
	return type > MT_FREE && type < 256;
}

/*
 * The slot of type in the per-type tables of the 2007 kernel
 * (unknown_mowners[], mbtypes[]): its own up to MT_OOBDATA, MT_DATA's
 * for the rest (core.ownerIndex).
 */
_MBUF_INLINE int
mbuf__type_index(int type)
{
	return (unsigned)type <= MT_OOBDATA ? type : MT_DATA;
}

_MBUF_INLINE uint8_t *
mbuf__tc_mb_state(const struct mbuf_tcache_arena *a, const void *m)
{
	return &a->mb_state[(((uintptr_t)m - a->mb_base) >>
	    __builtin_ctz(MSIZE)) << MBUF_TCACHE_STATE_SHIFT];
}

_MBUF_INLINE uint8_t *
mbuf__tc_cl_state(const struct mbuf_tcache_arena *a, const void *c)
{
	return &a->cl_state[(((uintptr_t)c - a->cl_base) >> MCLSHIFT) <<
	    MBUF_TCACHE_STATE_SHIFT];
}

/* inside the mbuf arena, on a slot boundary (its state not looked at) */
_MBUF_INLINE int
mbuf__tc_mb_slot(const struct mbuf_tcache_arena *a, const void *m)
{
	uintptr_t off = (uintptr_t)m - a->mb_base;

	return off < a->mb_span && (off & (MSIZE - 1)) == 0;
}

_MBUF_INLINE int
mbuf__tc_mb_is_live(const struct mbuf_tcache_arena *a, const void *m)
{
	return mbuf__tc_mb_slot(a, m) &&
	    *mbuf__tc_mb_state(a, m) == MBUF_TCACHE_STATE_LIVE;
}

_MBUF_INLINE int
mbuf__tc_cl_is_live(const struct mbuf_tcache_arena *a, const void *c)
{
	uintptr_t off = (uintptr_t)c - a->cl_base;

	return off < a->cl_span && (off & (MCLBYTES - 1)) == 0 &&
	    *mbuf__tc_cl_state(a, c) == MBUF_TCACHE_STATE_LIVE;
}

/* the fields MGET sets (core.InitMbuf is the Go twin) */
_MBUF_INLINE void
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

/* and those MGETHDR sets on top */
_MBUF_INLINE void
mbuf__init_pkthdr(struct mbuf *m)
{
	m->m_data = m->m_pktdat;
	m->m_flags = M_PKTHDR;
	__builtin_memset(&m->m_pkthdr, 0, sizeof(m->m_pkthdr));
}

/* the fields MCLGET sets to make the cluster buf m's storage */
_MBUF_INLINE void
mbuf__set_cluster(struct mbuf *m, char *buf)
{
	m->m_ext_ref = m;
	m->m_ext_storage.ext_lock.mtx_word = 0;
	m->m_ext_storage.ext_refcnt = 1;
	m->m_ext_storage.ext_flags = 0;
	m->m_ext_storage.ext_buf = buf;
	m->m_ext_storage.ext_free = NULL;
	m->m_ext_storage.ext_arg = mcl_cache;
	m->m_ext_storage.ext_size = MCLBYTES;
	m->m_ext_storage.ext_type = NULL;
	m->m_ext_storage.ext_paddr = M_PADDR_INVALID;
	m->m_data = buf;
	m->m_flags = (int)(((unsigned)m->m_flags & ~(unsigned)M_EXTCOPYFLAGS) |
	    M_EXT | M_EXT_CLUSTER | M_EXT_RW);
}

/*
 * THE MAGAZINE PROTOCOL.  A thread's magazines (mb[]/nmb, cl[]/ncl) and
 * its mtypes[] counts are changed by their owner inside a section:
 *
 *	if (--t->idle != 0)	-> t->idle = 0; slow path: a signal handler
 *				   interrupted a library call on this thread
 *	n = t->nmb;		   (after a compiler barrier)
 *	if (n is not in [1, slots]) -> t->idle = 1; slow path: empty, or
 *				   MBUF_TCACHE_STOP (a steal, or fork())
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
 * it ors MBUF_TCACHE_STOP into every thread's counts, issues membarrier(2)
 * (a full barrier on every running thread of the process), empties the
 * magazines of the threads whose idle it reads 1, and clears the bit.
 * The barrier pairs the owner's (store idle, load count) with the
 * stealer's (store count, load idle): either the owner sees the bit and
 * keeps out, or the stealer sees the owner inside and keeps out.  The
 * owner pays no fence and no extra load: three instructions a section.
 * Every pop or push anywhere (the library, the inline macros) follows
 * these lines.
 */
_MBUF_INLINE int
mbuf__mag_enter(struct mbuf_tcache *t)
{
	/* one read-modify-write instruction where the target has one */
	if (__builtin_expect(--t->idle != 0, 0)) {
		t->idle = 0;	/* nested: the interrupted call's mark again */
		return 0;	/* (the slow path reports it) */
	}
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	return 1;
}

_MBUF_INLINE void
mbuf__mag_leave(struct mbuf_tcache *t)
{
	__atomic_store_n(&t->idle, 1, __ATOMIC_RELEASE);
}

/* a count that allows a pop: in [1, slots], no MBUF_TCACHE_STOP */
_MBUF_INLINE int
mbuf__can_pop(int n, unsigned slots)
{
	return (unsigned)n - 1 < slots;
}

/* a count that allows k pushes: n + k <= slots, no MBUF_TCACHE_STOP */
_MBUF_INLINE int
mbuf__can_push(int n, int k, unsigned slots)
{
	return (unsigned)n + (unsigned)k <= slots;
}

/* per-thread live counts: only the owner writes; others read relaxed */
_MBUF_INLINE void
mbuf__tc_count(struct mbuf_tcache *t, int type, int delta)
{
	__atomic_store_n(&t->mtypes[type], t->mtypes[type] + delta,
	    __ATOMIC_RELAXED);
}

/*
 * MGET's common case: the top of t's mbuf magazine, counted as type (a
 * valid one), live and initialised.  NULL, with nothing done, when the
 * magazine cannot serve it now (empty, stopped, or a nested call).
 */
_MBUF_INLINE struct mbuf *
mbuf__tc_get(struct mbuf_tcache *t, const struct mbuf_tcache_arena *a,
    int type)
{
	struct mbuf *m;
	uint8_t *state;
	int n;

	if (!_MBUF_LIKELY(mbuf__mag_enter(t)))
		return NULL;
	n = t->nmb;
	if (!_MBUF_LIKELY(mbuf__can_pop(n, MBUF_TCACHE_MB_SLOTS))) {
		mbuf__mag_leave(t);
		return NULL;
	}
	m = (struct mbuf *)t->mb[n - 1];
	/* the state byte's address before the count's store, which may
	 * alias the arena's bounds (int64_t and uintptr_t) */
	state = mbuf__tc_mb_state(a, m);
	t->nmb = n - 1;
	mbuf__tc_count(t, type, 1);
	mbuf__mag_leave(t);
	*state = MBUF_TCACHE_STATE_LIVE;
	mbuf__init_mbuf(m, type);
	return m;
}

/*
 * What every free checks first: m is a live mbuf slot (NULL is not) of a
 * type the counts cover, without tags to free.
 */
_MBUF_INLINE int
mbuf__tc_free_ok(const struct mbuf_tcache_arena *a, const struct mbuf *m)
{
	return _MBUF_LIKELY(mbuf__tc_mb_is_live(a, m)) &&
	    _MBUF_LIKELY((unsigned short)m->m_type < 256) &&
	    ((m->m_flags & M_PKTHDR) == 0 ||
	    m->m_pkthdr.tags.slh_first == NULL);
}

/*
 * Push m, a live mbuf without storage (checked by mbuf__tc_free_ok),
 * onto t's magazine (in a section); 0, nothing done, if there is no room.
 */
_MBUF_INLINE int
mbuf__tc_put_plain(struct mbuf_tcache *t, const struct mbuf_tcache_arena *a,
    struct mbuf *m)
{
	uint8_t *state;
	int n = t->nmb;

	if (!_MBUF_LIKELY(mbuf__can_push(n, 1, MBUF_TCACHE_MB_SLOTS)))
		return 0;
	/* the state byte's address before the count's store (see get) */
	state = mbuf__tc_mb_state(a, m);
	mbuf__tc_count(t, m->m_type, -1);
	*state = MBUF_TCACHE_STATE_FREE;
	t->mb[n] = m;
	t->nmb = n + 1;
	return 1;
}

/*
 * MCLGET's common case: m (live, checked by the caller) has no storage,
 * and t's cluster magazine a cluster for it.  0, nothing done, otherwise.
 */
_MBUF_INLINE int
mbuf__tc_clget(struct mbuf_tcache *t, const struct mbuf_tcache_arena *a,
    struct mbuf *m)
{
	char *c;
	int n;

	if ((m->m_flags & M_EXT) != 0 || !_MBUF_LIKELY(mbuf__mag_enter(t)))
		return 0;
	n = t->ncl;
	if (!_MBUF_LIKELY(mbuf__can_pop(n, MBUF_TCACHE_CL_SLOTS))) {
		mbuf__mag_leave(t);
		return 0;
	}
	c = (char *)t->cl[n - 1];
	t->ncl = n - 1;
	mbuf__mag_leave(t);
	*mbuf__tc_cl_state(a, c) = MBUF_TCACHE_STATE_LIVE;
	mbuf__set_cluster(m, c);
	return 1;
}

/* ---- the macros' bodies: the common case inline, else the call ---- */

_MBUF_INLINE struct mbuf *
mbuf__get_inline(int how, int type, int hdr)
{
	struct mbuf_tcache *t = mbuf__tcache_v1;
	struct mbuf *m;

	if (_MBUF_LIKELY(t != NULL && mbuf__how_ok(how) &&
	    mbuf__type_ok(type)) &&
	    _MBUF_LIKELY((m = mbuf__tc_get(t, t->arena, type)) != NULL)) {
		if (hdr)
			mbuf__init_pkthdr(m);
		return m;
	}
	return hdr ? m_gethdr(how, type) : m_get(how, type);
}

_MBUF_INLINE void
mbuf__clget_inline(struct mbuf *m, int how)
{
	struct mbuf_tcache *t = mbuf__tcache_v1;

	if (_MBUF_LIKELY(t != NULL && mbuf__how_ok(how) &&
	    mbuf__tc_mb_is_live(t->arena, m)) &&
	    _MBUF_LIKELY(mbuf__tc_clget(t, t->arena, m)))
		return;
	m_clget(m, how);
}

/*
 * MFREE of an mbuf without storage inline; the rest is m_free's.  The
 * section opens before the checks, as in m_free: checking first measured
 * 10-15 % slower on AMD EPYC (MGET+MFREE, same instruction count).
 */
_MBUF_INLINE struct mbuf *
mbuf__free_inline(struct mbuf *m)
{
	struct mbuf_tcache *t = mbuf__tcache_v1;
	struct mbuf *n;

	if (_MBUF_LIKELY(t != NULL) && _MBUF_LIKELY(mbuf__mag_enter(t))) {
		if (_MBUF_LIKELY(mbuf__tc_free_ok(t->arena, m) &&
		    (m->m_flags & M_EXT) == 0)) {
			n = m->m_next;
			if (_MBUF_LIKELY(mbuf__tc_put_plain(t, t->arena, m))) {
				mbuf__mag_leave(t);
				return n;
			}
		}
		mbuf__mag_leave(t);
	}
	return m_free(m);
}

#endif /* _MBUF_CAN_INLINE */
#endif /* _LIBMBUF_MBUF_INLINE_H_ */

/* ---- the switch, which may be included again (like <assert.h>) ---- */
#undef	MBUF_INLINE_ALLOC
#undef	_MBUF_GET
#undef	_MBUF_GETHDR
#undef	_MBUF_CLGET
#undef	_MBUF_FREE
#if defined(_MBUF_CAN_INLINE) && !defined(MBUF_NO_INLINE)
#define	MBUF_INLINE_ALLOC	MBUF_TCACHE_ABI
#define	_MBUF_GET(how, type)	mbuf__get_inline((how), (type), 0)
#define	_MBUF_GETHDR(how, type)	mbuf__get_inline((how), (type), 1)
#define	_MBUF_CLGET(m, how)	mbuf__clget_inline((m), (how))
#define	_MBUF_FREE(m)		mbuf__free_inline(m)
#else
#define	_MBUF_GET(how, type)	m_get((how), (type))
#define	_MBUF_GETHDR(how, type)	m_gethdr((how), (type))
#define	_MBUF_CLGET(m, how)	m_clget((m), (how))
#define	_MBUF_FREE(m)		m_free(m)
#endif
