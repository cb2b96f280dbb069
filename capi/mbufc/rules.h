/*
 * Rules the C side applies exactly as the core does.  Their one C
 * definition each is in include/mbuf_inline.h (mbuf__how_ok,
 * mbuf__type_ok, mbuf__type_index: the inline MGET runs them too); the
 * numbers they use are checked here against the core's, which make
 * generate writes into core_gen.h.
 */
#ifndef LIBMBUF_CAPI_RULES_H
#define LIBMBUF_CAPI_RULES_H

#include "mbuf.h"
#include "core_gen.h"

_Static_assert(MBUF_OWNER_TYPES == MT_OOBDATA + 1,
    "one unknown owner (and malloc type) per 2007 mbuf type");
_Static_assert(MBUF_OWNER_FALLBACK_TYPE == MT_DATA,
    "types past MT_OOBDATA take MT_DATA's owner (mbuf__type_index)");
_Static_assert(MBUF_NUM_TYPES == 256,
    "the per-type counters (mbuf_inline.h) have 256 entries, one per "
    "value of the 8-bit types the core accepts (mbuf__type_ok)");

#endif /* LIBMBUF_CAPI_RULES_H */
