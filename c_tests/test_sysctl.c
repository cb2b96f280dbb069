/*
 * kern.mbuf as a call (mbuf_sysctl): the seed's rules for each node, and
 * MBUFTRACE owners (mowner_attach, MCLAIM, m_claimm) seen through
 * kern.mbuf.mowners.
 */
#define MBUFTRACE 1
#include <errno.h>
#include <pthread.h>
#include <spawn.h>

#include "testutil.h"

static int
get_int(int node, int *v)
{
	size_t len = sizeof(*v);

	return mbuf_sysctl(&node, 1, v, &len, NULL, 0);
}

static int
set_int(int node, int v)
{
	return mbuf_sysctl(&node, 1, NULL, NULL, &v, sizeof(v));
}

static void
test_int_nodes(void)
{
	int v = 0, node = MBUF_MSIZE, big = 1 << 30;
	size_t len = 2;

	CHECK_EQ(get_int(MBUF_MSIZE, &v), 0);
	CHECK_EQ(v, MSIZE);
	CHECK_EQ(get_int(MBUF_MCLBYTES, &v), 0);
	CHECK_EQ(v, MCLBYTES);
	CHECK_EQ(set_int(MBUF_MSIZE, 1024), EPERM);
	CHECK_EQ(set_int(MBUF_MCLBYTES, 1024), EPERM);
	CHECK_EQ(mbuf_sysctl(&node, 1, &v, &len, NULL, 0), ENOMEM);

	CHECK_EQ(get_int(MBUF_NMBCLUSTERS, &v), 0);
	CHECK_EQ(v, nmbclusters);
	CHECK_EQ(set_int(MBUF_NMBCLUSTERS, v - 1), EINVAL);	/* only grows */
	CHECK_EQ(set_int(MBUF_NMBCLUSTERS, -5), EINVAL);
	CHECK_EQ(set_int(MBUF_NMBCLUSTERS, big), EINVAL);	/* past the arena */
	CHECK_EQ(set_int(MBUF_NMBCLUSTERS, v + 100), 0);
	CHECK_EQ(nmbclusters, v + 100);

	CHECK_EQ(set_int(MBUF_MBLOWAT, -1), EINVAL);
	CHECK_EQ(set_int(MBUF_MBLOWAT, 64), 0);
	CHECK_EQ(mblowat, 64);
	CHECK_EQ(set_int(MBUF_MCLLOWAT, 32), 0);
	CHECK_EQ(get_int(MBUF_MCLLOWAT, &v), 0);
	CHECK_EQ(v, 32);
	{
		int bad = 99;
		size_t l = sizeof(v);

		CHECK_EQ(mbuf_sysctl(&bad, 1, &v, &l, NULL, 0), ENOENT);
		CHECK_EQ(mbuf_sysctl(&bad, 0, &v, &l, NULL, 0), EINVAL);
		node = MBUF_MBLOWAT;
		CHECK_EQ(mbuf_sysctl(&node, 1, NULL, NULL, &v, 2), EINVAL);
	}
}

static void
test_stats_node(void)
{
	struct mbstat st;
	size_t len = sizeof(st);
	int node = MBUF_STATS;
	struct mbuf *m = m_get(M_DONTWAIT, MT_CONTROL);

	CHECK_EQ(mbuf_sysctl(&node, 1, &st, &len, NULL, 0), 0);
	CHECK_EQ(len, sizeof(struct mbstat));
	CHECK_EQ(st.m_mtypes[MT_CONTROL], 1);
	CHECK_EQ(mbuf_sysctl(&node, 1, NULL, NULL, &st, sizeof(st)), EPERM);
	len = 0;
	CHECK_EQ(mbuf_sysctl(&node, 1, NULL, &len, NULL, 0), 0);
	CHECK_EQ(len, sizeof(struct mbstat));
	m_free(m);
	{
		unsigned long d = mbstat.m_drain;

		m_reclaim(NULL, 0);
		CHECK_EQ(mbstat.m_drain, d + 1);
	}
}

static struct mowner my_owner = MOWNER_INIT("wm0", "rx");

static void
test_mowners(void)
{
	int node = MBUF_MOWNERS, sub[2] = { MBUF_MOWNERS, 1 };
	struct mowner buf[32];
	size_t len = 0, n, i;
	int found = 0;
	struct mbuf *m, *c;

	MOWNER_ATTACH(&my_owner);
	CHECK_EQ(mbuf_sysctl(&node, 1, NULL, &len, NULL, 0), 0);
	n = len / sizeof(struct mowner);
	CHECK(n >= 10);			/* 8 unknown, revoked, ours */
	CHECK(n <= 32);
	len = sizeof(struct mowner);
	CHECK_EQ(mbuf_sysctl(&node, 1, buf, &len, NULL, 0), ENOMEM);
	CHECK_EQ(mbuf_sysctl(sub, 2, NULL, &len, NULL, 0), EINVAL);
	CHECK_EQ(mbuf_sysctl(&node, 1, NULL, NULL, buf, 8), EPERM);

	m = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);
	m->m_len = m->m_pkthdr.len = 100;
	m->m_next = m_get(M_DONTWAIT, MT_DATA);
	MCLAIM(m, &my_owner);
	CHECK(m->m_owner == &my_owner);
	m_claimm(m, &my_owner);
	CHECK(m->m_next->m_owner == &my_owner);
	c = m_copym(m, 0, M_COPYALL, M_DONTWAIT);

	len = sizeof(buf);
	CHECK_EQ(mbuf_sysctl(&node, 1, buf, &len, NULL, 0), 0);
	for (i = 0; i < len / sizeof(struct mowner); i++)
		if (strcmp(buf[i].mo_name, "wm0") == 0 &&
		    strcmp(buf[i].mo_descr, "rx") == 0) {
			found = 1;
			CHECK(buf[i].mo_claims >= 2);
			CHECK(buf[i].mo_cluster_claims >= 1);
		}
	CHECK(found);
	m_freem(c);
	m_freem(m);
	MOWNER_DETACH(&my_owner);
	len = 0;
	CHECK_EQ(mbuf_sysctl(&node, 1, NULL, &len, NULL, 0), 0);
	CHECK_EQ(len / sizeof(struct mowner), n - 1);
}

/*
 * The list behind kern.mbuf.mowners is changed by mowner_attach/detach
 * on some threads while others read it: one lock guards it for both, so
 * every snapshot is a consistent list (each owner at most once, the
 * built-in ones always there).  Before, readers walked it under a lock
 * of their own and could meet an owner twice.
 */
#define	OWNER_THREADS	4
static struct mowner churn[OWNER_THREADS] = {
	MOWNER_INIT("t0", "churn"), MOWNER_INIT("t1", "churn"),
	MOWNER_INIT("t2", "churn"), MOWNER_INIT("t3", "churn"),
};
static int churn_rounds;
static volatile int churn_done;

static void *
churn_main(void *arg)
{
	struct mowner *mo = arg;
	int i;

	for (i = 0; i < churn_rounds; i++) {
		mowner_attach(mo);
		mowner_detach(mo);
	}
	return NULL;
}

static void *
reader_main(void *arg)
{
	int node = MBUF_MOWNERS, *bad = arg;
	struct mowner buf[64];
	size_t len, i, j, n;

	while (!churn_done) {
		len = sizeof(buf);
		if (mbuf_sysctl(&node, 1, buf, &len, NULL, 0) != 0) {
			(*bad)++;
			continue;
		}
		n = len / sizeof(buf[0]);
		if (n < MT_OOBDATA + 2 || n > MT_OOBDATA + 2 + OWNER_THREADS)
			(*bad)++;
		for (i = 0; i < n; i++)
			for (j = i + 1; j < n; j++)
				if (strcmp(buf[i].mo_name, buf[j].mo_name) == 0 &&
				    strcmp(buf[i].mo_descr, buf[j].mo_descr) == 0)
					(*bad)++;
	}
	return NULL;
}

static void
test_mowners_threads(int rounds)
{
	pthread_t w[OWNER_THREADS], r[2];
	int bad[2] = { 0, 0 }, i;

	churn_rounds = rounds;
	churn_done = 0;
	for (i = 0; i < 2; i++)
		pthread_create(&r[i], NULL, reader_main, &bad[i]);
	for (i = 0; i < OWNER_THREADS; i++)
		pthread_create(&w[i], NULL, churn_main, &churn[i]);
	for (i = 0; i < OWNER_THREADS; i++)
		pthread_join(w[i], NULL);
	churn_done = 1;
	for (i = 0; i < 2; i++)
		pthread_join(r[i], NULL);
	CHECK_EQ(bad[0] + bad[1], 0);
}

/*
 * A race on the list is rare in a plain run, so the same churn also runs
 * under valgrind's helgrind, which reports any two accesses to it not
 * ordered by a common lock, however the threads happen to interleave.
 * (The Go runtime gives helgrind much else to say; only reports naming
 * the list's functions count.)
 */
static void
test_mowners_helgrind(const char *self)
{
	static char out[1 << 20];
	const char *vg = "/usr/bin/valgrind";
	char *argv[] = { (char *)vg, (char *)"--tool=helgrind",
	    (char *)"--num-callers=12", (char *)self, (char *)"--churn", NULL };
	char *envp[] = { (char *)"GODEBUG=cpu.rdtscp=off,asyncpreemptoff=1",
	    NULL };
	const char *names[] = { "mowner_attach", "mowner_detach",
	    "mbuf__owners_copy", "mowners_node", NULL };
	posix_spawn_file_actions_t fa;
	char *block, *next;
	size_t n = 0;
	ssize_t got;
	int p[2], status, k, races = 0;
	pid_t pid;

	if (getenv("MBUF_TEST_UNDER_VALGRIND") != NULL ||
	    getenv("MBUF_TEST_UNDER_SANITIZER") != NULL || access(vg, X_OK) != 0 ||
	    getenv("MBUF_TEST_EXEC") != NULL) {	/* no i386 valgrind under qemu */
		printf("test_sysctl: helgrind check of the mowners list skipped\n");
		return;
	}
	if (pipe(p) != 0)
		return;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	CHECK(posix_spawn(&pid, vg, &fa, NULL, argv, envp) == 0);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	while (n < sizeof(out) - 1 &&
	    (got = read(p[0], out + n, sizeof(out) - 1 - n)) > 0)
		n += (size_t)got;
	out[n] = '\0';
	close(p[0]);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* each report runs to helgrind's next line of dashes */
	for (block = strstr(out, "Possible data race"); block != NULL;
	    block = next) {
		next = strstr(block, "----------------");
		if (next != NULL)
			*next++ = '\0';
		for (k = 0; names[k] != NULL; k++)
			if (strstr(block, names[k]) != NULL) {
				races++;
				fprintf(stderr, "helgrind: race on the mowners "
				    "list: %s\n", block);
				break;
			}
		if (next != NULL)
			next = strstr(next, "Possible data race");
	}
	CHECK_EQ(races, 0);
}

int
main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--churn") == 0) {
		test_mowners_threads(200);
		return tu_finish("test_sysctl --churn");
	}
	test_int_nodes();
	test_stats_node();
	test_mowners();
	test_mowners_threads(getenv("MBUF_TEST_UNDER_VALGRIND") != NULL ?
	    2000 : 200000);
	test_mowners_helgrind(argv[0]);
	CHECK(tu_all_types_zero());
	return tu_finish("test_sysctl");
}
