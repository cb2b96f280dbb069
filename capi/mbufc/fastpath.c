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
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "internal.h"
#include "fastpath.h"
#include "_cgo_export.h"

struct mbuf_shared *mbuf__sh;
struct mbuf_arena mbuf__arena;
__thread struct mbuf_thread *mbuf__self __attribute__((tls_model("initial-exec")));
/*
 * The public face of mbuf__self for the inline MGET/MFREE of programs
 * (include/mbuf_inline.h): the same state while the fast path is on, NULL
 * (so the macros call the library) in debug or trace mode, while the fast
 * paths are off, and in a child of fork().  Set only under registry_lock
 * (publish()), by the owner or by mbuf_set_fastpath for every thread.
 */
__thread struct mbuf_tcache *mbuf__tcache_v1
    __attribute__((tls_model("initial-exec")));

#define	KIND_MBUF	0
#define	KIND_CLUSTER	1
#define	MAG_SLOTS(kind)	((kind) == KIND_MBUF ? MBUF_MB_SLOTS : MBUF_CL_SLOTS)
#define	MAG_BATCH(kind)	((kind) == KIND_MBUF ? MBUF_MB_BATCH : MBUF_CL_BATCH)

/* ---- initialisation and the thread registry ------------------------- */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static pthread_key_t thread_key;
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mbuf_thread *registry;
int mbuf__forked;
/* MBUF_PAIR_CACHE=0 in the environment at load: no pair magazines (for
 * comparing the two, as MBUF_FASTPATH=0 compares the fast paths) */
static int pairs_off;

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

/*
 * Set on a thread once its state has been torn down (thread_exit): a
 * library call made by a later TLS destructor sets up a new state, which
 * must not point at this thread's TLS, which may be reused by another
 * thread after the last destructor round.
 */
static __thread int thread_exiting __attribute__((tls_model("initial-exec")));

/* the pairs a value of mbuf_thread.npr counts (off or closed: none) */
static inline int
pair_count(int npr)
{
	int n = npr & ~MBUF_MAG_STOP;

	return n <= MBUF_PR_SLOTS ? n : 0;
}

/* pairs p[0..n) as slots of the two kinds: mbufs to mb[], clusters to cl[] */
static void
unzip_pairs(const struct mbuf_pair *p, int n, void **mb, void **cl)
{
	int i;

	for (i = 0; i < n; i++) {
		mb[i] = p[i].m;
		cl[i] = p[i].c;
	}
}

/* t's mbuf__tcache_v1, as the switch says now (registry_lock held) */
static void
publish(struct mbuf_thread *t)
{
	if (t->published == NULL)
		return;		/* set up during thread exit: never published */
	__atomic_store_n(t->published,
	    __atomic_load_n(&mbuf__arena.fast, __ATOMIC_ACQUIRE) ? &t->tc : NULL,
	    __ATOMIC_RELEASE);
}

/*
 * The fast path's switch moved (mbuf_set_fastpath): every thread's inline
 * macros follow it.  An inline call that read the pointer just before
 * finishes on the cache, as a library call that read the switch does.
 */
void
mbuf__publish_all(void)
{
	struct mbuf_thread *t;

	if (mbuf__forked)
		return;		/* the child's pointer stays NULL */
	pthread_mutex_lock(&registry_lock);
	for (t = registry; t != NULL; t = t->next)
		publish(t);
	pthread_mutex_unlock(&registry_lock);
}

/* raise *span to v; spans only grow, so an older copy never shrinks one */
static void
span_raise(uintptr_t *span, uintptr_t v)
{
	uintptr_t cur = __atomic_load_n(span, __ATOMIC_RELAXED);

	while (v > cur && !__atomic_compare_exchange_n(span, &cur, v, 0,
	    __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
}

/*
 * Copy the arenas' extent out of the shared block: at initialisation, and
 * each time the core maps another chunk into them (core.Hooks.ArenaGrown).
 * The bases never move; until a span covers a slot, its pointers simply
 * take the slow path.
 */
void
mbuf__arena_sync(void)
{
	struct mbuf_shared *sh = __atomic_load_n(&mbuf__sh, __ATOMIC_ACQUIRE);

	if (sh == NULL)
		return;		/* not initialised yet: init_once_fn copies */
	span_raise(&mbuf__arena.a.mb_span,
	    __atomic_load_n(&sh->mb_end, __ATOMIC_ACQUIRE) - sh->mb_base);
	span_raise(&mbuf__arena.a.cl_span,
	    __atomic_load_n(&sh->cl_end, __ATOMIC_ACQUIRE) - sh->cl_base);
}

static void
init_once_fn(void)
{
	__atomic_store_n(&mbuf__sh, (struct mbuf_shared *)mbufgo_shared(),
	    __ATOMIC_RELEASE);
	mbuf__arena.a.mb_state = mbuf__sh->mb_state;
	mbuf__arena.a.cl_state = mbuf__sh->cl_state;
	mbuf__arena.a.cl_base = mbuf__sh->cl_base;
	mbuf__arena_sync();
	/* the base last: until it is set, no pointer is live */
	__atomic_store_n(&mbuf__arena.a.mb_base, mbuf__sh->mb_base,
	    __ATOMIC_RELEASE);
	__atomic_store_n(&mbuf__arena.fast, (mbuf__sh->flags &
	    (MBUF_SHARED_SLOWPATH | MBUF_SHARED_FASTPATH_OFF)) == 0,
	    __ATOMIC_RELEASE);
	pthread_key_create(&thread_key, thread_exit);
	mbuf__owners_init();
}

/* read at load: a thread's pair magazine is set up with its state */
__attribute__((constructor)) static void
read_pair_switch(void)
{
	const char *v = getenv("MBUF_PAIR_CACHE");

	pairs_off = v != NULL && strcmp(v, "0") == 0;
}

void
mbuf__init(void)
{
	/* in a child of fork() the core cannot be reached: callers refuse */
	if (!mbuf__forked)
		pthread_once(&init_once, init_once_fn);
}

void
mbinit(void)
{
	if (MBUF_ENTER("mbinit")) {
		mbuf__init();
		MBUF_FLUSH();
	}
}

/*
 * fork() copies only the calling thread: in the child, the Go runtime's
 * other threads are gone (a call into Go may wait for them forever) and
 * any lock another thread held stays held.  The child handler marks the
 * process, and the forking thread's caches, so that every call that
 * needs them refuses and reports (MBUF_ENTER, mbuf__mag_enter); calls that
 * only read or edit mbufs in place go on working on the child's copy.
 * Registered at load time: a child forked before any call knows it too.
 */
static void
forked_child(void)
{
	struct mbuf_thread *t = mbuf__self;

	mbuf__forked = 1;
	mbuf__tcache_v1 = NULL;	/* the inline macros call, and refuse */
	if (t != NULL) {	/* the only thread left: plain stores */
		t->tc.stop = MBUF_STOP_FORKED;
		t->tc.nmb |= MBUF_MAG_STOP;
		t->tc.ncl |= MBUF_MAG_STOP;
		t->npr |= MBUF_MAG_STOP;
	}
}

__attribute__((constructor)) static void
watch_fork(void)
{
	pthread_atfork(NULL, NULL, forked_child);
}

/*
 * Is this thread on its alternate signal stack, in a handler installed
 * with SA_ONSTACK?  Asked of the kernel, for a thread whose stack the
 * library has not learnt yet (mbuf__on_sigstack is the per-call check).
 * sigaltstack() is a bare system call: safe in a handler.  *cur gets the
 * thread's signal stack.
 */
static int
on_sigstack_now(stack_t *cur)
{
	stack_t ss;

	if (cur == NULL)
		cur = &ss;
	if (sigaltstack(NULL, cur) != 0) {
		cur->ss_flags = SS_DISABLE;
		return 0;
	}
	return (cur->ss_flags & SS_ONSTACK) != 0;
}

/*
 * The Go runtime runs its signal handlers on the thread's alternate signal
 * stack and keeps using the one a thread had when it first ran Go code.
 * If that stack's owner takes it back (Python's faulthandler, in
 * Py_Finalize, puts back the stack it found and frees its own; atexit
 * handlers and finalizers run after that), the next signal that reaches Go code on the thread kills the
 * process: "signal 23 received on thread with no signal stack" (SIGURG is
 * the runtime's preemption signal).  So a thread that has a borrowed stack
 * at its first call gets one of the library's own first, before any Go
 * code runs on it, and keeps it until it exits: an owner that puts its
 * old stack back only if its own is still in place (as faulthandler does)
 * leaves ours alone.  A thread with none gets the runtime's own.
 */
#define	OWN_SIGSTACK_SIZE	(64 << 10)
static __thread void *own_sigstack __attribute__((tls_model("initial-exec")));

static void
own_sigstack_install(const stack_t *cur)
{
	stack_t ss;
	void *p;

	if ((cur->ss_flags & SS_DISABLE) != 0 || own_sigstack != NULL)
		return;
	p = mmap(NULL, OWN_SIGSTACK_SIZE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;		/* the borrowed one goes on serving */
	memset(&ss, 0, sizeof(ss));
	ss.ss_sp = p;
	ss.ss_size = OWN_SIGSTACK_SIZE;
	if (sigaltstack(&ss, NULL) != 0) {
		munmap(p, OWN_SIGSTACK_SIZE);
		return;
	}
	own_sigstack = p;
}

/* at thread exit: no Go code runs on the thread any more */
static void
own_sigstack_release(void)
{
	stack_t cur, off;

	if (own_sigstack == NULL)
		return;
	if (sigaltstack(NULL, &cur) == 0 && cur.ss_sp == own_sigstack &&
	    (cur.ss_flags & SS_DISABLE) == 0) {
		memset(&off, 0, sizeof(off));
		off.ss_flags = SS_DISABLE;
		(void)sigaltstack(&off, NULL);
	}
	munmap(own_sigstack, OWN_SIGSTACK_SIZE);
	own_sigstack = NULL;
}

/*
 * A thread's first call: its state.  NULL when there is no memory for
 * it, and in a signal handler, where setting up would call malloc (and,
 * on the process's first call, the Go runtime): enter_slow reports that.
 * Signals are blocked while the state is built and registered, so that a
 * handler cannot start a second set-up inside the first (malloc, and
 * registry_lock, inside themselves).
 */
struct mbuf_thread *
mbuf__thread_slow(void)
{
	struct mbuf_thread *t;
	sigset_t all, old;
	stack_t cur;

	if (mbuf__forked)
		return NULL;	/* registry_lock may belong to a thread gone */
	if (on_sigstack_now(&cur))
		return NULL;
	own_sigstack_install(&cur);	/* before any Go code: mbuf__init */
	mbuf__init();
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	if (posix_memalign((void **)&t, 64, sizeof(*t)) != 0) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return NULL;
	}
	memset(t, 0, sizeof(*t));
	t->tc.idle = 1;
	t->tc.arena = &mbuf__arena.a;
	t->npr = pairs_off ? MBUF_PR_OFF : 0;
	t->published = thread_exiting ? NULL : &mbuf__tcache_v1;
	t->tid = (int)syscall(SYS_gettid);
	pthread_mutex_lock(&registry_lock);
	t->next = registry;
	if (registry != NULL)
		registry->prev = t;
	registry = t;
	publish(t);
	pthread_mutex_unlock(&registry_lock);
	pthread_setspecific(thread_key, t);
	mbuf__self = t;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return t;
}

/*
 * Learn the thread's alternate signal stack (see mbuf__on_sigstack): on
 * its first call, and after the first call into Go returns (the runtime
 * installs one then if the thread had none).
 */
void
mbuf__probe_sigstack(struct mbuf_thread *t)
{
	stack_t ss;

	t->sig_probes++;
	if (sigaltstack(NULL, &ss) == 0 && (ss.ss_flags & SS_DISABLE) == 0) {
		t->sig_lo = (uintptr_t)ss.ss_sp;
		t->sig_hi = (uintptr_t)ss.ss_sp + ss.ss_size;
		t->sig_probes = 2;
	}
}

static MBUF_COLD int
enter_slow(const char *fn)
{
	struct mbuf_thread *t;

	if (mbuf__forked) {
		mbuf__violation(fn, "called in a child of fork(); libmbuf "
		    "cannot be used after fork() without exec");
		return 0;
	}
	t = mbuf__thread();
	if (t == NULL && on_sigstack_now(NULL)) {
		mbuf__violation(fn, "called from a signal handler as this "
		    "thread's first libmbuf call: setting the thread up needs "
		    "malloc and the Go runtime, which a handler cannot use "
		    "(make a first call outside any handler)");
		return 0;
	}
	if (t == NULL)
		return 1;	/* no memory for this thread's state: no mark */
	if (t->tc.idle != 1) {
		mbuf__violation(fn, "called from a signal handler that "
		    "interrupted %s on the same thread (libmbuf calls are not "
		    "async-signal-safe)", t->call != NULL ? t->call :
		    "an allocation or free");
		return 0;
	}
	if (t->sig_probes < 2)
		mbuf__probe_sigstack(t);
	if (mbuf__on_sigstack(t)) {
		mbuf__violation(fn, "called from a signal handler, and it "
		    "needs the Go runtime, which cannot be entered there (only "
		    "allocations and frees served by the thread's cache can)");
		return 0;
	}
	t->call = fn;
	__atomic_store_n(&t->tc.idle, 0, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	return 1;
}

/*
 * MBUF_ENTER and MBUF_FLUSH are out of line: they bracket a call into Go
 * (50-100 ns), where a call more costs nothing, and inlined they cost the
 * fast paths they sit beside registers and instructions (m_adj 76 -> 84,
 * m_prepend 94 -> 106 instructions under callgrind).
 */
int
mbuf__enter(const char *fn)
{
	struct mbuf_thread *t = mbuf__self;

	if (MBUF_LIKELY(t != NULL && t->tc.idle == 1 && t->sig_probes == 2 &&
	    !mbuf__forked && !mbuf__on_sigstack(t))) {
		t->call = fn;
		__atomic_store_n(&t->tc.idle, 0, __ATOMIC_RELAXED);
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		return 1;
	}
	return enter_slow(fn);
}

void
mbuf__flush(void)
{
	struct mbuf_thread *t = mbuf__self;

	if (MBUF_LIKELY(t != NULL)) {
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		t->call = NULL;
		__atomic_store_n(&t->tc.idle, 1, __ATOMIC_RELEASE);
		if (MBUF_UNLIKELY(t->sig_probes < 2))
			mbuf__probe_sigstack(t);
		if (MBUF_UNLIKELY(t->pending))
			mbuf__flush_pending_slow(t);
	}
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
	void *pm[MBUF_PR_SLOTS], *pc[MBUF_PR_SLOTS];
	int i, np;

	/* under the lock, as a stealer reads them (this thread is idle) */
	pthread_mutex_lock(&registry_lock);
	np = pair_count(t->npr);
	unzip_pairs(t->pr, np, pm, pc);
	stack_push(&orphans[KIND_MBUF], t->tc.mb, t->tc.nmb & ~MBUF_MAG_STOP);
	stack_push(&orphans[KIND_CLUSTER], t->tc.cl, t->tc.ncl & ~MBUF_MAG_STOP);
	stack_push(&orphans[KIND_MBUF], pm, np);
	stack_push(&orphans[KIND_CLUSTER], pc, np);
	for (i = 0; i < 256; i++)
		orphan_mtypes[i] += t->tc.mtypes[i];
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		registry = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	orphans_pending = 1;
	/* the owner's TLS (destructors run on the exiting thread) */
	if (t->published != NULL)
		__atomic_store_n(t->published, NULL, __ATOMIC_RELAXED);
	thread_exiting = 1;
	pthread_mutex_unlock(&registry_lock);
	if (mbuf__self == t)
		mbuf__self = NULL;
	free(t);
	own_sigstack_release();
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

/* ---- magazines (the protocol is in include/mbuf_inline.h) ------------- */

/* in fastpath.h, for hotpath.c too */
#define	mag_usable	mbuf__mag_usable
#define	cache_only	mbuf__cache_only

/* the count of a magazine, read inside a section (a stealer may set STOP) */
static inline int
mag_count(const int *np)
{
	return *np & ~MBUF_MAG_STOP;
}

/*
 * Open a section on t's magazines for a slow path, with no count
 * stopped: a steal under way is waited out (the stealer holds
 * registry_lock until it clears the bits).  Returns 0, with nothing open,
 * if the caches may not be used now (nested call, fork()).
 */
static int
mag_enter_wait_slow(struct mbuf_thread *t)
{
	for (;;) {
		if (!mbuf__mag_enter(&t->tc))
			return 0;
		if (((t->tc.nmb | t->tc.ncl | t->npr) & MBUF_MAG_STOP) == 0)
			return 1;
		mbuf__mag_leave(&t->tc);
		if (t->tc.stop == MBUF_STOP_FORKED)
			return 0;
		pthread_mutex_lock(&registry_lock);
		pthread_mutex_unlock(&registry_lock);
	}
}

MBUF_INLINE int
mag_enter_wait(struct mbuf_thread *t)
{
	if (MBUF_LIKELY(mbuf__mag_enter(&t->tc))) {
		if (MBUF_LIKELY(((t->tc.nmb | t->tc.ncl | t->npr) &
		    MBUF_MAG_STOP) == 0))
			return 1;
		mbuf__mag_leave(&t->tc);
	}
	return mag_enter_wait_slow(t);
}

/* push slots into a magazine of t (in a section); the excess goes back */
static void
mag_append(struct mbuf_thread *t, int kind, void **v, int n)
{
	void **mag = kind == KIND_MBUF ? t->tc.mb : t->tc.cl;
	int *np = kind == KIND_MBUF ? &t->tc.nmb : &t->tc.ncl;
	int have = mag_count(np), k = MAG_SLOTS(kind) - have;

	if (k > n)
		k = n;
	memcpy(mag + have, v, (size_t)k * sizeof(void *));
	*np = have + k;
	if (k < n)
		mbufgo_give(kind, (uintptr_t)(v + k), n - k);
}

/*
 * Top one of t's magazines up by a batch for the call fn; returns how
 * many slots were added (0: none to be had).  The batch is fetched
 * outside any section, since the core may run drain hooks that free into
 * this very cache, and appended afterwards.
 */
static MBUF_BATCH_PATH int
refill(struct mbuf_thread *t, int kind, int how, const char *fn)
{
	void *batch[MBUF_MAX_BATCH];
	int n = 0;

	if (mbuf__on_sigstack(t) || !MBUF_ENTER(fn))
		return 0;	/* no locks, no Go in a signal handler */
	if (orphans_pending)
		n = take_orphans(kind, batch, MAG_BATCH(kind));
	if (n == 0)
		n = mbufgo_take(kind, how, (uintptr_t)batch, MAG_BATCH(kind));
	MBUF_FLUSH();
	if (n == 0)
		return 0;
	if (mag_enter_wait(t)) {
		mag_append(t, kind, batch, n);
		mbuf__mag_leave(&t->tc);
	} else
		mbufgo_give(kind, (uintptr_t)batch, n);
	return n;
}

/* the magazine is full (in a section): give its older half to the depot */
static void
drain_half(struct mbuf_thread *t, int kind)
{
	void **mag = kind == KIND_MBUF ? t->tc.mb : t->tc.cl;
	int *np = kind == KIND_MBUF ? &t->tc.nmb : &t->tc.ncl;
	int have = mag_count(np);

	mbufgo_give(kind, (uintptr_t)mag, MAG_BATCH(kind));
	memmove(mag, mag + MAG_BATCH(kind),
	    (size_t)(have - MAG_BATCH(kind)) * sizeof(void *));
	*np = have - MAG_BATCH(kind);
}

/*
 * Out of mbufs or clusters (in a section): split t's pairs into the other
 * two magazines, as many as both have room for, so that a thread whose
 * clusters sit in pairs (MCLGET after m_freem of clusters, or a signal
 * handler's allocations) uses them before it asks the core for more, and
 * finds them at the cluster limit.
 */
static void
split_pairs(struct mbuf_thread *t)
{
	int np = pair_count(t->npr), nm = mag_count(&t->tc.nmb),
	    nc = mag_count(&t->tc.ncl), k = np;

	if (k > MBUF_MB_SLOTS - nm)
		k = MBUF_MB_SLOTS - nm;
	if (k > MBUF_CL_SLOTS - nc)
		k = MBUF_CL_SLOTS - nc;
	if (k <= 0)
		return;
	unzip_pairs(t->pr + np - k, k, t->tc.mb + nm, t->tc.cl + nc);
	t->npr = np - k;
	t->tc.nmb = nm + k;
	t->tc.ncl = nc + k;
}

MBUF_BATCH_PATH struct mbuf *
mbuf__alloc_mbuf_slow(struct mbuf_thread *t, int how, int type,
    const char *fn)
{
	int n;

	for (;;) {
		if (!mag_enter_wait(t))
			return NULL;
		if (mag_count(&t->tc.nmb) == 0)
			split_pairs(t);
		if ((n = mag_count(&t->tc.nmb)) > 0)
			return mbuf__pop_mbuf(t, n, type);
		mbuf__mag_leave(&t->tc);
		if (refill(t, KIND_MBUF, how, fn) == 0)
			return NULL;
	}
}

/* the end of a section that pops slot n - 1 of t's cluster magazine */
MBUF_INLINE char *
pop_cluster(struct mbuf_thread *t, int n)
{
	char *c = t->tc.cl[n - 1];

	t->tc.ncl = n - 1;
	mbuf__mag_leave(&t->tc);
	return c;
}

/*
 * A cluster from t's cache for the call fn (refilled if empty), after
 * the pairs if the cluster magazine is empty; for MCLGET (close), the
 * pair magazine is closed then (see clget_slow).
 */
static MBUF_BATCH_PATH char *
alloc_cluster_slow(struct mbuf_thread *t, int how, const char *fn,
    int close)
{
	int n;

	for (;;) {
		if (!mag_enter_wait(t))
			return NULL;
		if (mag_count(&t->tc.ncl) == 0) {
			split_pairs(t);
			if (close && pair_count(t->npr) == 0 &&
			    mag_count(&t->npr) != MBUF_PR_OFF)
				t->npr = MBUF_PR_CLOSED;
		}
		if ((n = mag_count(&t->tc.ncl)) > 0)
			return pop_cluster(t, n);
		mbuf__mag_leave(&t->tc);
		if (refill(t, KIND_CLUSTER, how, fn) == 0)
			return NULL;
	}
}

/* a free cluster from t's cache (refilled if empty); NULL as for mbufs */
MBUF_INLINE char *
alloc_cluster(struct mbuf_thread *t, int how, const char *fn)
{
	int n;

	if (MBUF_LIKELY(mbuf__mag_enter(&t->tc))) {
		n = t->tc.ncl;
		if (MBUF_LIKELY(MBUF_CAN_POP(n, MBUF_CL_SLOTS)))
			return pop_cluster(t, n);
		mbuf__mag_leave(&t->tc);
	}
	return alloc_cluster_slow(t, how, fn, 0);
}

/* ---- allocation ---------------------------------------------------------- */

/* the core's allocation, for everything the caches do not do */
static MBUF_COLD struct mbuf *
get_go(int how, int type, int hdr, const char *fn)
{
	struct mbuf *m;

	if (!MBUF_ENTER(fn))
		return NULL;
	m = (struct mbuf *)mbufgo_get(how, type, hdr);
	MBUF_FLUSH();
	return m;
}

/* get() when the cache cannot serve it on the spot */
static MBUF_BATCH_PATH struct mbuf *
get_slow(int how, int type, int hdr, const char *fn)
{
	struct mbuf_thread *t = mbuf__thread();
	struct mbuf *m;

	if (t == NULL || !mbuf__valid_args(how, type) || !mbuf__fast_ok() ||
	    !mag_usable(t))
		return get_go(how, type, hdr, fn);
	m = mbuf__alloc_mbuf_slow(t, how, type, fn);
	if (m == NULL)		/* no memory, or the Go path reports why not */
		return cache_only(t) ? get_go(how, type, hdr, fn) : NULL;
	if (hdr)
		mbuf__init_pkthdr(m);
	return m;
}

/*
 * MGET / MGETHDR: the top of this thread's mbuf magazine, by the same
 * function the inline MGET of programs runs (include/mbuf_inline.h).
 */
MBUF_INLINE struct mbuf *
get(int how, int type, int hdr, const char *fn)
{
	struct mbuf_thread *t = mbuf__self;
	struct mbuf *m;

	if (MBUF_UNLIKELY(t == NULL || !mbuf__valid_args(how, type) ||
	    !mbuf__fast_ok() ||
	    (m = mbuf__tc_get(&t->tc, &mbuf__arena.a, type)) == NULL))
		return get_slow(how, type, hdr, fn);
	if (hdr)
		mbuf__init_pkthdr(m);
	return m;
}

MBUF_ENTRY struct mbuf *
m_get(int how, int type)
{
	return get(how, type, 0, "m_get");
}

MBUF_ENTRY struct mbuf *
m_gethdr(int how, int type)
{
	return get(how, type, 1, "m_gethdr");
}

struct mbuf *
m_getclr(int how, int type)
{
	struct mbuf *m = get(how, type, 0, "m_getclr");

	if (m != NULL)
		memset(m->m_dat, 0, MLEN);
	return m;
}

/* make the free cluster buf m's storage, as MCLGET does */
MBUF_INLINE void
attach_cluster(struct mbuf *m, char *buf)
{
	*mbuf__cl_state(buf) = MBUF_STATE_LIVE;
	mbuf__set_cluster(m, buf);
}

static MBUF_COLD void
clget_go(struct mbuf *m, int how)
{
	if (!MBUF_ENTER("m_clget"))
		return;
	mbufgo_clget((uintptr_t)m, how);
	MBUF_FLUSH();
}

/*
 * m_clget when the cache cannot serve it on the spot.  MCLGET (inline in
 * programs too) takes clusters from the cluster magazine only, and
 * m_freem of what it made would pair them up: the cluster magazine would
 * run dry every 32 calls, each time a call into the library to split the
 * pairs.  So when it is dry, the pairs are split and the pair magazine
 * closed (frees then go to the other two, as without pairs) until
 * m_getcl, the one user of pairs, finds it closed and opens it again.
 */
static MBUF_COLD void
clget_slow(struct mbuf *m, int how)
{
	struct mbuf_thread *t = mbuf__self;
	char *c;

	if (t == NULL || !mbuf__fast_ok() ||
	    !mbuf__how_ok(how) || !mbuf__mb_is_live(m) ||
	    (m->m_flags & M_EXT) != 0) {
		clget_go(m, how);
		return;
	}
	c = alloc_cluster_slow(t, how, "m_clget", 1);
	if (c != NULL)
		attach_cluster(m, c);
	else if (cache_only(t))
		clget_go(m, how);	/* reports */
}

/*
 * The common case alone, so that it needs no stack frame; everything
 * else (checks included) is clget_slow's.
 */
MBUF_ENTRY void
m_clget(struct mbuf *m, int how)
{
	struct mbuf_thread *t = mbuf__self;

	/* the inline MCLGET's common case (include/mbuf_inline.h) */
	if (MBUF_LIKELY(t != NULL && mbuf__fast_ok() &&
	    mbuf__how_ok(how) && mbuf__mb_is_live(m) &&
	    mbuf__tc_clget(&t->tc, &mbuf__arena.a, m)))
		return;
	clget_slow(m, how);
}

static MBUF_COLD struct mbuf *
getcl_go(int how, int type, int flags)
{
	struct mbuf *m;

	if (!MBUF_ENTER("m_getcl"))
		return NULL;
	m = (struct mbuf *)mbufgo_getcl(how, type, flags);
	MBUF_FLUSH();
	return m;
}

static MBUF_BATCH_PATH struct mbuf *
getcl_slow(int how, int type, int flags)
{
	struct mbuf_thread *t = mbuf__thread();
	struct mbuf *m;
	char *c;

	if (t == NULL || !mbuf__valid_args(how, type) || !mbuf__fast_ok() ||
	    !mag_usable(t))
		return getcl_go(how, type, flags);
	/* on failure: no memory, or the Go path reports why not */
	if ((m = mbuf__alloc_mbuf(t, how, type, "m_getcl")) == NULL)
		return cache_only(t) ? getcl_go(how, type, flags) : NULL;
	if (flags & M_PKTHDR)
		mbuf__init_pkthdr(m);
	if ((c = alloc_cluster(t, how, "m_getcl")) == NULL) {
		m_free(m);
		return cache_only(t) ? getcl_go(how, type, flags) : NULL;
	}
	attach_cluster(m, c);
	return m;
}

/*
 * m_getcl: a pair from t's pair magazine, else an mbuf and a cluster from
 * the other two; every field is set again, as for slots never paired.
 */
MBUF_ENTRY struct mbuf *
m_getcl(int how, int type, int flags)
{
	struct mbuf_thread *t = mbuf__self;
	struct mbuf *m;
	uint8_t *ms, *cs;
	char *c;
	int n, nc;

	if (MBUF_LIKELY(t != NULL && mbuf__valid_args(how, type) &&
	    mbuf__fast_ok() && mbuf__mag_enter(&t->tc))) {
		n = t->npr;
		if (MBUF_LIKELY(MBUF_CAN_POP(n, MBUF_PR_SLOTS))) {
			m = t->pr[n - 1].m;
			c = t->pr[n - 1].c;
			t->npr = n - 1;
		} else {
			if (MBUF_UNLIKELY(n == MBUF_PR_CLOSED))
				t->npr = 0;	/* m_getcl is back: reopen */
			n = t->tc.nmb;
			nc = t->tc.ncl;
			if (MBUF_UNLIKELY(!MBUF_CAN_POP(n, MBUF_MB_SLOTS) ||
			    !MBUF_CAN_POP(nc, MBUF_CL_SLOTS))) {
				mbuf__mag_leave(&t->tc);
				return getcl_slow(how, type, flags);
			}
			m = t->tc.mb[n - 1];
			t->tc.nmb = n - 1;
			c = t->tc.cl[nc - 1];
			t->tc.ncl = nc - 1;
		}
		mbuf__count(t, type, 1);
		mbuf__mag_leave(&t->tc);
		/* both state bytes first: see free_own_cluster */
		ms = mbuf__mb_state(m);
		cs = mbuf__cl_state(c);
		*ms = MBUF_STATE_LIVE;
		*cs = MBUF_STATE_LIVE;
		mbuf__init_mbuf(m, type);
		if (flags & M_PKTHDR)
			mbuf__init_pkthdr(m);
		mbuf__set_cluster(m, c);
		return m;
	}
	return getcl_slow(how, type, flags);
}

/* n allocations through the fast path; stops at the first failure */
static int
get_bulk(int how, int type, int hdr, struct mbuf **out, int n,
    const char *fn)
{
	int i;

	for (i = 0; i < n; i++)
		if ((out[i] = get(how, type, hdr, fn)) == NULL)
			break;
	return i;
}

int
m_get_bulk(int how, int type, struct mbuf **out, int n)
{
	return get_bulk(how, type, 0, out, n, "m_get_bulk");
}

int
m_gethdr_bulk(int how, int type, struct mbuf **out, int n)
{
	return get_bulk(how, type, 1, out, n, "m_gethdr_bulk");
}

int
m_mballoc(int nmb, int how)
{
	(void)nmb;
	(void)how;
	return 1;
}

/* ---- freeing (all of it inside a section) --------------------------------- */

/*
 * Make room in t's magazines for nmb mbuf and ncl cluster slots (in a
 * section), giving the older half of a full one back to the core; 0 if
 * that cannot be done now (in a signal handler: no Go there).
 */
static MBUF_BATCH_PATH int
make_room(struct mbuf_thread *t, int nmb, int ncl)
{
	if (mbuf__on_sigstack(t))
		return 0;
	if (mag_count(&t->tc.nmb) + nmb > MBUF_MB_SLOTS)
		drain_half(t, KIND_MBUF);
	if (mag_count(&t->tc.ncl) + ncl > MBUF_CL_SLOTS)
		drain_half(t, KIND_CLUSTER);
	return 1;
}

/* push a slot (free_fast checked the room) */
MBUF_INLINE void
put_mbuf(struct mbuf_thread *t, struct mbuf *m)
{
	int n = mag_count(&t->tc.nmb);

	*mbuf__mb_state(m) = MBUF_STATE_FREE;
	t->tc.mb[n] = m;
	t->tc.nmb = n + 1;
}

MBUF_INLINE void
put_cluster(struct mbuf_thread *t, char *buf)
{
	int n = mag_count(&t->tc.ncl);

	*mbuf__cl_state(buf) = MBUF_STATE_FREE;
	t->tc.cl[n] = buf;
	t->tc.ncl = n + 1;
}

/*
 * Drop m's reference to a cluster, by the 2007 holder/sharer rule.  The
 * holder marks itself a zombie before its decrement, so whoever drops the
 * last reference finds it a zombie and may free it.  Returns 0 (nothing
 * done) if the storage is not a plain cluster or looks damaged.
 */
MBUF_INLINE int
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
 * Free the holder m (its state byte ms) of a cluster nobody shares (the
 * common free of a packet buffer): the storage checks of cluster_unref
 * less those the holder needs not (its own slot and state are checked),
 * no atomic write, the two slots pushed as a pair for the next m_getcl, or each to its
 * own magazine if the pair magazine is full or closed (see clget_slow).
 * 0 (nothing done) in every other case.  All loads come before the first
 * state byte store: a char store may alias anything, and the compiler
 * would load the arena and counts again.
 */
MBUF_INLINE int
free_own_cluster(struct mbuf_thread *t, struct mbuf *m, int flags,
    uint8_t *ms)
{
	char *buf = m->m_ext_storage.ext_buf;
	int np = t->npr, nm, nc;
	/* the address first: the check below computes it again, and the
	   compiler keeps one (it is only read once buf is a cluster slot) */
	uint8_t *cs = mbuf__cl_state(buf);

	if (MBUF_UNLIKELY((flags & M_EXT_CLUSTER) == 0 ||
	    !mbuf__cl_is_live(buf) ||
	    __atomic_load_n(&m->m_ext_storage.ext_refcnt,
	    __ATOMIC_ACQUIRE) != 1))
		return 0;
	if (MBUF_LIKELY(MBUF_CAN_PUSH(np, 1, MBUF_PR_SLOTS))) {
		mbuf__count(t, m->m_type, -1);
		*cs = MBUF_STATE_FREE;
		*ms = MBUF_STATE_FREE;
		t->pr[np].m = m;
		t->pr[np].c = buf;
		t->npr = np + 1;
		return 1;
	}
	nm = t->tc.nmb;
	nc = t->tc.ncl;
	if (MBUF_UNLIKELY(!MBUF_CAN_PUSH(nm, 1, MBUF_MB_SLOTS) ||
	    !MBUF_CAN_PUSH(nc, 1, MBUF_CL_SLOTS)))
		return 0;
	mbuf__count(t, m->m_type, -1);
	*cs = MBUF_STATE_FREE;
	*ms = MBUF_STATE_FREE;
	t->tc.cl[nc] = buf;
	t->tc.ncl = nc + 1;
	t->tc.mb[nm] = m;
	t->tc.nmb = nm + 1;
	return 1;
}

/*
 * Free m on the fast path if it is the common case: a live mbuf without
 * tags whose storage, if any, is a cluster (shared or not), with room in
 * the magazines.  Returns 0 (nothing done) when the slow path must make
 * room (free_room) or the core must handle it.
 */
MBUF_INLINE int
free_fast(struct mbuf_thread *t, struct mbuf *m)
{
	int flags;

	if (MBUF_UNLIKELY(!mbuf__tc_free_ok(&mbuf__arena.a, m)))
		return 0;
	flags = m->m_flags;
	if (flags & M_EXT) {
		short type = m->m_type;
		int nmb = m->m_ext_ref == m ? 1 : 2;	/* a sharer: its holder too */

		/* (the compiler keeps the address mbuf__tc_free_ok computed) */
		if (MBUF_LIKELY(nmb == 1 &&
		    free_own_cluster(t, m, flags, mbuf__mb_state(m))))
			return 1;

		if (MBUF_UNLIKELY(!MBUF_CAN_PUSH(t->tc.nmb, nmb, MBUF_MB_SLOTS) ||
		    !MBUF_CAN_PUSH(t->tc.ncl, 1, MBUF_CL_SLOTS)))
			return 0;	/* full or stopped: the slow path */
		if (!cluster_unref(t, m))
			return 0;
		mbuf__count(t, type, -1);
		return 1;
	}
	/* the inline MFREE's push (include/mbuf_inline.h) */
	return mbuf__tc_put_plain(&t->tc, &mbuf__arena.a, m);
}

/* free_fast, after making room in the magazines if that was the reason */
static MBUF_BATCH_PATH int
free_room(struct mbuf_thread *t, struct mbuf *m)
{
	if (!make_room(t, 2, 1))
		return 0;		/* in a signal handler: the core reports */
	return free_fast(t, m);
}

/*
 * The rest of m_free / m_freem when the fast path stopped at m: in a
 * section (waiting out a steal), with room made; what the caches cannot
 * do goes to the core, which also reports a nested call or fork().
 */
static MBUF_BATCH_PATH struct mbuf *
free_slow(struct mbuf *m, int chain, const char *fn)
{
	struct mbuf_thread *t = mbuf__self;
	struct mbuf *n = NULL;

	if (t != NULL && m != NULL && mbuf__fast_ok() && mag_enter_wait(t)) {
		do {
			n = m->m_next;
			if (!free_fast(t, m) && !free_room(t, m))
				break;
			m = chain ? n : NULL;
		} while (m != NULL);
		mbuf__mag_leave(&t->tc);
		if (m == NULL)		/* all done */
			return chain ? NULL : n;
	}
	if (!MBUF_ENTER(fn))
		return NULL;
	if (chain) {
		mbufgo_freem((uintptr_t)m);
		n = NULL;
	} else
		n = (struct mbuf *)mbufgo_free((uintptr_t)m);
	MBUF_FLUSH();
	return n;
}

MBUF_ENTRY struct mbuf *
m_free(struct mbuf *m)
{
	struct mbuf_thread *t = mbuf__self;
	struct mbuf *n;

	if (MBUF_LIKELY(t != NULL && m != NULL && mbuf__fast_ok() &&
	    mbuf__mag_enter(&t->tc))) {
		n = m->m_next;
		if (MBUF_LIKELY(free_fast(t, m))) {
			mbuf__mag_leave(&t->tc);
			return n;
		}
		mbuf__mag_leave(&t->tc);
	}
	return free_slow(m, 0, "m_free");
}

MBUF_ENTRY void
m_freem(struct mbuf *m)
{
	struct mbuf_thread *t = mbuf__self;
	struct mbuf *n;

	if (m == NULL)
		return;
	if (MBUF_LIKELY(t != NULL && mbuf__fast_ok() &&
	    mbuf__mag_enter(&t->tc))) {
		for (; m != NULL; m = n) {
			n = m->m_next;
			if (MBUF_UNLIKELY(!free_fast(t, m)))
				break;
		}
		mbuf__mag_leave(&t->tc);
		if (MBUF_LIKELY(m == NULL))
			return;
	}
	free_slow(m, 1, "m_freem");
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
	if (!MBUF_ENTER("m_ext_free"))
		return;
	mbufgo_ext_free((uintptr_t)m);
	MBUF_FLUSH();
}

/* pool_cache_put by the core: debug mode, no cache, or its report */
static MBUF_COLD void
pool_cache_put_go(void *object)
{
	if (!MBUF_ENTER("pool_cache_put"))
		return;
	mbufgo_pool_cache_put((uintptr_t)object);
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
	/* debug mode (the core quarantines it), or no cache to use now */
	if (t == NULL || !mbuf__fast_ok() || !mag_enter_wait(t)) {
		pool_cache_put_go(object);
		return;
	}
	if (!mbuf__mb_slot(object) ||
	    *mbuf__mb_state(object) != MBUF_STATE_FREEING) {
		/* not the mbuf an ext_free was handed: the core reports it */
		mbuf__mag_leave(&t->tc);
		pool_cache_put_go(object);
		return;
	}
	if (mag_count(&t->tc.nmb) == MBUF_MB_SLOTS && !make_room(t, 1, 0)) {
		mbuf__mag_leave(&t->tc);
		pool_cache_put_go(object);	/* refuses: reports */
		return;
	}
	put_mbuf(t, object);
	mbuf__mag_leave(&t->tc);
}

/* ---- storage helpers behind the macros ------------------------------------ */

void
mbuf_extmalloc(struct mbuf *m, size_t size, int how)
{
	void *buf;
	int ok;

	if (!MBUF_ENTER("MEXTMALLOC"))
		return;
	ok = mbufgo_check_storage_target((uintptr_t)m, "MEXTMALLOC");
	MBUF_FLUSH();
	if (!ok)
		return;
	(void)how;
	buf = malloc(size > 0 ? size : 1);
	if (buf == NULL)
		return;
	if (!MBUF_ENTER("MEXTMALLOC")) {
		free(buf);
		return;
	}
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
	if (!MBUF_ENTER("MEXTADD"))
		return;
	mbufgo_extadd((uintptr_t)m, (uintptr_t)buf, size, (uintptr_t)type,
	    (uintptr_t)free_fn, (uintptr_t)arg);
	MBUF_FLUSH();
}

/* an ext_free callback, called by the core: user code, which may call us */
void
mbuf__call_ext_free(uintptr_t fn, uintptr_t m, uintptr_t buf, uintptr_t size,
    uintptr_t arg)
{
	const char *busy = mbuf__callout_begin();

	((void (*)(struct mbuf *, void *, size_t, void *))fn)(
	    (struct mbuf *)m, (void *)buf, (size_t)size, (void *)arg);
	mbuf__callout_end(busy);
}

void
mbuf__free_malloc(uintptr_t buf)
{
	free((void *)buf);
}

void
mbuf_chtype(struct mbuf *m, int type)
{
	if (!MBUF_ENTER("MCHTYPE"))
		return;
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
	if (!MBUF_ENTER("mbuf_register_drain"))
		return EPERM;
	pthread_mutex_lock(&drain_lock);
	nd = realloc(drains, (size_t)(ndrains + 1) * sizeof(*nd));
	if (nd == NULL) {
		pthread_mutex_unlock(&drain_lock);
		MBUF_FLUSH();
		return ENOMEM;
	}
	drains = nd;
	drains[ndrains].fn = fn;
	drains[ndrains].arg = arg;
	ndrains++;
	pthread_mutex_unlock(&drain_lock);
	MBUF_FLUSH();
	return 0;
}

int
mbuf_unregister_drain(void (*fn)(void *), void *arg)
{
	int i, found = ENOENT;

	if (!MBUF_ENTER("mbuf_unregister_drain"))
		return EPERM;
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
	MBUF_FLUSH();
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
	void *batch[MBUF_MAX_BATCH];
	int kind, n;

	for (kind = KIND_MBUF; kind <= KIND_CLUSTER; kind++)
		while ((n = take_orphans(kind, batch, MBUF_MAX_BATCH)) > 0)
			mbufgo_give(kind, (uintptr_t)batch, n);
}

/* ---- recovering other threads' caches at a pool's limit ------------------- */

#define	STEAL_ROUNDS	4	/* tries for threads found inside the library */

struct stolen {
	void	**v;
	int	n, cap;
};

/* room for n more slots; 0 if there is no memory for it */
static int
stolen_room(struct stolen *s, int n)
{
	void **nv;

	if (s->n + n <= s->cap)
		return 1;
	if ((nv = realloc(s->v, (size_t)(s->n + n) * sizeof(void *))) == NULL)
		return 0;
	s->v = nv;
	s->cap = s->n + n;
	return 1;
}

/* take the magazine behind np/mag (its owner is outside the library) */
static void
take_magazine(struct stolen *s, int *np, void **mag)
{
	int n = __atomic_load_n(np, __ATOMIC_ACQUIRE) & ~MBUF_MAG_STOP;

	memcpy(s->v + s->n, mag, (size_t)n * sizeof(void *));
	s->n += n;
	__atomic_store_n(np, MBUF_MAG_STOP, __ATOMIC_RELAXED);
}

/* take t's pairs (as take_magazine), each as an mbuf and a cluster */
static void
take_pairs(struct stolen s[2], struct mbuf_thread *t)
{
	int n = pair_count(__atomic_load_n(&t->npr, __ATOMIC_ACQUIRE));

	if (n == 0)
		return;		/* npr may be MBUF_PR_OFF: left as it is */
	unzip_pairs(t->pr, n, s[KIND_MBUF].v + s[KIND_MBUF].n,
	    s[KIND_CLUSTER].v + s[KIND_CLUSTER].n);
	s[KIND_MBUF].n += n;
	s[KIND_CLUSTER].n += n;
	__atomic_store_n(&t->npr, MBUF_MAG_STOP, __ATOMIC_RELAXED);
}

/*
 * Do all of t's counts still carry the stop bit?  A section of t that
 * read a count before the bit was set and wrote it back after has cleared
 * it: then a later section of t may not see the bit either, and t's
 * magazines must be left alone this round.  (The bit, once lost, stays
 * lost: only the stealer sets it.)
 */
static int
still_stopped(struct mbuf_thread *t)
{
	return (__atomic_load_n(&t->tc.nmb, __ATOMIC_ACQUIRE) &
	    __atomic_load_n(&t->tc.ncl, __ATOMIC_ACQUIRE) &
	    __atomic_load_n(&t->npr, __ATOMIC_ACQUIRE) & MBUF_MAG_STOP) != 0;
}

/*
 * Is t covered by the barrier of this round?  With membarrier, all are;
 * else ask the scheduler (barrier.c): not running, or switched out since
 * the stop bits were set (checked again after a short wait).
 */
static int
covered(struct mbuf_thread *t, int all, struct mbuf_sched *before)
{
	struct mbuf_sched now;

	if (all)
		return 1;
	if (!before->known)
		return 0;
	if (!before->running)
		return 1;
	return mbuf__sched_state(t->tid, &now) &&
	    (!now.running || now.switches != before->switches);
}

/*
 * One round of the magazine protocol's stealer (include/mbuf_inline.h): stop every
 * other thread's magazines, one barrier, take those of the threads found
 * outside the library, release.  Returns how many threads with cached
 * slots were found inside the library (or not covered): worth a retry.
 */
static int
steal_round(struct stolen s[2])
{
	struct mbuf_thread *t, *self = mbuf__self;
	struct mbuf_sched *sched = NULL;
	int nthreads = 0, all, i, missed = 0;

	pthread_mutex_lock(&registry_lock);
	for (t = registry; t != NULL; t = t->next)
		nthreads++;
	if (!stolen_room(&s[KIND_MBUF], nthreads *
	    (MBUF_MB_SLOTS + MBUF_PR_SLOTS)) ||
	    !stolen_room(&s[KIND_CLUSTER], nthreads *
	    (MBUF_CL_SLOTS + MBUF_PR_SLOTS)) ||
	    (sched = calloc((size_t)nthreads, sizeof(*sched))) == NULL) {
		pthread_mutex_unlock(&registry_lock);
		return 0;
	}
	for (t = registry; t != NULL; t = t->next) {
		if (t == self)
			continue;
		__atomic_store_n(&t->tc.stop, MBUF_STOP_STEAL, __ATOMIC_RELAXED);
		__atomic_or_fetch(&t->tc.nmb, MBUF_MAG_STOP, __ATOMIC_SEQ_CST);
		__atomic_or_fetch(&t->tc.ncl, MBUF_MAG_STOP, __ATOMIC_SEQ_CST);
		__atomic_or_fetch(&t->npr, MBUF_MAG_STOP, __ATOMIC_SEQ_CST);
	}
	all = mbuf__barrier_all();
	for (t = registry, i = 0; !all && t != NULL; t = t->next, i++)
		if (t != self)
			sched[i].known = mbuf__sched_state(t->tid, &sched[i]);
	if (!all)
		usleep(2000);	/* let running threads be switched out */
	for (t = registry, i = 0; t != NULL; t = t->next, i++) {
		if (t == self)
			continue;
		if (__atomic_load_n(&t->tc.idle, __ATOMIC_ACQUIRE) == 1 &&
		    still_stopped(t) && covered(t, all, &sched[i])) {
			take_magazine(&s[KIND_MBUF], &t->tc.nmb, t->tc.mb);
			take_magazine(&s[KIND_CLUSTER], &t->tc.ncl, t->tc.cl);
			take_pairs(s, t);
		} else if (((__atomic_load_n(&t->tc.nmb, __ATOMIC_RELAXED) |
		    __atomic_load_n(&t->tc.ncl, __ATOMIC_RELAXED)) &
		    ~MBUF_MAG_STOP) != 0 ||
		    pair_count(__atomic_load_n(&t->npr, __ATOMIC_RELAXED)) != 0)
			missed++;
	}
	for (t = registry; t != NULL; t = t->next) {
		if (t == self)
			continue;
		__atomic_and_fetch(&t->tc.nmb, ~MBUF_MAG_STOP, __ATOMIC_RELEASE);
		__atomic_and_fetch(&t->tc.ncl, ~MBUF_MAG_STOP, __ATOMIC_RELEASE);
		__atomic_and_fetch(&t->npr, ~MBUF_MAG_STOP, __ATOMIC_RELEASE);
		__atomic_store_n(&t->tc.stop, 0, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&registry_lock);
	free(sched);
	return missed;
}

/*
 * At a pool's limit (m_reclaim): recover the slots cached by the other
 * live threads, which count against nmbclusters, and give them to the
 * depots.  A thread inside a library call keeps its cache this round; a
 * few rounds are tried for those, so the wait is bounded.
 */
static void
steal_caches(void)
{
	struct stolen s[2] = { { NULL, 0, 0 }, { NULL, 0, 0 } };
	int kind, round;

	for (round = 0; round < STEAL_ROUNDS; round++) {
		if (steal_round(s) == 0)
			break;
		sched_yield();
	}
	for (kind = KIND_MBUF; kind <= KIND_CLUSTER; kind++) {
		if (s[kind].n > 0)
			mbufgo_give(kind, (uintptr_t)s[kind].v, s[kind].n);
		free(s[kind].v);
	}
}

/*
 * m_reclaim: the core runs the drain (core/reclaim.go): the C side below,
 * then the Go hooks, never re-entered on one thread, so that a hook that
 * allocates at the limit gets a clean failure instead of recursing.
 */
void
m_reclaim(void *arg, int flags)
{
	(void)arg;
	(void)flags;
	if (!MBUF_ENTER("m_reclaim"))
		return;
	mbufgo_reclaim();
	MBUF_FLUSH();
}

/*
 * The C side of m_reclaim: the caches of the other live threads and of
 * exited ones back to the depots, then every registered C hook.  Hooks
 * run without the lock held, so they may free mbufs or register hooks,
 * and as user code (a callout), so they may call the library.
 */
void
mbuf__drain_hooks(void)
{
	struct drain_hook *copy = NULL;
	const char *busy;
	int i, n;

	steal_caches();
	give_orphans();
	pthread_mutex_lock(&drain_lock);
	n = ndrains;
	if (n > 0 && (copy = malloc((size_t)n * sizeof(*copy))) != NULL)
		memcpy(copy, drains, (size_t)n * sizeof(*copy));
	pthread_mutex_unlock(&drain_lock);
	busy = mbuf__callout_begin();
	for (i = 0; copy != NULL && i < n; i++)
		copy[i].fn(copy[i].arg);
	mbuf__callout_end(busy);
	free(copy);
}

/* ---- statistics --------------------------------------------------------- */

void
mbuf__stats_sync(void)
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
			sum[i] += __atomic_load_n(&t->tc.mtypes[i],
			    __ATOMIC_RELAXED);
	for (i = 0; i < 256; i++)
		mbstat.m_mtypes[i] = (unsigned short)sum[i];
	pthread_mutex_unlock(&registry_lock);
}

void
mbuf_stats_sync(void)
{
	if (!MBUF_ENTER("mbuf_stats_sync"))
		return;
	mbuf__stats_sync();
	MBUF_FLUSH();
}
