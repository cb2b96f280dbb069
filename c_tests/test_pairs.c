/*
 * The pair cache (capi/mbufc/fastpath.c): m_freem of a cluster mbuf nobody
 * shares keeps the mbuf and its cluster together in a per-thread magazine
 * for the next m_getcl.  It is a cache of free slots like the other two,
 * so nothing a program can observe may depend on it.  Each case runs in a
 * child three ways: pairs on, pairs off (MBUF_PAIR_CACHE=0) and the fast
 * paths off (MBUF_FASTPATH=0, the core alone); the three transcripts must
 * be identical, and each child checks its own results as well.
 *
 * model:    a seeded random sequence of m_getcl, m_gethdr+MCLGET, m_get,
 *           m_copym (shared clusters), m_free/m_freem, and misuses of
 *           freed mbufs (a second m_freem, m_copydata, MCLGET, m_free of
 *           a freed sharer), checked after each step against a model:
 *           live mbufs by type (mbstat), zombie holders, live clusters
 *           (the leak census, which must see cached pairs as free), the
 *           violations reported (messages with addresses masked), and
 *           kern.mbuf.stats.
 * misuse:   a pair-cached mbuf freed twice, used, given MCLGET; its
 *           cluster's sharer freed twice: the same reports as without
 *           pairs, and nothing handed out twice afterwards.
 * handler:  allocations in a signal handler, which only the caches may
 *           serve (no Go there): as many mbufs and clusters with pairs as
 *           without, so a thread's pairs are split when its mbuf or
 *           cluster magazine runs dry.
 * limit:    threads cache nothing but pairs, then wait alive (stolen by
 *           m_reclaim at the cluster limit) or exit (orphaned): the main
 *           thread gets the whole of nmbclusters, with M_DONTWAIT.
 * exit churn: threads cache pairs and exit while the main thread takes
 *           the whole limit (steals run as they exit): no slot handed out
 *           twice (pairs on only, with and without membarrier).
 */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <time.h>

#include "testutil.h"

/* ---- transcript: what the three runs must agree on ------------------------ */

static char last_msg[256];
static long violations;

/* a message with each hex address replaced by "0x?" */
static void
mask_addresses(char *dst, size_t n, const char *src)
{
	size_t k = 0;

	while (*src != '\0' && k + 4 < n) {
		if (src[0] == '0' && src[1] == 'x') {
			memcpy(dst + k, "0x?", 3);
			k += 3;
			for (src += 2; (*src >= '0' && *src <= '9') ||
			    (*src >= 'a' && *src <= 'f'); src++)
				;
		} else
			dst[k++] = *src++;
	}
	dst[k] = '\0';
}

static void
returning_handler(const char *func, const char *msg)
{
	char buf[200];

	violations++;
	mask_addresses(buf, sizeof(buf), msg);
	snprintf(last_msg, sizeof(last_msg), "%s: %s", func, buf);
}

static void
print_stats(const char *label)
{
	struct mbstat st;
	size_t len = sizeof(st);
	int name[1] = { MBUF_STATS };
	int i;

	mbuf_stats_sync();
	printf("%s: leak %d;", label, mbuf_leak_count());
	for (i = 0; i < 256; i++)
		if (mbstat.m_mtypes[i] != 0)
			printf(" type %d: %u", i, mbstat.m_mtypes[i]);
	if (mbuf_sysctl(name, 1, &st, &len, NULL, 0) == 0)
		printf("; drops %lu wait %lu drain %lu", st.m_drops, st.m_wait,
		    st.m_drain);
	printf("; violations %ld\n", violations);
}

/* ---- model: random sequences against a model of what is live --------------- */

#define	NSLOTS		12
#define	NSTEPS		3000	/* 500 under an emulator (qemu-user) */
#define	NTYPES		4

static const int types[NTYPES] = { MT_DATA, MT_HEADER, MT_SONAME, MT_CONTROL };

/* one live mbuf of the model; clusters are shared through a record */
struct cl_rec {
	int	refs;		/* live mbufs using it */
	int	holder_gone;	/* the holder was freed: a zombie */
};

static struct slot {
	struct mbuf	*m;	/* NULL: empty */
	int		type;
	struct cl_rec	*cl;	/* NULL: no cluster */
} slots[NSLOTS];

static int live_types[256], zombies, clusters;
static uint64_t rnd = 12345;

static unsigned
next_rand(void)
{
	rnd = rnd * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(rnd >> 33);
}

/* the model's side of freeing slot i (the library's is done) */
static void
model_free(int i)
{
	struct slot *s = &slots[i];

	live_types[s->type]--;
	if (s->cl != NULL) {
		struct cl_rec *c = s->cl;

		c->refs--;
		if (c->refs == 0) {
			if (c->holder_gone)
				zombies--;
			clusters--;
			free(c);
		}
	}
	s->m = NULL;
	s->cl = NULL;
}

static int
expect_model(int step)
{
	int i, ok = 1, want = 0;

	mbuf_stats_sync();
	for (i = 0; i < 256; i++) {
		want += live_types[i];
		if (mbstat.m_mtypes[i] != (unsigned)live_types[i]) {
			printf("step %d: type %d: mbstat %u, model %d\n", step,
			    i, mbstat.m_mtypes[i], live_types[i]);
			ok = 0;
		}
	}
	if (mbuf_leak_count() != want + zombies + clusters) {
		printf("step %d: leak count %d, model %d mbufs + %d zombies + "
		    "%d clusters\n", step, mbuf_leak_count(), want, zombies,
		    clusters);
		ok = 0;
	}
	return ok;
}

/* a use of f, just freed: reported once, nothing done */
static int
misuse_freed(int step, struct mbuf *f, unsigned how)
{
	unsigned char buf[8];
	long v0 = violations;

	switch (how) {
	case 0:
		m_freem(f);
		break;
	case 1:
		(void)m_free(f);
		break;
	case 2:
		m_copydata(f, 0, 4, buf);
		break;
	default:
		MCLGET(f, M_DONTWAIT);
		break;
	}
	if (violations == v0 + 1)
		return 1;
	printf("step %d: misuse %u of a freed mbuf reported %ld times\n",
	    step, how, violations - v0);
	return 0;
}

/*
 * Each step draws the same random numbers whatever happens, so the three
 * runs take the same steps (which slots the library hands out differs).
 */
static void
child_model(void)
{
	int step, i, j, ok = 1, nsteps;

	alarm(120);
	nsteps = getenv("MBUF_TEST_EXEC") != NULL ? 500 : NSTEPS;
	mbuf_set_panic_handler(returning_handler);
	for (step = 0; step < nsteps && ok; step++) {
		unsigned op = next_rand() % 10, how = next_rand() % 8;
		int type = types[next_rand() % NTYPES];
		struct slot *s;

		i = (int)(next_rand() % NSLOTS);
		s = &slots[i];
		if (s->m == NULL) {
			s->type = type;
			switch (op % 3) {
			case 0:
				s->m = m_getcl(M_DONTWAIT, type,
				    how % 2 ? M_PKTHDR : 0);
				break;
			case 1:
				s->m = m_gethdr(M_DONTWAIT, type);
				MCLGET(s->m, M_DONTWAIT);
				break;
			default:
				s->m = m_get(M_DONTWAIT, type);
				break;
			}
			live_types[type]++;
			if (s->m->m_flags & M_EXT) {
				s->cl = calloc(1, sizeof(*s->cl));
				s->cl->refs = 1;
				clusters++;
			}
			s->m->m_len = 100;
			if (s->m->m_flags & M_PKTHDR)
				s->m->m_pkthdr.len = 100;
			memset(mtod(s->m, char *), i, 100);
		} else if (op < 4) {
			/* share: a copy of slot i into an empty slot */
			for (j = 0; j < NSLOTS && slots[j].m != NULL; j++)
				;
			if (j < NSLOTS) {
				slots[j].m = m_copym(s->m, 0, M_COPYALL,
				    M_DONTWAIT);
				slots[j].type = s->type;
				live_types[s->type]++;
				if (s->cl != NULL) {
					slots[j].cl = s->cl;
					s->cl->refs++;
				}
			}
		} else {
			/* free slot i (a holder may become a zombie), and
			   now and then misuse what was freed */
			struct mbuf *m = s->m;

			if (s->cl != NULL && m->m_ext_ref == m &&
			    s->cl->refs > 1) {
				s->cl->holder_gone = 1;
				zombies++;
			}
			if (how % 2)
				m_freem(m);
			else
				(void)m_free(m);
			model_free(i);
			if (how >= 4)
				ok &= misuse_freed(step, m, how - 4);
		}
		ok &= expect_model(step);
		if (step % 250 == 0) {
			char label[32];

			snprintf(label, sizeof(label), "step %d", step);
			print_stats(label);
		}
	}
	for (i = 0; i < NSLOTS; i++)
		if (slots[i].m != NULL) {
			m_freem(slots[i].m);
			model_free(i);
		}
	ok &= expect_model(nsteps);
	print_stats("end");
	printf("last violation: %s\n", last_msg);
	if (ok && violations > 0 && mbuf_leak_count() == 0 &&
	    tu_all_types_zero())
		printf("model: ok\n");
	fflush(stdout);
	exit(0);
}

/* ---- misuse of pair-cached slots ------------------------------------------ */

static void
report(const char *what, long v0)
{
	printf("%s: %ld report(s), %s\n", what, violations - v0, last_msg);
}

static void
child_misuse(void)
{
	struct mbuf *m, *c, *again, *other;
	unsigned char buf[4];
	long v0;

	alarm(60);
	mbuf_set_panic_handler(returning_handler);
	/* freed into the pair cache (pairs on) */
	m = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);
	m->m_len = m->m_pkthdr.len = 10;
	m_freem(m);
	print_stats("freed");
	v0 = violations;
	m_freem(m);
	report("double m_freem", v0);
	v0 = violations;
	(void)m_free(m);
	report("double m_free", v0);
	v0 = violations;
	m_copydata(m, 0, 4, buf);
	report("m_copydata of freed", v0);
	v0 = violations;
	MCLGET(m, M_DONTWAIT);
	report("MCLGET on freed", v0);
	print_stats("after misuse");

	/* the same slots are handed out once, and work */
	again = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);
	other = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);
	printf("distinct: %s; clusters distinct: %s\n",
	    again != other ? "yes" : "NO",
	    again->m_ext_storage.ext_buf != other->m_ext_storage.ext_buf ?
	    "yes" : "NO");
	CHECK(again != other);
	m_freem(other);

	/* a sharer of a pair-cached holder's cluster, freed twice */
	again->m_len = again->m_pkthdr.len = 50;
	c = m_copym(again, 0, M_COPYALL, M_DONTWAIT);
	m_freem(again);			/* the holder: a zombie */
	print_stats("holder freed");
	m_freem(c);			/* the last reference */
	print_stats("sharer freed");
	v0 = violations;
	m_freem(c);
	report("double m_freem of sharer", v0);
	v0 = violations;
	m_freem(again);
	report("double m_freem of holder", v0);
	print_stats("end");
	if (violations == 6 && mbuf_leak_count() == 0 && tu_all_types_zero() &&
	    tu_failures == 0)
		printf("misuse: ok\n");
	fflush(stdout);
	exit(0);
}

/* ---- allocations in a signal handler (the caches alone) ------------------- */

#define	MANY	2000
static struct mbuf *many[MANY];
static volatile int nmbufs, ncls, step;

static void
on_signal(int sig)
{
	(void)sig;
	if (step == 1)
		for (nmbufs = 0; nmbufs < MANY; nmbufs++)
			if ((many[nmbufs] = m_get(M_DONTWAIT, MT_DATA)) ==
			    NULL)
				break;
	if (step == 2)
		for (ncls = 0; ncls < MANY; ncls++)
			if ((many[ncls] = m_getcl(M_DONTWAIT, MT_DATA,
			    M_PKTHDR)) == NULL)
				break;
}

static void
child_handler(void)
{
	struct sigaction sa;
	struct mbuf *keep[40];
	int i;

	alarm(60);
	/* first calls, one into Go: the thread learns its signal stack */
	keep[0] = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);
	keep[0]->m_len = keep[0]->m_pkthdr.len = 20;
	m_freem(m_dup(keep[0], 0, 10, M_DONTWAIT));
	m_freem(keep[0]);
	mbuf_set_panic_handler(returning_handler);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	/* 30 clusters freed: 30 pairs (pairs on), then mbufs until the
	   cache has none: the pairs' too */
	for (i = 0; i < 30; i++)
		keep[i] = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);
	for (i = 0; i < 30; i++)
		m_freem(keep[i]);
	step = 1;
	raise(SIGUSR1);
	for (i = 0; i < nmbufs; i++)
		m_freem(many[i]);
	/* again, then clusters until the cache has none */
	for (i = 0; i < 30; i++)
		keep[i] = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);
	for (i = 0; i < 30; i++)
		m_freem(keep[i]);
	step = 2;
	raise(SIGUSR1);
	step = 0;
	printf("in a handler: %d m_get; %d m_getcl\n", nmbufs, ncls);
	for (i = 0; i < ncls; i++)
		m_freem(many[i]);
	print_stats("end");
	if (ncls >= 30 && nmbufs > 30 && mbuf_leak_count() == 0 &&
	    tu_all_types_zero())
		printf("handler: ok\n");
	fflush(stdout);
	exit(0);
}

/* ---- pairs at the cluster limit -------------------------------------------- */

#define	LIMIT		240
#define	WORKERS		8
#define	EACH		30	/* <= the pair magazine: all cached as pairs */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t turn = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int ready, release_workers, worker_short;

static void *
pair_worker(void *arg)
{
	struct mbuf *m[EACH];
	int i, got = 0, stay = arg != NULL;

	pthread_mutex_lock(&turn);	/* one at a time: no contention */
	for (i = 0; i < EACH; i++)
		if ((m[i] = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR)) != NULL)
			got++;
	for (i = 0; i < EACH; i++)
		m_freem(m[i]);
	pthread_mutex_unlock(&turn);
	pthread_mutex_lock(&lock);
	ready++;
	worker_short += EACH - got;
	pthread_cond_broadcast(&cond);
	while (stay && !release_workers)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	return NULL;
}

static int
take_all(struct mbuf **held, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if ((held[i] = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR)) == NULL)
			break;
	return i;
}

static void
limit_case(int stay)
{
	pthread_t th[WORKERS];
	struct mbuf *held[LIMIT + 1];
	int i, n, more;

	alarm(60);
	nmbclusters = LIMIT;
	ready = release_workers = worker_short = 0;
	for (i = 0; i < WORKERS; i++)
		pthread_create(&th[i], NULL, pair_worker,
		    stay ? (void *)1 : NULL);
	pthread_mutex_lock(&lock);
	while (ready < WORKERS)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	if (!stay)
		for (i = 0; i < WORKERS; i++)
			pthread_join(th[i], NULL);
	n = take_all(held, LIMIT);
	more = take_all(held + n, 1);
	printf("%s workers cached %d pairs each (%d short); main got %d of "
	    "%d, then %d over the limit\n", stay ? "idle" : "exited", EACH,
	    worker_short, n, LIMIT, more);
	for (i = 0; i < n + more; i++)
		m_freem(held[i]);
	if (stay) {
		pthread_mutex_lock(&lock);
		release_workers = 1;
		pthread_cond_broadcast(&cond);
		pthread_mutex_unlock(&lock);
		for (i = 0; i < WORKERS; i++)
			pthread_join(th[i], NULL);
	}
	if (worker_short == 0 && n == LIMIT && more == 0 &&
	    mbuf_leak_count() == 0 && tu_all_types_zero())
		printf("limit: ok\n");
	fflush(stdout);
	exit(0);
}

static void child_limit_idle(void) { limit_case(1); }
static void child_limit_exited(void) { limit_case(0); }

/*
 * Threads that cache pairs and exit while another takes the whole limit
 * (so a steal runs as they exit): a pair read by an exiting thread for
 * the orphan stacks must not be taken by the stealer too, or the same
 * slot is handed out twice (a duplicate among the clusters taken, or a
 * double free reported).  Waves of exits, with the scheduler fallback
 * too (MBUF_NO_MEMBARRIER=1: the stealer holds the registry for its
 * 2 ms wait, so exits pile up behind it).
 */
#define	WAVES		(getenv("MBUF_TEST_EXEC") != NULL ? 5 : 40)
#define	WAVE_THREADS	4

static pthread_barrier_t wave_ready, wave_go;
static long churn_violations;

static void
count_violation(const char *func, const char *msg)
{
	(void)func;
	(void)msg;
	__atomic_add_fetch(&churn_violations, 1, __ATOMIC_RELAXED);
}

static void *
exiter(void *arg)
{
	struct mbuf *m[EACH];
	int i;

	(void)arg;
	for (i = 0; i < EACH; i++)
		m[i] = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);
	for (i = 0; i < EACH; i++)
		m_freem(m[i]);
	pthread_barrier_wait(&wave_ready);
	pthread_barrier_wait(&wave_go);
	return NULL;		/* exits with its pairs cached */
}

static int
cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(void *const *)a, y = (uintptr_t)*(void *const *)b;

	return x < y ? -1 : x > y;
}

static void
child_exit_churn(void)
{
	pthread_t th[WAVE_THREADS];
	struct mbuf *held[LIMIT + 1];
	char *cl[LIMIT + 1];
	int w, i, n, dups = 0, short_waves = 0;

	alarm(100);
	nmbclusters = LIMIT;
	mbuf_set_panic_handler(count_violation);
	pthread_barrier_init(&wave_ready, NULL, WAVE_THREADS + 1);
	pthread_barrier_init(&wave_go, NULL, WAVE_THREADS + 1);
	for (w = 0; w < WAVES; w++) {
		for (i = 0; i < WAVE_THREADS; i++)
			pthread_create(&th[i], NULL, exiter, NULL);
		pthread_barrier_wait(&wave_ready);
		pthread_barrier_wait(&wave_go);	/* they exit now */
		n = take_all(held, LIMIT);
		for (i = 0; i < n; i++)
			cl[i] = held[i]->m_ext_storage.ext_buf;
		qsort(cl, (size_t)n, sizeof(cl[0]), cmp_ptr);
		qsort(held, (size_t)n, sizeof(held[0]), cmp_ptr);
		for (i = 1; i < n; i++)
			dups += cl[i] == cl[i - 1] || held[i] == held[i - 1];
		short_waves += n < LIMIT;
		for (i = 0; i < WAVE_THREADS; i++)
			pthread_join(th[i], NULL);
		for (i = 0; i < n; i++)
			if (i == 0 || held[i] != held[i - 1])
				m_freem(held[i]);
	}
	mbuf_set_panic_handler(NULL);
	n = take_all(held, LIMIT);
	for (i = 0; i < n; i++)
		m_freem(held[i]);
	printf("%d waves of %d exiting threads: %d duplicates, %ld "
	    "violations, %d of %d clusters afterwards\n", WAVES,
	    WAVE_THREADS, dups, churn_violations, n, LIMIT);
	/* (a wave may fall short while exits are under way: not counted) */
	(void)short_waves;
	if (dups == 0 && churn_violations == 0 && n == LIMIT &&
	    mbuf_leak_count() == 0 && tu_all_types_zero())
		printf("exit churn: ok\n");
	fflush(stdout);
	exit(0);
}

/* ---- the three runs of each case ------------------------------------------- */

static const struct tu_death_case children[] = {
	{ "model", child_model },
	{ "misuse", child_misuse },
	{ "handler", child_handler },
	{ "limit_idle", child_limit_idle },
	{ "limit_exited", child_limit_exited },
	{ "exit_churn", child_exit_churn },
	{ NULL, NULL },
};

static const char *const modes[3][3] = {
	{ "MBUF_PAIR_CACHE", "MBUF_FASTPATH", NULL },
	{ "MBUF_PAIR_CACHE=0", "MBUF_FASTPATH", NULL },
	{ "MBUF_PAIR_CACHE", "MBUF_FASTPATH=0", NULL },
};
static const char *const mode_names[3] = {
	"pairs on", "pairs off", "fast paths off"
};

/*
 * Case name in the modes: each passes, and all say the same.  nmodes 2
 * leaves the core alone out (a signal handler cannot enter it).
 */
static void
run_modes(const char *name, const char *want, int nmodes)
{
	static char out[3][32768];
	int k;

	for (k = 0; k < nmodes; k++)
		tu_expect_child(name, mode_names[k], 120,
		    (const char *const *)modes[k], want, out[k], sizeof(out[k]));
	for (k = 1; k < nmodes; k++) {
		tu_checks++;
		if (strcmp(out[0], out[k]) != 0) {
			tu_failures++;
			fprintf(stderr, "case %s: %s and %s differ:\n--- %s\n"
			    "%s--- %s\n%s", name, mode_names[0], mode_names[k],
			    mode_names[0], out[0], mode_names[k], out[k]);
		}
	}
	printf("%s:\n%s", name, out[0]);
}

/* a case whose output depends on the scheduling: pairs on only */
static void
run_one(const char *name, const char *want, int fallback)
{
	static const char *const env[2] = { "MBUF_NO_MEMBARRIER=1", NULL };
	static char out[8192];
	const char *label = fallback ? "fallback" : "membarrier";

	if (tu_expect_child(name, label, 120, fallback ? env : NULL, want, out,
	    sizeof(out)))
		printf("%s (%s):\n%s", name, label, out);
}

int
main(int argc, char **argv)
{
	TU_CHILD_MAIN(argc, argv, children);
	run_modes("model", "model: ok", 3);
	run_modes("misuse", "misuse: ok", 3);
	/* (under qemu-user a thread may come back from a signal handler
	   with another thread's TLS: mk/ilp32-exec.sh) */
	if (getenv("MBUF_TEST_EXEC") == NULL)
		run_modes("handler", "handler: ok", 2);
	run_modes("limit_idle", "limit: ok", 3);
	run_modes("limit_exited", "limit: ok", 3);
	run_one("exit_churn", "exit churn: ok", 0);
	run_one("exit_churn", "exit churn: ok", 1);
	return tu_finish("test_pairs");
}
