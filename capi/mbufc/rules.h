/*
 * Rules the C side applies exactly as the core does, one definition each
 * (their Go twins are named in each comment).  The numbers come from the
 * core through core_gen.h, which make generate writes.
 */
#ifndef LIBMBUF_CAPI_RULES_H
#define LIBMBUF_CAPI_RULES_H

#include "mbuf.h"
#include "core_gen.h"

_Static_assert(MBUF_OWNER_TYPES == MT_OOBDATA + 1,
    "one unknown owner (and malloc type) per 2007 mbuf type");
_Static_assert(MBUF_NUM_TYPES == 256,
    "the per-type counters (internal.h, fastpath.c) have 256 entries, "
    "one per value of the 8-bit types the core accepts");

/* a valid how (core.checkHow) */
static inline int
mbuf__how_ok(int how)
{
	return how == M_WAIT || how == M_DONTWAIT;
}

/* a valid mbuf type (core.checkType) */
static inline int
mbuf__type_ok(int type)
{
	return type > MT_FREE && type < MBUF_NUM_TYPES;
}

/*
 * The slot of type in the per-type tables of the 2007 kernel
 * (unknown_mowners[], mbtypes[]): its own up to MT_OOBDATA, MT_DATA's
 * for the rest (core.ownerIndex).
 */
static inline int
mbuf__type_index(int type)
{
	return (unsigned)type < MBUF_OWNER_TYPES ? type :
	    MBUF_OWNER_FALLBACK_TYPE;
}

#endif /* LIBMBUF_CAPI_RULES_H */
