/*
 * Drain hooks that allocate (issue 11 item 5).
 *
 * At the cluster limit an allocation runs the drain hooks (m_reclaim)
 * and retries.  A hook that itself allocates at the limit used to run the
 * hooks again from inside, and again, until the stack overflowed.  The
 * contract now: an allocation made inside a drain hook never runs the
 * hooks again on that thread; it gets what is free, or fails at once
 * (NULL, counted in mbstat.m_drops), M_WAIT included.  m_reclaim called
 * from inside a hook returns at once.
 *
 * Each scenario runs in a child with a timeout: a stack overflow or a hang
 * there is a failure here.
 */
#include <errno.h>
#include <pthread.h>
#include <spawn.h>
#include <time.h>

#include "testutil.h"

#define	CHILD_TIMEOUT	30
#define	LIMIT		20

/* ---- in the child ------------------------------------------------------------ */

static struct mbuf *held[LIMIT + 1];
static int nheld;

/* take every cluster the limit allows */
static void
exhaust(void)
{
	nmbclusters = LIMIT;
	while (nheld < LIMIT + 1 &&
	    (held[nheld] = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR)) != NULL)
		nheld++;
	CHECK_EQ(nheld, LIMIT);
}

static void
release(void)
{
	while (nheld > 0)
		m_freem(held[--nheld]);
}

static int hook_calls, hook_how, hook_depth, hook_max_depth;
static int inner_got_cluster, inner_got_mbuf, inner_reclaim_returned;

/* a hook that wants a cluster (and an mbuf) for its own bookkeeping */
static void
allocating_hook(void *arg)
{
	struct mbuf *m;

	(void)arg;
	hook_calls++;
	if (++hook_depth > hook_max_depth)
		hook_max_depth = hook_depth;
	m = m_getcl(hook_how, MT_DATA, 0);	/* at the limit: must fail */
	if (m != NULL) {
		inner_got_cluster++;
		m_freem(m);
	}
	m = m_get(hook_how, MT_DATA);		/* mbufs are free: fine */
	if (m != NULL) {
		inner_got_mbuf++;
		m_free(m);
	}
	m_reclaim(NULL, 0);			/* returns at once */
	inner_reclaim_returned++;
	hook_depth--;
}

static int
guard_case(int how)
{
	unsigned long drops0, drains0;
	struct mbuf *m;

	hook_how = how;
	exhaust();
	CHECK_EQ(mbuf_register_drain(allocating_hook, NULL), 0);
	drops0 = mbstat.m_drops;
	drains0 = mbstat.m_drain;
	m = m_getcl(how, MT_DATA, M_PKTHDR);
	CHECK(m == NULL);
	CHECK_EQ(hook_calls, 1);
	CHECK_EQ(hook_max_depth, 1);
	CHECK_EQ(inner_got_cluster, 0);
	CHECK_EQ(inner_got_mbuf, 1);
	CHECK_EQ(inner_reclaim_returned, 1);
	CHECK_EQ(mbstat.m_drain, drains0 + 1);
	/* the hook's failed m_getcl and the outer one */
	CHECK_EQ(mbstat.m_drops, drops0 + 2);

	/* m_reclaim called by the program: the hooks run once, no deeper */
	hook_calls = hook_max_depth = 0;
	m_reclaim(NULL, 0);
	CHECK_EQ(hook_calls, 1);
	CHECK_EQ(hook_max_depth, 1);

	/* below the limit again, everything works */
	release();
	CHECK_EQ(mbuf_unregister_drain(allocating_hook, NULL), 0);
	m = m_getcl(how, MT_DATA, M_PKTHDR);
	CHECK(m != NULL);
	m_freem(m);
	CHECK_EQ(mbuf_leak_count(), 0);
	return tu_failures == 0 ? 0 : 1;
}

static int child_dontwait(void) { return guard_case(M_DONTWAIT); }
static int child_wait(void) { return guard_case(M_WAIT); }

/*
 * The guard is per thread: while one thread runs a hook, another thread
 * at the limit runs the hooks itself (they may run concurrently).
 */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int in_hook, other_done, other_hook_calls;

static void
waiting_hook(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	if (in_hook++ == 0) {
		/* the first caller waits until the other thread is through */
		while (!other_done)
			pthread_cond_wait(&cv, &mu);
	} else
		other_hook_calls++;
	pthread_mutex_unlock(&mu);
}

static void *
other_thread(void *arg)
{
	struct mbuf *m;

	(void)arg;
	m = m_getcl(M_DONTWAIT, MT_DATA, 0);	/* at the limit: runs the hooks */
	if (m != NULL)
		m_freem(m);
	pthread_mutex_lock(&mu);
	other_done = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	return m;
}

static void *
first_thread(void *arg)
{
	struct mbuf *m = m_getcl(M_DONTWAIT, MT_DATA, 0);

	(void)arg;
	if (m != NULL)
		m_freem(m);
	return m;
}

static int
child_threads(void)
{
	pthread_t a, b;
	void *ra, *rb;

	exhaust();
	CHECK_EQ(mbuf_register_drain(waiting_hook, NULL), 0);
	pthread_create(&a, NULL, first_thread, NULL);
	/* wait until a is inside the hook */
	for (;;) {
		int in;

		pthread_mutex_lock(&mu);
		in = in_hook;
		pthread_mutex_unlock(&mu);
		if (in > 0)
			break;
		usleep(1000);
	}
	pthread_create(&b, NULL, other_thread, NULL);
	pthread_join(b, &rb);
	pthread_join(a, &ra);
	CHECK(ra == NULL && rb == NULL);
	CHECK_EQ(other_hook_calls, 1);
	release();
	CHECK_EQ(mbuf_unregister_drain(waiting_hook, NULL), 0);
	CHECK_EQ(mbuf_leak_count(), 0);
	return tu_failures == 0 ? 0 : 1;
}

/* ---- the parent ---------------------------------------------------------------- */

static const struct {
	const char *name;
	int (*fn)(void);
} children[] = {
	{ "dontwait", child_dontwait },
	{ "wait", child_wait },
	{ "threads", child_threads },
};

int
main(int argc, char **argv)
{
	char out[16384];
	size_t i;
	int st;

	tu_self = argv[0];
	if (argc == 3 && strcmp(argv[1], "--child") == 0) {
		for (i = 0; i < sizeof(children) / sizeof(children[0]); i++)
			if (strcmp(children[i].name, argv[2]) == 0)
				return children[i].fn();
		fprintf(stderr, "no child %s\n", argv[2]);
		return 3;
	}
	for (i = 0; i < sizeof(children) / sizeof(children[0]); i++) {
		st = tu_run_child(children[i].name, CHILD_TIMEOUT, out, sizeof(out));
		tu_checks++;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			tu_failures++;
			/* a stack overflow prints a long Go traceback: the head */
			out[4000] = '\0';
			fprintf(stderr, "child %s: status %#x, output:\n%s\n",
			    children[i].name, st, out);
		}
	}
	return tu_finish("test_drain_guard");
}
