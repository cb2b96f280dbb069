/*
 * Caches give back at the limit.  Clusters cached by a thread count
 * against nmbclusters; when an allocation hits the limit, the caches of
 * the other live threads are recovered (membarrier(2), or the scheduler
 * fallback of capi/mbufc/barrier.c; the protocol is in include/mbuf_inline.h).
 *
 * idle:     8 workers, one after the other, allocate and free 37 clusters
 *           (their caches keep what they freed, and what their refills
 *           brought: up to 64 each) and wait, alive; each worker must get
 *           its 37 while the earlier ones sit idle, and the main thread
 *           then all 300, with M_DONTWAIT and with M_WAIT.  On the old library the workers got
 *           fewer than 37 each and the main thread a handful: "m_getcl
 *           returns NULL with 0 clusters in use".
 * fallback: the same with MBUF_NO_MEMBARRIER=1 (the scheduler fallback).
 * busy:     6 workers keep allocating and freeing bursts (at most 20
 *           clusters live each) while the main thread takes and holds 150:
 *           it gets them all, each within a bounded number of tries.
 *
 * churn:    6 threads allocate and free past a tight limit (150), so that
 *           steals run all the time against caches in use: no cluster is
 *           handed out twice (tokens), none is lost, nothing is reported.
 *
 * Each case runs in a child with a deadline: a hang fails it.
 */
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "testutil.h"

#define	LIMIT		300
#define	IDLE_WORKERS	8
#define	IDLE_EACH	37	/* 8 * 37 = 296 cached */
#define	BUSY_WORKERS	6
#define	BUSY_MAX	20
#define	BUSY_WANT	150

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t turn = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int ready, release_workers, worker_short;
static volatile int stop_busy;

/* allocate and free IDLE_EACH clusters, then wait, alive, until released */
static void *
idle_worker(void *arg)
{
	struct mbuf *m[IDLE_EACH];
	int i, got = 0;

	(void)arg;
	/* one worker at a time: each finds the others idle, caches full */
	pthread_mutex_lock(&turn);
	for (i = 0; i < IDLE_EACH; i++) {
		if (i & 1) {	/* the inline macros (mbuf_inline.h) */
			MGETHDR(m[i], M_DONTWAIT, MT_DATA);
			if (m[i] != NULL)
				MCLGET(m[i], M_DONTWAIT);
			if (m[i] != NULL && (m[i]->m_flags & M_EXT) == 0) {
				m_freem(m[i]);
				m[i] = NULL;
			}
		} else
			m[i] = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);
		if (m[i] != NULL)
			got++;
	}
	for (i = 0; i < IDLE_EACH; i++)
		m_freem(m[i]);
	pthread_mutex_unlock(&turn);
	pthread_mutex_lock(&lock);
	ready++;
	worker_short += IDLE_EACH - got;
	pthread_cond_broadcast(&cond);
	while (!release_workers)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* take clusters until n or the first failure; returns how many */
static int
take(struct mbuf **held, int n, int how)
{
	int i;

	for (i = 0; i < n; i++)
		if ((held[i] = m_getcl(how, MT_DATA, M_PKTHDR)) == NULL)
			break;
	return i;
}

static void
child_idle(void)
{
	pthread_t th[IDLE_WORKERS];
	struct mbuf *held[LIMIT + 1];
	int i, n_dontwait, n_wait, more;

	alarm(60);
	nmbclusters = LIMIT;
	for (i = 0; i < IDLE_WORKERS; i++)
		pthread_create(&th[i], NULL, idle_worker, NULL);
	pthread_mutex_lock(&lock);
	while (ready < IDLE_WORKERS)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	printf("%d workers used %d clusters each (%d allocations failed), "
	    "freed them into their caches and wait\n", IDLE_WORKERS,
	    IDLE_EACH, worker_short);
	n_dontwait = take(held, LIMIT, M_DONTWAIT);
	more = take(held + n_dontwait, 1, M_DONTWAIT);	/* over the limit */
	printf("M_DONTWAIT: got %d of %d, then %d over the limit\n",
	    n_dontwait, LIMIT, more);
	for (i = 0; i < n_dontwait + more; i++)
		m_freem(held[i]);
	/* the caches filled up again (the main thread's): M_WAIT now */
	n_wait = take(held, LIMIT, M_WAIT);
	printf("M_WAIT: got %d of %d\n", n_wait, LIMIT);
	for (i = 0; i < n_wait; i++)
		m_freem(held[i]);
	pthread_mutex_lock(&lock);
	release_workers = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	for (i = 0; i < IDLE_WORKERS; i++)
		pthread_join(th[i], NULL);
	if (worker_short == 0 && n_dontwait == LIMIT && more == 0 &&
	    n_wait == LIMIT &&
	    tu_all_types_zero() && mbuf_leak_count() == 0)
		printf("idle: ok\n");
	fflush(stdout);
	exit(0);
}

static long busy_rounds, busy_fails;

static void *
busy_worker(void *arg)
{
	struct mbuf *m[BUSY_MAX];
	unsigned seed = (unsigned)(uintptr_t)arg;
	long rounds = 0, fails = 0;
	int i, n;

	while (!stop_busy) {
		seed = seed * 1103515245u + 12345u;
		n = 1 + (int)((seed >> 16) % BUSY_MAX);
		for (i = 0; i < n; i++)
			if ((m[i] = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR)) ==
			    NULL)
				fails++;
		for (i = 0; i < n; i++)
			m_freem(m[i]);
		rounds++;
	}
	__atomic_add_fetch(&busy_rounds, rounds, __ATOMIC_RELAXED);
	__atomic_add_fetch(&busy_fails, fails, __ATOMIC_RELAXED);
	return NULL;
}

static void
child_busy(void)
{
	pthread_t th[BUSY_WORKERS];
	struct mbuf *held[BUSY_WANT];
	long tries = 0, worst = 0;
	double t0, took;
	int i, n = 0;

	alarm(60);
	nmbclusters = LIMIT;
	for (i = 0; i < BUSY_WORKERS; i++)
		pthread_create(&th[i], NULL, busy_worker,
		    (void *)(uintptr_t)(i + 1));
	usleep(200 * 1000);	/* the workers' caches fill up */
	t0 = tu_now();
	while (n < BUSY_WANT) {
		long k = 0;

		/* live: <= 6 * 20 + 150 = 270 of 300, so it must come */
		while ((held[n] = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR)) ==
		    NULL && ++k < 1000)
			;
		tries += k + 1;
		worst = k > worst ? k : worst;
		if (held[n] == NULL)
			break;
		n++;
	}
	took = tu_now() - t0;
	stop_busy = 1;
	for (i = 0; i < BUSY_WORKERS; i++)
		pthread_join(th[i], NULL);
	printf("busy: held %d of %d in %.3f s (%ld tries, worst %ld failed "
	    "in a row); workers: %ld rounds, %ld failed allocations\n", n,
	    BUSY_WANT, took, tries, worst, busy_rounds, busy_fails);
	for (i = 0; i < n; i++)
		m_freem(held[i]);
	if (n == BUSY_WANT && tu_all_types_zero() && mbuf_leak_count() == 0)
		printf("busy: ok\n");
	fflush(stdout);
	exit(0);
}

/*
 * churn: threads that all allocate past a tight limit, so that steals run
 * all the time against caches in use; every cluster carries its owner's
 * token, checked before it is freed: a slot handed out twice shows.
 */
#define	CHURN_THREADS	6
#define	CHURN_MAX	30
#define	CHURN_LIMIT	150
#define	CHURN_SECONDS	2.0

static long churn_bad, churn_fails, churn_rounds, churn_violations;

static void
count_violation(const char *func, const char *msg)
{
	(void)func;
	(void)msg;
	__atomic_add_fetch(&churn_violations, 1, __ATOMIC_RELAXED);
}

static void *
churn_worker(void *arg)
{
	struct mbuf *m[CHURN_MAX];
	uint64_t token = (uint64_t)(uintptr_t)arg << 40;
	double end = tu_now() + CHURN_SECONDS;
	long bad = 0, fails = 0, rounds = 0;
	int i, n;

	while (tu_now() < end) {
		n = 1 + (int)(token % CHURN_MAX);
		for (i = 0; i < n; i++) {
			m[i] = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);
			if (m[i] == NULL)
				fails++;
			else
				*mtod(m[i], uint64_t *) = token + (uint64_t)i;
		}
		for (i = 0; i < n; i++)
			if (m[i] != NULL &&
			    *mtod(m[i], uint64_t *) != token + (uint64_t)i)
				bad++;
		for (i = 0; i < n; i++)
			m_freem(m[i]);
		token += CHURN_MAX + 7;
		rounds++;
	}
	__atomic_add_fetch(&churn_bad, bad, __ATOMIC_RELAXED);
	__atomic_add_fetch(&churn_fails, fails, __ATOMIC_RELAXED);
	__atomic_add_fetch(&churn_rounds, rounds, __ATOMIC_RELAXED);
	return NULL;
}

static void
child_churn(void)
{
	pthread_t th[CHURN_THREADS];
	struct mbuf *held[CHURN_LIMIT + 1];
	int i, n;

	alarm(60);
	nmbclusters = CHURN_LIMIT;
	mbuf_set_panic_handler(count_violation);
	for (i = 0; i < CHURN_THREADS; i++)
		pthread_create(&th[i], NULL, churn_worker,
		    (void *)(uintptr_t)(i + 1));
	for (i = 0; i < CHURN_THREADS; i++)
		pthread_join(th[i], NULL);
	mbuf_set_panic_handler(NULL);
	/* nothing lost: the whole limit can be had again */
	for (n = 0; n <= CHURN_LIMIT; n++)
		if ((held[n] = m_getcl(M_DONTWAIT, MT_DATA, 0)) == NULL)
			break;
	for (i = 0; i < n; i++)
		m_freem(held[i]);
	printf("churn: %ld rounds, %ld failed allocations, %ld clobbered, "
	    "%ld violations, %d of %d clusters afterwards\n", churn_rounds,
	    churn_fails, churn_bad, churn_violations, n, CHURN_LIMIT);
	if (churn_bad == 0 && churn_violations == 0 && n == CHURN_LIMIT &&
	    tu_all_types_zero() && mbuf_leak_count() == 0)
		printf("churn: ok\n");
	fflush(stdout);
	exit(0);
}

static const struct tu_death_case children[] = {
	{ "churn", child_churn },
	{ "idle", child_idle },
	{ "busy", child_busy },
	{ NULL, NULL },
};

static void
run(const char *name, const char *want, int fallback)
{
	static const char *const env[2] = { "MBUF_NO_MEMBARRIER=1", NULL };
	const char *label = fallback ? "fallback" : "membarrier";
	char out[8192];

	if (tu_expect_child(name, label, 90, fallback ? env : NULL, want, out,
	    sizeof(out)))
		printf("%s (%s):\n%s", name, label, out);
}

int
main(int argc, char **argv)
{
	TU_CHILD_MAIN(argc, argv, children);
	run("idle", "idle: ok", 0);
	run("idle", "idle: ok", 1);
	run("busy", "busy: ok", 0);
	run("busy", "busy: ok", 1);
	run("churn", "churn: ok", 0);
	run("churn", "churn: ok", 1);
	return tu_finish("test_limit");
}
