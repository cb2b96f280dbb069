/*
 * The C fast path: per-thread magazines of free mbufs and clusters in
 * front of the Go depots, and the allocation calls that use them.
 *
 * A C->Go call costs more than a whole m_get+m_free (PERFORMANCE.md), so
 * the common cases here never enter Go: a cache refills or drains 32
 * slots per crossing.  Only the common case lives here; anything unusual
 * (tags to free, shared or custom ext storage, a bad argument, debug or
 * trace mode) is handed to the Go core, which implements every case.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "fastpath.h"
#include "_cgo_export.h"

struct mbuf_shared *mbuf__sh;
struct mbuf_arena mbuf__arena;
__thread struct mbuf_thread *mbuf__self __attribute__((tls_model("initial-exec")));

#define	KIND_MBUF	0
#define	KIND_CLUSTER	1

/* ---- initialisation and the thread registry ------------------------- */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static pthread_key_t thread_key;
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mbuf_thread *registry;

/*
 * Slots left behind by exited threads wait here for the next refill;
 * their counts are folded into orphan_mtypes.  Guarded by registry_lock.
 */
struct slot_stack {
	void	**v;
	int	n, cap;
};
static struct slot_stack orphans[2];
static int64_t orphan_mtypes[256];
static volatile int orphans_pending;

static void thread_exit(void *arg);

static void
init_once_fn(void)
{
	mbuf__sh = (struct mbuf_shared *)mbufgo_shared();
	mbuf__arena.mb_state = mbuf__sh->mb_state;
	mbuf__arena.mb_span = mbuf__sh->mb_end - mbuf__sh->mb_base;
	mbuf__arena.cl_state = mbuf__sh->cl_state;
	mbuf__arena.cl_span = mbuf__sh->cl_end - mbuf__sh->cl_base;
	mbuf__arena.cl_base = mbuf__sh->cl_base;
	/* the base last: until it is set, no pointer is live */
	__atomic_store_n(&mbuf__arena.mb_base, mbuf__sh->mb_base,
	    __ATOMIC_RELEASE);
	__atomic_store_n(&mbuf__arena.fast, (mbuf__sh->flags &
	    (MBUF_SHARED_SLOWPATH | MBUF_SHARED_FASTPATH_OFF)) == 0,
	    __ATOMIC_RELEASE);
	pthread_key_create(&thread_key, thread_exit);
	mbuf__owners_init();
}

void
mbuf__init(void)
{
	pthread_once(&init_once, init_once_fn);
}

void
mbinit(void)
{
	mbuf__init();
}

struct mbuf_thread *
mbuf__thread_slow(void)
{
	struct mbuf_thread *t;

	mbuf__init();
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	pthread_mutex_lock(&registry_lock);
	t->next = registry;
	if (registry != NULL)
		registry->prev = t;
	registry = t;
	pthread_mutex_unlock(&registry_lock);
	pthread_setspecific(thread_key, t);
	mbuf__self = t;
	return t;
}

static void
stack_push(struct slot_stack *s, void **v, int n)
{
	if (n <= 0)
		return;		/* s->v may still be NULL */
	if (s->n + n > s->cap) {
		int cap = (s->n + n) * 2;
		void **nv = realloc(s->v, (size_t)cap * sizeof(void *));

		if (nv == NULL)
			return;	/* slots stay outside the depot: counted, not lost */
		s->v = nv;
		s->cap = cap;
	}
	memcpy(s->v + s->n, v, (size_t)n * sizeof(void *));
	s->n += n;
}

/*
 * A thread is exiting: hand its cached slots and counts to the orphan
 * stacks (no Go call here: the Go runtime may be tearing this thread's
 * state down in its own destructor).
 */
static void
thread_exit(void *arg)
{
	struct mbuf_thread *t = arg;
	int i;

	pthread_mutex_lock(&registry_lock);
	stack_push(&orphans[KIND_MBUF], t->mb, t->nmb);
	stack_push(&orphans[KIND_CLUSTER], t->cl, t->ncl);
	for (i = 0; i < 256; i++)
		orphan_mtypes[i] += t->mtypes[i];
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		registry = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	orphans_pending = 1;
	pthread_mutex_unlock(&registry_lock);
	if (mbuf__self == t)
		mbuf__self = NULL;
	free(t);
}

static int
take_orphans(int kind, void **dst, int want)
{
	struct slot_stack *s = &orphans[kind];
	int n;

	pthread_mutex_lock(&registry_lock);
	n = s->n < want ? s->n : want;
	if (n > 0) {		/* s->v may still be NULL */
		memcpy(dst, s->v + s->n - n, (size_t)n * sizeof(void *));
		s->n -= n;
	}
	orphans_pending = orphans[0].n > 0 || orphans[1].n > 0;
	pthread_mutex_unlock(&registry_lock);
	return n;
}

/* ---- magazines --------------------------------------------------------- */

/* top a magazine up by at most one batch; returns how many were added */
static int
refill(struct mbuf_thread *t, int kind, int how)
{
	void **mag = kind == KIND_MBUF ? t->mb : t->cl;
	int *np = kind == KIND_MBUF ? &t->nmb : &t->ncl;
	int want = MBUF_CACHE_SLOTS - *np, n = 0;

	if (want > MBUF_BATCH)
		want = MBUF_BATCH;
	if (want <= 0)
		return 0;
	if (orphans_pending)
		n = take_orphans(kind, mag + *np, want);
	if (n == 0)
		n = mbufgo_take(kind, how, (uintptr_t)(mag + *np), want);
	*np += n;
	return n;
}

int
mbuf__refill_mbufs(struct mbuf_thread *t, int how)
{
	refill(t, KIND_MBUF, how);
	return t->nmb;
}

/* the magazine is full: give its older half back to the depot */
static void
drain_half(struct mbuf_thread *t, int kind)
{
	void **mag = kind == KIND_MBUF ? t->mb : t->cl;
	int *np = kind == KIND_MBUF ? &t->nmb : &t->ncl;

	mbufgo_give(kind, (uintptr_t)mag, MBUF_BATCH);
	memmove(mag, mag + MBUF_BATCH,
	    (size_t)(*np - MBUF_BATCH) * sizeof(void *));
	*np -= MBUF_BATCH;
}

/* ---- allocation ---------------------------------------------------------- */

/* hand out the top of t's (non-empty) mbuf magazine as MGET/MGETHDR do */
static inline struct mbuf *
pop_mbuf(struct mbuf_thread *t, int type, int hdr)
{
	struct mbuf *m = t->mb[--t->nmb];

	mbuf__take_mbuf(t, m, type);
	if (hdr)
		mbuf__init_pkthdr(m);
	return m;
}

static struct mbuf *
get_slow(int how, int type, int hdr)
{
	struct mbuf_thread *t = mbuf__thread();
	struct mbuf *m;

	if (!mbuf__valid_args(how, type) || t == NULL || !mbuf__fast_ok()) {
		m = (struct mbuf *)mbufgo_get(how, type, hdr);
		MBUF_FLUSH();
		return m;
	}
	if (t->nmb == 0 && refill(t, KIND_MBUF, how) == 0)
		return NULL;
	return pop_mbuf(t, type, hdr);
}

static inline struct mbuf *
get_fast(int how, int type, int hdr)
{
	struct mbuf_thread *t = mbuf__self;

	if (MBUF_UNLIKELY(t == NULL || t->nmb == 0 ||
	    !mbuf__valid_args(how, type) || !mbuf__fast_ok()))
		return get_slow(how, type, hdr);
	return pop_mbuf(t, type, hdr);
}

struct mbuf *
m_get(int how, int type)
{
	return get_fast(how, type, 0);
}

struct mbuf *
m_gethdr(int how, int type)
{
	return get_fast(how, type, 1);
}

struct mbuf *
m_getclr(int how, int type)
{
	struct mbuf *m = get_fast(how, type, 0);

	if (m != NULL)
		memset(m->m_dat, 0, MLEN);
	return m;
}

/* attach a cluster from this thread's magazine; 0 if none could be had */
static inline int
clget_cached(struct mbuf_thread *t, struct mbuf *m, int how)
{
	char *buf;

	if (MBUF_UNLIKELY(t->ncl == 0) && refill(t, KIND_CLUSTER, how) == 0)
		return 0;
	buf = t->cl[--t->ncl];
	*mbuf__cl_state(buf) = MBUF_STATE_LIVE;
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
	m->m_flags = (m->m_flags & ~M_EXTCOPYFLAGS) |
	    M_EXT | M_EXT_CLUSTER | M_EXT_RW;
	return 1;
}

void
m_clget(struct mbuf *m, int how)
{
	struct mbuf_thread *t = mbuf__self;

	if (MBUF_UNLIKELY(t == NULL || !mbuf__fast_ok() ||
	    !mbuf__how_ok(how) || !mbuf__mb_is_live(m) ||
	    (m->m_flags & M_EXT) != 0)) {
		mbufgo_clget((uintptr_t)m, how);
		MBUF_FLUSH();
		return;
	}
	clget_cached(t, m, how);
}

struct mbuf *
m_getcl(int how, int type, int flags)
{
	struct mbuf_thread *t;
	struct mbuf *m;

	if (MBUF_UNLIKELY(mbuf__thread() == NULL || !mbuf__fast_ok() ||
	    !mbuf__valid_args(how, type))) {
		m = (struct mbuf *)mbufgo_getcl(how, type, flags);
		MBUF_FLUSH();
		return m;
	}
	m = get_fast(how, type, (flags & M_PKTHDR) != 0);
	if (m == NULL)
		return NULL;
	t = mbuf__self;
	if (MBUF_UNLIKELY(!clget_cached(t, m, how))) {
		m_free(m);
		return NULL;
	}
	return m;
}

/* n allocations through the fast path; stops at the first failure */
static int
get_bulk(int how, int type, int hdr, struct mbuf **out, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if ((out[i] = get_fast(how, type, hdr)) == NULL)
			break;
	return i;
}

int
m_get_bulk(int how, int type, struct mbuf **out, int n)
{
	return get_bulk(how, type, 0, out, n);
}

int
m_gethdr_bulk(int how, int type, struct mbuf **out, int n)
{
	return get_bulk(how, type, 1, out, n);
}

int
m_mballoc(int nmb, int how)
{
	(void)nmb;
	(void)how;
	return 1;
}

/* ---- freeing -------------------------------------------------------------- */

static inline void
put_mbuf(struct mbuf_thread *t, struct mbuf *m)
{
	*mbuf__mb_state(m) = MBUF_STATE_FREE;
	if (MBUF_UNLIKELY(t->nmb == MBUF_CACHE_SLOTS))
		drain_half(t, KIND_MBUF);
	t->mb[t->nmb++] = m;
}

static inline void
put_cluster(struct mbuf_thread *t, char *buf)
{
	*mbuf__cl_state(buf) = MBUF_STATE_FREE;
	if (MBUF_UNLIKELY(t->ncl == MBUF_CACHE_SLOTS))
		drain_half(t, KIND_CLUSTER);
	t->cl[t->ncl++] = buf;
}

/*
 * Drop m's reference to a cluster, by the 2007 holder/sharer rule.  The
 * holder marks itself a zombie before its decrement, so whoever drops the
 * last reference finds it a zombie and may free it.  Returns 0 (nothing
 * done) if the storage is not a plain cluster or looks damaged.
 */
static inline int
cluster_unref(struct mbuf_thread *t, struct mbuf *m)
{
	struct mbuf *h = m->m_ext_ref;
	uint8_t hs;

	if ((m->m_flags & M_EXT_CLUSTER) == 0 ||
	    !mbuf__mb_slot(h) ||
	    !mbuf__cl_is_live(h->m_ext_storage.ext_buf))
		return 0;
	hs = *mbuf__mb_state(h);
	if (h == m) {
		if (MBUF_LIKELY(__atomic_load_n(&m->m_ext_storage.ext_refcnt,
		    __ATOMIC_ACQUIRE) == 1)) {
			put_cluster(t, m->m_ext_storage.ext_buf);
			put_mbuf(t, m);
			return 1;
		}
		*mbuf__mb_state(m) = MBUF_STATE_ZOMBIE;
		if (__atomic_sub_fetch(&m->m_ext_storage.ext_refcnt, 1,
		    __ATOMIC_ACQ_REL) != 0)
			return 1;	/* sharers remain: stay a zombie */
		put_cluster(t, m->m_ext_storage.ext_buf);
		put_mbuf(t, m);
		return 1;
	}
	if (hs != MBUF_STATE_LIVE && hs != MBUF_STATE_ZOMBIE)
		return 0;
	m->m_ext_ref = m;
	if (__atomic_sub_fetch(&h->m_ext_storage.ext_refcnt, 1,
	    __ATOMIC_ACQ_REL) == 0) {
		/* the last reference: the holder is a zombie by now */
		put_cluster(t, h->m_ext_storage.ext_buf);
		put_mbuf(t, h);
	}
	put_mbuf(t, m);
	return 1;
}

/*
 * Free m on the fast path if it is the common case: a live mbuf without
 * tags whose storage, if any, is a cluster (shared or not).  Returns 0
 * (nothing done) when the core must handle it.
 */
static inline int
free_fast(struct mbuf_thread *t, struct mbuf *m)
{
	int flags;

	if (MBUF_UNLIKELY(!mbuf__mb_is_live(m)))
		return 0;
	flags = m->m_flags;
	if (MBUF_UNLIKELY((unsigned short)m->m_type >= 256))
		return 0;
	if ((flags & M_PKTHDR) != 0 && m->m_pkthdr.tags.slh_first != NULL)
		return 0;
	if (flags & M_EXT) {
		short type = m->m_type;

		if (!cluster_unref(t, m))
			return 0;
		mbuf__count(t, type, -1);
		return 1;
	}
	mbuf__count(t, m->m_type, -1);
	put_mbuf(t, m);
	return 1;
}

struct mbuf *
m_free(struct mbuf *m)
{
	struct mbuf_thread *t = mbuf__self;
	struct mbuf *n;

	if (MBUF_LIKELY(t != NULL && mbuf__fast_ok() && m != NULL)) {
		n = m->m_next;
		if (free_fast(t, m))
			return n;
	}
	n = (struct mbuf *)mbufgo_free((uintptr_t)m);
	MBUF_FLUSH();
	return n;
}

void
m_freem(struct mbuf *m)
{
	struct mbuf_thread *t = mbuf__self;
	struct mbuf *n;

	if (m == NULL)
		return;
	if (MBUF_LIKELY(t != NULL && mbuf__fast_ok())) {
		for (; m != NULL; m = n) {
			n = m->m_next;
			if (!free_fast(t, m))
				break;
		}
		if (m == NULL)
			return;
	}
	/* one crossing frees whatever is left of the chain */
	mbufgo_freem((uintptr_t)m);
	MBUF_FLUSH();
}

void
m_free_bulk(struct mbuf **ms, int n)
{
	int i;

	for (i = 0; i < n; i++)
		m_free(ms[i]);
}

void
m_freem_bulk(struct mbuf **chains, int n)
{
	int i;

	for (i = 0; i < n; i++)
		m_freem(chains[i]);
}

void
m_ext_free(struct mbuf *m)
{
	mbufgo_ext_free((uintptr_t)m);
	MBUF_FLUSH();
}

/*
 * What an ext_free callback calls last: release the mbuf it was handed.
 * Only mb_cache is a pool here.
 */
void
pool_cache_put(pool_cache_t pc, void *object)
{
	struct mbuf_thread *t = mbuf__thread();

	if (pc != mb_cache) {
		mbuf__violation("pool_cache_put", "pool %p is not mb_cache",
		    (void *)pc);
		return;
	}
	if (!mbuf__fast_ok()) {		/* debug mode: the core quarantines it */
		mbufgo_pool_cache_put((uintptr_t)object);
		MBUF_FLUSH();
		return;
	}
	if (!mbuf__mb_slot(object) ||
	    *mbuf__mb_state(object) != MBUF_STATE_FREEING) {
		/* not the mbuf an ext_free was handed: the core reports it */
		mbufgo_pool_cache_put((uintptr_t)object);
		MBUF_FLUSH();
		return;
	}
	put_mbuf(t, object);
}

/* ---- storage helpers behind the macros ------------------------------------ */

void
mbuf_extmalloc(struct mbuf *m, size_t size, int how)
{
	void *buf;

	if (!mbufgo_check_storage_target((uintptr_t)m, "MEXTMALLOC")) {
		MBUF_FLUSH();
		return;
	}
	(void)how;
	buf = malloc(size > 0 ? size : 1);
	if (buf == NULL)
		return;
	mbufgo_extadd((uintptr_t)m, (uintptr_t)buf, size,
	    (uintptr_t)mbtypes[mbuf__type_index(m->m_type)],
	    0, 0);
	MBUF_FLUSH();
	m->m_flags |= M_EXT_RW;
}

void
mbuf_extadd(struct mbuf *m, void *buf, size_t size, struct malloc_type *type,
    void (*free_fn)(struct mbuf *, void *, size_t, void *), void *arg)
{
	mbufgo_extadd((uintptr_t)m, (uintptr_t)buf, size, (uintptr_t)type,
	    (uintptr_t)free_fn, (uintptr_t)arg);
	MBUF_FLUSH();
}

void
mbuf__call_ext_free(uintptr_t fn, uintptr_t m, uintptr_t buf, uintptr_t size,
    uintptr_t arg)
{
	((void (*)(struct mbuf *, void *, size_t, void *))fn)(
	    (struct mbuf *)m, (void *)buf, (size_t)size, (void *)arg);
}

void
mbuf__free_malloc(uintptr_t buf)
{
	free((void *)buf);
}

void
mbuf_chtype(struct mbuf *m, int type)
{
	mbufgo_chtype((uintptr_t)m, type);
	MBUF_FLUSH();
}

/* ---- drain hooks -------------------------------------------------------- */

struct drain_hook {
	void	(*fn)(void *);
	void	*arg;
};
static pthread_mutex_t drain_lock = PTHREAD_MUTEX_INITIALIZER;
static struct drain_hook *drains;
static int ndrains;

int
mbuf_register_drain(void (*fn)(void *), void *arg)
{
	struct drain_hook *nd;

	if (fn == NULL) {
		mbuf__violation("mbuf_register_drain", "NULL drain function");
		return EINVAL;
	}
	pthread_mutex_lock(&drain_lock);
	nd = realloc(drains, (size_t)(ndrains + 1) * sizeof(*nd));
	if (nd == NULL) {
		pthread_mutex_unlock(&drain_lock);
		return ENOMEM;
	}
	drains = nd;
	drains[ndrains].fn = fn;
	drains[ndrains].arg = arg;
	ndrains++;
	pthread_mutex_unlock(&drain_lock);
	return 0;
}

int
mbuf_unregister_drain(void (*fn)(void *), void *arg)
{
	int i, found = ENOENT;

	pthread_mutex_lock(&drain_lock);
	for (i = 0; i < ndrains; i++) {
		if (drains[i].fn == fn && drains[i].arg == arg) {
			memmove(&drains[i], &drains[i + 1],
			    (size_t)(ndrains - i - 1) * sizeof(*drains));
			ndrains--;
			found = 0;
			break;
		}
	}
	pthread_mutex_unlock(&drain_lock);
	return found;
}

/*
 * Slots cached by exited threads go back to the depots, where every
 * allocation path (Go's included) finds them: at the cluster limit they
 * must not stay out of reach.
 */
static void
give_orphans(void)
{
	void *batch[MBUF_BATCH];
	int kind, n;

	for (kind = KIND_MBUF; kind <= KIND_CLUSTER; kind++)
		while ((n = take_orphans(kind, batch, MBUF_BATCH)) > 0)
			mbufgo_give(kind, (uintptr_t)batch, n);
}

/*
 * The pool drain hook.  The core runs it (core/reclaim.go): the C side
 * below, then the Go hooks, never re-entered on one thread, so that a
 * hook that allocates at the limit gets a clean failure instead of
 * recursing.
 */
void
m_reclaim(void *arg, int flags)
{
	(void)arg;
	(void)flags;
	mbufgo_reclaim();
	MBUF_FLUSH();
}

/*
 * The C side of m_reclaim: orphaned caches back to the depots, then every
 * registered C hook.  Hooks run without the lock held, so they may free
 * mbufs or register hooks.
 */
void
mbuf__drain_hooks(void)
{
	struct drain_hook *copy = NULL;
	int i, n;

	give_orphans();
	pthread_mutex_lock(&drain_lock);
	n = ndrains;
	if (n > 0 && (copy = malloc((size_t)n * sizeof(*copy))) != NULL)
		memcpy(copy, drains, (size_t)n * sizeof(*copy));
	pthread_mutex_unlock(&drain_lock);
	for (i = 0; copy != NULL && i < n; i++)
		copy[i].fn(copy[i].arg);
	free(copy);
}

/* ---- statistics --------------------------------------------------------- */

void
mbuf_stats_sync(void)
{
	struct mbuf_thread *t;
	int64_t sum[256];
	int i;

	mbuf__init();
	mbufgo_type_counts((uintptr_t)sum);	/* the Go side's, kept per P */
	pthread_mutex_lock(&registry_lock);
	for (i = 0; i < 256; i++)
		sum[i] += orphan_mtypes[i];
	for (t = registry; t != NULL; t = t->next)
		for (i = 0; i < 256; i++)
			sum[i] += __atomic_load_n(&t->mtypes[i],
			    __ATOMIC_RELAXED);
	for (i = 0; i < 256; i++)
		mbstat.m_mtypes[i] = (unsigned short)sum[i];
	pthread_mutex_unlock(&registry_lock);
}
