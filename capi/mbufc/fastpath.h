/*
 * Inline pieces of the C fast path shared by fastpath.c and hotpath.c:
 * pointer checks against the core's arenas, and taking an mbuf out of a
 * thread's magazine.
 */
#ifndef LIBMBUF_CAPI_FASTPATH_H
#define LIBMBUF_CAPI_FASTPATH_H

#include <string.h>

#include "internal.h"

#define	MSIZE_SHIFT	MBUF_MSIZE_SHIFT
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

static inline int
mbuf__mb_is_live(const void *m)
{
	return mbuf__mb_slot(m) && *mbuf__mb_state(m) == MBUF_STATE_LIVE;
}

static inline int
mbuf__cl_is_live(const void *c)
{
	uintptr_t off = (uintptr_t)c - mbuf__arena.cl_base;

	return off < mbuf__arena.cl_span && (off & (MCLBYTES - 1)) == 0 &&
	    *mbuf__cl_state(c) == MBUF_STATE_LIVE;
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

/* hand out the mbuf slot m (just popped from t's magazine) as type */
static inline void
mbuf__take_mbuf(struct mbuf_thread *t, struct mbuf *m, int type)
{
	*mbuf__mb_state(m) = MBUF_STATE_LIVE;
	mbuf__count(t, type, 1);
	mbuf__init_mbuf(m, type);
}

/* top t's mbuf magazine up by one batch; returns the new count */
MBUF_HIDDEN int mbuf__refill_mbufs(struct mbuf_thread *t, int how);

#endif /* LIBMBUF_CAPI_FASTPATH_H */
