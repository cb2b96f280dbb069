/*
 * Private declarations of the C side of libmbuf.so: the block shared with
 * the Go core, the per-thread state, and error reporting.
 */
#ifndef LIBMBUF_CAPI_INTERNAL_H
#define LIBMBUF_CAPI_INTERNAL_H

#include <stdint.h>
#include <stdlib.h>
#include "mbuf.h"
#include "core_gen.h"
#include "rules.h"

#define	MBUF_LIKELY(x)		__builtin_expect(!!(x), 1)
#define	MBUF_UNLIKELY(x)	__builtin_expect(!!(x), 0)
#define	MBUF_HIDDEN		__attribute__((visibility("hidden")))

/* Mirrors core.Shared (core/pools.go); its layout comes from core_gen.h. */
struct mbuf_shared {
	uintptr_t	mb_base, mb_end;	/* mbuf arena */
	uintptr_t	cl_base, cl_end;	/* cluster arena */
	uint8_t		*mb_state;		/* one state byte per mbuf slot */
	uint8_t		*cl_state;		/* one state byte per cluster */
	uint32_t	flags;			/* MBUF_SHARED_* */
	uint32_t	_pad;
	int64_t		go_types[MBUF_NUM_TYPES]; /* live mbufs by type, Go side */
};
_Static_assert(offsetof(struct mbuf_shared, flags) == MBUF_SHARED_OFF_FLAGS,
    "shared.flags");
_Static_assert(offsetof(struct mbuf_shared, go_types) ==
    MBUF_SHARED_OFF_GO_TYPES, "shared.go_types");
_Static_assert(sizeof(struct mbuf_shared) == MBUF_SHARED_SIZE, "shared size");
_Static_assert(MBUF_STATE_STRIDE == 1 << MBUF_STATE_STRIDE_SHIFT,
    "state stride");
_Static_assert(MSIZE == 1 << MBUF_MSIZE_SHIFT, "MSIZE");

/* the per-thread cache: magazines of free slots and this thread's counts */
#define	MBUF_CACHE_SLOTS	64
#define	MBUF_BATCH		32

struct mbuf_thread {
	void		*mb[MBUF_CACHE_SLOTS];	/* free mbuf slots */
	int		nmb;
	void		*cl[MBUF_CACHE_SLOTS];	/* free cluster slots */
	int		ncl;
	int64_t		mtypes[256];	/* live mbufs by type: this thread's share */
	struct mbuf_thread *next, *prev; /* registry of threads */
	/* a violation reported by Go during the current call */
	int		pending;
	char		pend_func[48];
	char		pend_msg[320];
	/* the last violation, for mbuf_last_error() */
	int		has_error;
	char		last_error[400];
};

extern MBUF_HIDDEN struct mbuf_shared *mbuf__sh;
extern MBUF_HIDDEN __thread struct mbuf_thread *mbuf__self
    __attribute__((tls_model("initial-exec")));

MBUF_HIDDEN struct mbuf_thread *mbuf__thread_slow(void);
MBUF_HIDDEN void mbuf__init(void);
/* the C side of m_reclaim, run by the core (core/reclaim.go) */
MBUF_HIDDEN void mbuf__drain_hooks(void);

static inline struct mbuf_thread *
mbuf__thread(void)
{
	struct mbuf_thread *t = mbuf__self;

	return MBUF_LIKELY(t != NULL) ? t : mbuf__thread_slow();
}

/* report a violation found in C: the panic handler, or a soft error */
MBUF_HIDDEN void mbuf__violation(const char *func, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* a chain the C checks refused: the core words the violation */
MBUF_HIDDEN void mbuf__report_chain(const char *func, const struct mbuf *m);
/* after a call into Go: report what Go found, if anything */
MBUF_HIDDEN void mbuf__flush_pending_slow(struct mbuf_thread *t);
#define	MBUF_FLUSH()							\
	do {								\
		struct mbuf_thread *__t = mbuf__self;			\
		if (MBUF_UNLIKELY(__t != NULL && __t->pending))		\
			mbuf__flush_pending_slow(__t);			\
	} while (0)
/* did the last Go call of this thread fail? (read before MBUF_FLUSH) */
static inline int
mbuf__go_failed(void)
{
	struct mbuf_thread *t = mbuf__self;

	return t != NULL && t->pending;
}

/* per-thread live counts: only the owner writes; others read relaxed */
static inline void
mbuf__count(struct mbuf_thread *t, int type, int delta)
{
	__atomic_store_n(&t->mtypes[type], t->mtypes[type] + delta,
	    __ATOMIC_RELAXED);
}

/* kern.mbuf.mowners (owners.c keeps the list and its lock) */
MBUF_HIDDEN void mbuf__owners_init(void);
MBUF_HIDDEN int mbuf__owners_copy(void *oldp, size_t *oldlenp);

/* C trampolines called from Go */
void	mbuf__call_ext_free(uintptr_t fn, uintptr_t m, uintptr_t buf,
	    uintptr_t size, uintptr_t arg);
void	mbuf__free_malloc(uintptr_t buf);
void	mbuf__call_tag_free(uintptr_t fn, uintptr_t t);
void	mbuf__warn(const char *msg);
void	mbuf__set_pending(const char *func, int flen, const char *msg, int mlen);
/* reports: an attached owner's name (owners.c), a C symbol (debug.c) */
MBUF_HIDDEN int	mbuf__owner_name(uintptr_t mo, char *buf, int n);
MBUF_HIDDEN int	mbuf__dbg_symbolize(uintptr_t pc, char *out, int n);

#endif /* LIBMBUF_CAPI_INTERNAL_H */
