/*
 * Signal handlers that allocate and free: the "interrupt context" of
 * ported code.  A worker thread allocates and frees in a tight loop (the
 * per-thread caches, and now and then a call into the core) while another
 * thread sends it SIGUSR1 as fast as it can for a fixed time; the handler
 * allocates and frees too.
 *
 * The contract (README, "Signals"): a library call made by a handler that
 * interrupted a library call on the same thread is refused and reported
 * through the panic handler, with nothing changed; a handler that
 * interrupted the thread outside the library may use the allocation calls.
 * Never a slot handed out twice: on the old library the handler's pop and
 * the interrupted one returned the same mbuf, which showed up as a
 * clobbered token, "m_free: ... is not allocated", or a hang.  The storm
 * runs in a child with a deadline; the child checks every token, the
 * violations reported, mbstat and the live counts at the end.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include "testutil.h"

#define	STORM_SECONDS	1.5
#define	HOLD		4	/* packets the worker holds at once */

static volatile sig_atomic_t stop_worker;
static volatile long nested, needs_go, first_in_handler, other,
    handler_allocs;
static char other_msg[512];
static pthread_t worker_thread;

/* called in the handler (nested calls) or in the worker: no stdio */
static void
on_panic(const char *func, const char *msg)
{
	if (strstr(msg, "called from a signal handler that interrupted") !=
	    NULL)
		__atomic_add_fetch(&nested, 1, __ATOMIC_RELAXED);
	else if (strstr(msg, "called from a signal handler, and it needs "
	    "the Go runtime") != NULL)
		__atomic_add_fetch(&needs_go, 1, __ATOMIC_RELAXED);
	else if (strstr(msg, "called from a signal handler as this thread's "
	    "first libmbuf call") != NULL)
		__atomic_add_fetch(&first_in_handler, 1, __ATOMIC_RELAXED);
	else if (__atomic_add_fetch(&other, 1, __ATOMIC_RELAXED) == 1)
		snprintf(other_msg, sizeof(other_msg), "%s: %s", func, msg);
}

/*
 * The handler keeps what it allocates until a later run frees it, so its
 * pops and pushes do not pair up (an alloc and a free of the same mbuf
 * would leave an interrupted pop none the wiser).  A free it was refused
 * (nested, or needing Go) is retried by the main thread at the end.
 */
#define	HELD	8
static struct mbuf *held[HELD];
static uint64_t held_token[HELD];
static struct mbuf *refused[1 << 16];
static int nrefused;
static long handler_runs, handler_bad;

static long
reports(void)
{
	return __atomic_load_n(&nested, __ATOMIC_RELAXED) +
	    __atomic_load_n(&needs_go, __ATOMIC_RELAXED) +
	    __atomic_load_n(&other, __ATOMIC_RELAXED);
}

static void
handler_free(struct mbuf *m)
{
	long before = reports();

	m_freem(m);
	if (reports() != before && nrefused < (int)(sizeof(refused) /
	    sizeof(refused[0])))
		refused[nrefused++] = m;
}

static void
on_signal(int sig)
{
	int saved = errno, i = (int)(handler_runs++ % HELD);
	uint64_t token = 0xabcd000000000000ull | (uint64_t)handler_runs;
	struct mbuf *m;

	(void)sig;
	if ((handler_runs & 3) == 3)
		MGET(m, M_DONTWAIT, MT_DATA);	/* inline (mbuf_inline.h) */
	else
		m = (handler_runs & 1) ? m_get(M_DONTWAIT, MT_DATA) :
		    m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);
	if (m != NULL) {
		*mtod(m, uint64_t *) = token;
		handler_allocs++;
	}
	if (held[i] != NULL) {
		if (*mtod(held[i], uint64_t *) != held_token[i])
			handler_bad++;
		handler_free(held[i]);
	}
	held[i] = m;
	held_token[i] = token;
	errno = saved;
}

/* one of the allocation shapes, with the token written into its data */
static struct mbuf *
alloc_one(unsigned k, uint64_t token)
{
	struct mbuf *m = NULL;

	/* the macros are inline (mbuf_inline.h): a signal can land in
	 * their sections too */
	switch (k % 4) {
	case 0:
		MGET(m, M_DONTWAIT, MT_DATA);
		break;
	case 1:
		MGETHDR(m, M_DONTWAIT, MT_DATA);
		if (m != NULL) {
			MCLGET(m, M_DONTWAIT);
			if ((m->m_flags & M_EXT) == 0) {
				m_freem(m);
				m = NULL;
			}
		}
		break;
	case 2:
		m = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);
		break;
	case 3:
		m = m_get(M_DONTWAIT, MT_DATA);
		if (m != NULL && (m->m_next = m_get(M_DONTWAIT, MT_DATA)) ==
		    NULL) {
			m_freem(m);
			m = NULL;
		}
		if (m != NULL)
			*mtod(m->m_next, uint64_t *) = ~token;
		break;
	}
	if (m != NULL) {
		*mtod(m, uint64_t *) = token;
		m->m_len = sizeof(token);
	}
	return m;
}

static int
token_ok(struct mbuf *m, uint64_t token)
{
	return *mtod(m, uint64_t *) == token && (m->m_next == NULL ||
	    *mtod(m->m_next, uint64_t *) == ~token);
}

static long worker_ops, worker_bad, worker_fails;
static int worker_ready;

static void *
worker(void *arg)
{
	struct mbuf *m[HOLD], *d;
	uint64_t token = 0;
	unsigned k = 0;
	int i;

	(void)arg;
	/* set the thread up: its first call in a handler is refused
	   (child_first_call) */
	m_freem(m_get(M_DONTWAIT, MT_DATA));
	__atomic_store_n(&worker_ready, 1, __ATOMIC_RELEASE);
	while (!stop_worker) {
		for (i = 0; i < HOLD; i++) {
			m[i] = alloc_one(k++, ++token);
			if (m[i] == NULL)
				worker_fails++;
		}
		for (i = 0; i < HOLD; i++)
			if (m[i] != NULL && !token_ok(m[i], token - HOLD + 1 + i))
				worker_bad++;
		/* now and then a call into the core: m_dup always goes there */
		if ((k & 31) == 0 && m[0] != NULL &&
		    (d = m_dup(m[0], 0, M_COPYALL, M_DONTWAIT)) != NULL) {
			if (*mtod(d, uint64_t *) != *mtod(m[0], uint64_t *))
				worker_bad++;
			m_freem(d);
		}
		for (i = 0; i < HOLD; i++) {
			if (i & 1)
				m_freem(m[i]);
			else if (m[i] != NULL && i == 2) {
				MFREE(m[i], d);		/* inline */
				m_freem(d);
			} else if (m[i] != NULL)
				m_freem(m_free(m[i]));
		}
		worker_ops++;
	}
	return NULL;
}

static void
child_storm(void)
{
	struct sigaction sa;
	long signals = 0;
	double end;

	alarm(60);
	mbuf_set_panic_handler(on_panic);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_ONSTACK;	/* as Go requires of every handler */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	pthread_create(&worker_thread, NULL, worker, NULL);
	while (!__atomic_load_n(&worker_ready, __ATOMIC_ACQUIRE))
		sched_yield();
	end = tu_now() + STORM_SECONDS;
	while (tu_now() < end) {
		pthread_kill(worker_thread, SIGUSR1);
		signals++;
	}
	stop_worker = 1;
	pthread_join(worker_thread, NULL);
	/* no more signals: what the handler holds or could not free */
	for (int i = 0; i < HELD; i++) {
		if (held[i] != NULL &&
		    *mtod(held[i], uint64_t *) != held_token[i])
			handler_bad++;
		m_freem(held[i]);
	}
	for (int i = 0; i < nrefused; i++)
		m_freem(refused[i]);
	printf("signals %ld, worker rounds %ld, worker failed allocs %ld, "
	    "handler allocs %ld, nested calls reported %ld, calls needing Go "
	    "reported %ld, other violations %ld, clobbered tokens %ld+%ld\n",
	    signals, worker_ops, worker_fails, handler_allocs, nested,
	    needs_go, other, worker_bad, handler_bad);
	if (other != 0)
		printf("first other violation: %s\n", other_msg);
	mbuf_set_panic_handler(NULL);
	if (worker_bad == 0 && handler_bad == 0 && other == 0 && nested > 0 &&
	    worker_ops > 0 && handler_allocs > 0 &&
	    tu_all_types_zero() && mbuf_leak_count() == 0)
		printf("storm: ok\n");
	fflush(stdout);
	exit(0);
}

/*
 * The README's contract, one claim at a time, with raise(): the handler
 * interrupts the main thread outside the library, so what it may do
 * depends only on what it calls.
 */
enum { DO_CACHE = 1, DO_GO, DO_TAGGED, DO_DRAIN, DO_REFILL };
static volatile sig_atomic_t step;	/* read by the handler */
/* more mbufs than a thread's mbuf cache holds (512), and its cluster
   cache's size (internal.h: MBUF_MB_SLOTS, MBUF_CL_SLOTS) */
#define	MANY		600
#define	CL_SLOTS	64
static struct mbuf *keep, *tagged, *volatile many[MANY];
static volatile int nmany, cache_ok, go_refused, tagged_refused;
static struct mbuf *volatile pchain, *volatile pulled;

static long
needs_go_reports(void)
{
	return __atomic_load_n(&needs_go, __ATOMIC_RELAXED);
}

static void
on_contract_signal(int sig)
{
	struct mbuf *m, *h, *c, *cl;
	long before = needs_go_reports();
	int i, zero = 1;

	(void)sig;
	switch (step) {
	case DO_CACHE:
		/* each call the README lists, served by the cache */
		m = m_get(M_DONTWAIT, MT_DATA);
		h = m_gethdr(M_DONTWAIT, MT_HEADER);
		c = m_getclr(M_DONTWAIT, MT_DATA);
		cl = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);
		if (h != NULL)
			MCLGET(h, M_DONTWAIT);
		for (i = 0; c != NULL && i < MLEN; i++)
			zero &= mtod(c, unsigned char *)[i] == 0;
		cache_ok = m != NULL && h != NULL && c != NULL && cl != NULL &&
		    (h->m_flags & M_EXT) != 0 && (cl->m_flags & M_EXT) != 0 &&
		    zero;
		m_free(m);
		m_freem(h);
		m_freem(c);
		m_freem(cl);
		break;
	case DO_GO:
		/* m_dup always needs the core */
		go_refused = m_dup(keep, 0, 10, M_DONTWAIT) == NULL &&
		    needs_go_reports() == before + 1;
		break;
	case DO_TAGGED:
		/* a packet with a tag is freed by the core: refused, kept */
		m_freem(tagged);
		tagged_refused = needs_go_reports() == before + 1;
		break;
	case DO_DRAIN:
		/* more frees than the cache holds: the rest are refused */
		for (i = 0; i < nmany; i++) {
			long b = needs_go_reports();

			m_free(many[i]);
			if (needs_go_reports() == b)
				many[i] = NULL;		/* freed */
		}
		/* the cache is full: m_pullup's free of the mbuf it empties
		   is refused, which must not cut the chain */
		pulled = m_pullup(pchain, 20);
		break;
	case DO_REFILL:
		/* clusters until the cache is empty: then refused, NULL */
		for (nmany = 0; nmany < MANY; nmany++)
			if ((many[nmany] = m_getcl(M_DONTWAIT, MT_DATA,
			    M_PKTHDR)) == NULL)
				break;
		break;
	}
}

/* SIGUSR1 runs on_contract_signal on the signal stack; panics are noted */
static void
catch_contract_signal(void)
{
	struct sigaction sa;

	mbuf_set_panic_handler(on_panic);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_contract_signal;
	sa.sa_flags = SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
}

static void
contract_signal(int what)
{
	step = what;
	raise(SIGUSR1);
	step = 0;
}

static void
child_contract(void)
{
	struct m_tag *mt;
	int i, n, freed = 0, refused_drain, live, kept, ok = 1;
	struct mbuf *m, *second;
	unsigned char bytes[70];

	alarm(60);
	/* the thread's first calls (and one into Go) outside any handler */
	keep = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);
	keep->m_len = keep->m_pkthdr.len = 100;
	m_freem(m_dup(keep, 0, 10, M_DONTWAIT));
	tagged = m_gethdr(M_DONTWAIT, MT_DATA);
	mt = m_tag_get(1, 4, M_DONTWAIT);
	m_tag_prepend(tagged, mt);
	catch_contract_signal();

	contract_signal(DO_CACHE);
	printf("cache calls in a handler: %s\n", cache_ok ? "ok" : "WRONG");
	ok &= cache_ok && needs_go == 0;

	contract_signal(DO_GO);
	printf("m_dup in a handler refused: %s\n", go_refused ? "ok" : "WRONG");
	ok &= go_refused;

	/* refused calls change nothing: main frees what they left (a
	   second free would be reported as "other") */
	live = tu_mtype(MT_DATA);
	contract_signal(DO_TAGGED);
	kept = tu_mtype(MT_DATA) == live && m_tag_first(tagged) == mt;
	printf("tagged m_freem in a handler refused, packet kept: %s\n",
	    tagged_refused && kept ? "ok" : "WRONG");
	ok &= tagged_refused && kept;
	m_freem(tagged);

	for (nmany = 0; nmany < MANY; nmany++)
		many[nmany] = m_get(M_DONTWAIT, MT_DATA);
	/* 10 + 10 + 50 bytes 0..69, for the m_pullup after the frees */
	pchain = m_gethdr(M_DONTWAIT, MT_DATA);
	pchain->m_next = m_get(M_DONTWAIT, MT_DATA);
	pchain->m_next->m_next = m_get(M_DONTWAIT, MT_DATA);
	second = pchain->m_next;
	for (i = 0, m = pchain; m != NULL; m = m->m_next) {
		m->m_len = m->m_next != NULL ? 10 : 50;
		for (int j = 0; j < m->m_len; j++)
			mtod(m, unsigned char *)[j] = (unsigned char)i++;
	}
	pchain->m_pkthdr.len = 70;
	contract_signal(DO_DRAIN);
	n = pulled != NULL ? (int)m_length(pulled) : -1;
	if (pulled != NULL)
		m_copydata(pulled, 0, n < 70 ? n : 70, bytes);
	for (i = 0; i < n && i < 70; i++)
		if (bytes[i] != i)
			break;
	printf("m_pullup in a handler, its free refused: %d of 70 bytes "
	    "kept: %s\n", n, n == 70 && i == 70 ? "ok" : "WRONG");
	ok &= n == 70 && i == 70;
	m_freem(pulled);
	m_free(second);		/* the emptied mbuf its refused free left */
	for (i = 0, refused_drain = 0; i < nmany; i++) {
		if (many[i] == NULL) {
			freed++;
			continue;
		}
		refused_drain++;
		m_free(many[i]);
	}
	printf("%d frees in a handler: %d by the cache, %d refused\n", MANY,
	    freed, refused_drain);
	ok &= freed > 0 && refused_drain > 0;

	contract_signal(DO_REFILL);
	printf("m_getcl in a handler until the cluster cache is empty: %d, "
	    "then NULL: %s\n", nmany, nmany > 0 && nmany <= CL_SLOTS ? "ok" :
	    "WRONG");
	ok &= nmany > 0 && nmany <= CL_SLOTS;
	for (i = 0; i < nmany; i++)
		m_freem(many[i]);

	m_freem(keep);
	mbuf_set_panic_handler(NULL);
	printf("reports: needs Go %ld, nested %ld, other %ld\n", needs_go,
	    nested, other);
	if (other != 0)
		printf("first other violation: %s\n", other_msg);
	if (ok && nested == 0 && other == 0 && tu_all_types_zero() &&
	    mbuf_leak_count() == 0)
		printf("contract: ok\n");
	fflush(stdout);
	exit(0);
}

/* debug mode sends every call to the core: in a handler, all refused */
static void
child_contract_debug(void)
{
	struct mbuf *m;

	alarm(60);
	m = m_get(M_DONTWAIT, MT_DATA);		/* and a call into Go */
	m_freem(m_dup(m, 0, 0, M_DONTWAIT));
	m_freem(m);
	catch_contract_signal();
	contract_signal(DO_REFILL);
	mbuf_set_panic_handler(NULL);
	printf("debug mode: %d allocated in a handler, needs Go %ld, "
	    "other %ld\n", nmany, needs_go, other);
	if (nmany == 0 && needs_go == 1 && other == 0 && nested == 0 &&
	    tu_all_types_zero() && mbuf_leak_count() == 0)
		printf("contract debug: ok\n");
	fflush(stdout);
	exit(0);
}

/*
 * A thread's first library call made in a handler.  Setting a thread up
 * allocates (malloc for its state; on the process's first call, the Go
 * runtime too), which a handler must not do: the call is refused and
 * reported before anything is allocated.  To see that, this program's
 * allocator counts what the handler's thread allocates while it runs
 * (glibc's own functions do the work; nothing is counted otherwise).
 * Not under AddressSanitizer, whose allocator this one would bypass:
 * there, only the refusal is checked.
 */
static __thread int watch_allocs;
static __thread long allocs_watched;
#ifndef __SANITIZE_ADDRESS__
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

void *
malloc(size_t n)
{
	allocs_watched += watch_allocs;
	return __libc_malloc(n);
}

void *
calloc(size_t k, size_t n)
{
	allocs_watched += watch_allocs;
	return __libc_calloc(k, n);
}

void *
realloc(void *p, size_t n)
{
	allocs_watched += watch_allocs;
	return __libc_realloc(p, n);
}

void *
aligned_alloc(size_t align, size_t n)
{
	allocs_watched += watch_allocs;
	return __libc_memalign(align, n);
}

int
posix_memalign(void **p, size_t align, size_t n)
{
	allocs_watched += watch_allocs;
	if (align < sizeof(void *) || (align & (align - 1)) != 0)
		return EINVAL;
	*p = __libc_memalign(align, n);
	return *p != NULL ? 0 : ENOMEM;
}
#endif

static __thread int first_refused;
static __thread long first_allocs;

static void
on_first_signal(int sig)
{
	long before = __atomic_load_n(&first_in_handler, __ATOMIC_RELAXED);
	struct mbuf *m, *h, *cl;

	(void)sig;
	allocs_watched = 0;
	watch_allocs = 1;
	m = m_get(M_DONTWAIT, MT_DATA);
	h = m_gethdr(M_DONTWAIT, MT_DATA);
	cl = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);
	mbuf_stats_sync();		/* a call that only needs Go */
	watch_allocs = 0;
	first_allocs = allocs_watched;
	first_refused = m == NULL && h == NULL && cl == NULL &&
	    __atomic_load_n(&first_in_handler, __ATOMIC_RELAXED) ==
	    before + 4;
}

/*
 * On the calling thread, which has made no library call yet: a signal
 * stack of its own (as Python's faulthandler lends its main thread, and
 * the Go runtime gives a thread that ran Go code), a first call in a
 * handler, then the calls outside it that set the thread up.
 */
static int
first_call_in_handler(const char *who)
{
	stack_t ss;
	struct mbuf *m;
	int ok;

	memset(&ss, 0, sizeof(ss));
	ss.ss_size = 64 << 10;
	ss.ss_sp = mmap(NULL, ss.ss_size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ss.ss_sp == MAP_FAILED || sigaltstack(&ss, NULL) != 0) {
		printf("%s: no signal stack: %s\n", who, strerror(errno));
		return 0;
	}
	raise(SIGUSR1);
	ok = first_refused && first_allocs == 0;
	printf("%s: first calls in a handler refused: %s, allocations "
	    "made in the handler: %ld\n", who, first_refused ? "yes" : "NO",
	    first_allocs);
	/* outside the handler the thread is set up as usual */
	m = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);
	ok &= m != NULL;
	m_freem(m_dup(m, 0, 0, M_DONTWAIT));
	m_freem(m);
	return ok;
}

static volatile int thread_first_ok;

static void *
first_call_thread(void *arg)
{
	(void)arg;
	thread_first_ok = first_call_in_handler("new thread");
	return NULL;
}

static void
child_first_call(void)
{
	struct sigaction sa;
	pthread_t th;
	int ok;

	alarm(60);
	mbuf_set_panic_handler(on_panic);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_first_signal;
	sa.sa_flags = SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	/* the process's first call (the library not set up yet) ... */
	ok = first_call_in_handler("main thread, the process's first call");
	/* ... and a new thread's, the library set up */
	pthread_create(&th, NULL, first_call_thread, NULL);
	pthread_join(th, NULL);
	ok &= thread_first_ok;
	mbuf_set_panic_handler(NULL);
	printf("reports: first call %ld, needs Go %ld, nested %ld, other "
	    "%ld\n", first_in_handler, needs_go, nested, other);
	if (other != 0)
		printf("first other violation: %s\n", other_msg);
	if (ok && other == 0 && nested == 0 && needs_go == 0 &&
	    tu_all_types_zero() && mbuf_leak_count() == 0)
		printf("first call: ok\n");
	fflush(stdout);
	exit(0);
}

/*
 * A signal stack lent and taken back.  The Go runtime runs its handlers
 * on the thread's signal stack, and kept using the one a thread had at its
 * first call into Go.  Python's faulthandler lends its main thread a
 * stack and, at exit (Py_Finalize, before atexit handlers), puts back the
 * one it found (if its own is still in place) and frees its own: the next signal
 * that reached Go code on the thread killed the process ("signal 23
 * received on thread with no signal stack").  Here a thread does the
 * same, the process's first calls included, then runs Go code (m_dup)
 * while another thread sends it SIGURG, the runtime's preemption signal.
 */
static volatile int pester_stop;
static pthread_t pester_target;
static volatile long pester_sent;

static void *
pester(void *arg)
{
	(void)arg;
	while (!pester_stop) {
		pthread_kill(pester_target, SIGURG);
		pester_sent++;
		usleep(20);
	}
	return NULL;
}

static volatile long lent_dups;

static void *
lent_stack_thread(void *arg)
{
	stack_t lent, found, cur;
	struct mbuf *m, *d;
	pthread_t p;
	double end;

	(void)arg;
	memset(&lent, 0, sizeof(lent));
	lent.ss_size = 64 << 10;
	lent.ss_sp = mmap(NULL, lent.ss_size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (lent.ss_sp == MAP_FAILED || sigaltstack(&lent, &found) != 0)
		return NULL;
	m = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);	/* first calls */
	m->m_len = m->m_pkthdr.len = 1000;
	m_freem(m_dup(m, 0, 100, M_DONTWAIT));
	/* what faulthandler does in Py_Finalize */
	if (sigaltstack(NULL, &cur) == 0 && cur.ss_sp == lent.ss_sp)
		sigaltstack(&found, NULL);
	munmap(lent.ss_sp, lent.ss_size);
	pester_target = pthread_self();
	pthread_create(&p, NULL, pester, NULL);
	end = tu_now() + 0.5;
	while (tu_now() < end || pester_sent < 100) {
		if ((d = m_dup(m, 0, 100, M_DONTWAIT)) != NULL)
			lent_dups++;
		m_freem(d);
	}
	pester_stop = 1;
	pthread_join(p, NULL);
	m_freem(m);
	return NULL;
}

static void
child_lent_stack(void)
{
	pthread_t th;

	alarm(60);
	pthread_create(&th, NULL, lent_stack_thread, NULL);
	pthread_join(th, NULL);
	printf("lent stack taken back: %ld m_dup calls, %ld SIGURG sent\n",
	    lent_dups, pester_sent);
	if (lent_dups > 0 && pester_sent >= 100 && tu_all_types_zero() &&
	    mbuf_leak_count() == 0)
		printf("lent stack: ok\n");
	fflush(stdout);
	exit(0);
}

static const struct tu_death_case children[] = {
	{ "storm", child_storm },
	{ "contract", child_contract },
	{ "contract-debug", child_contract_debug },
	{ "first-call", child_first_call },
	{ "lent-stack", child_lent_stack },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	char out[16384];
	int status;

	TU_CHILD_MAIN(argc, argv, children);
	status = tu_run_child("storm", 90, out, sizeof(out));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(strstr(out, "storm: ok") != NULL);
	if (strstr(out, "storm: ok") == NULL || !WIFEXITED(status))
		fprintf(stderr, "storm: status %#x, output:\n%s\n", status, out);
	status = tu_run_child("contract", 60, out, sizeof(out));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(strstr(out, "contract: ok") != NULL);
	if (strstr(out, "contract: ok") == NULL || !WIFEXITED(status))
		fprintf(stderr, "contract: status %#x, output:\n%s\n", status,
		    out);
	status = tu_run_child("first-call", 60, out, sizeof(out));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(strstr(out, "first call: ok") != NULL);
	if (strstr(out, "first call: ok") == NULL || !WIFEXITED(status))
		fprintf(stderr, "first-call: status %#x, output:\n%s\n", status,
		    out);
	status = tu_run_child("lent-stack", 60, out, sizeof(out));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(strstr(out, "lent stack: ok") != NULL);
	if (strstr(out, "lent stack: ok") == NULL || !WIFEXITED(status))
		fprintf(stderr, "lent-stack: status %#x, output:\n%s\n", status,
		    out);
	setenv("MBUF_DEBUG", "1", 1);
	status = tu_run_child("contract-debug", 60, out, sizeof(out));
	unsetenv("MBUF_DEBUG");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(strstr(out, "contract debug: ok") != NULL);
	if (strstr(out, "contract debug: ok") == NULL || !WIFEXITED(status))
		fprintf(stderr, "contract-debug: status %#x, output:\n%s\n",
		    status, out);
	return tu_finish("test_signals");
}
