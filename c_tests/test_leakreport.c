/*
 * The leak report against hostile state (issue 11 item 5).
 *
 * m_owner is an ordinary field that callers write: it may hold a bad
 * pointer (0x10) or point at a struct mowner whose memory is gone (an
 * owner in an unloaded plugin, simulated here with munmap).  The census
 * must name such an mbuf without reading through the pointer, report
 * no internal error, and leave no lock behind (the next refill must not
 * hang).  An ext_free callback that never gives its mbuf back with
 * pool_cache_put leaves it "freeing": the report counts it and names the
 * callback.
 *
 * Each scenario runs in a child of its own (a hang or a crash there is a
 * failure here, not the end of the test run), started with a timeout.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <time.h>

#include "testutil.h"

#define	CHILD_TIMEOUT	30	/* seconds; a hang is a failure */

/* ---- running a child ------------------------------------------------------ */

/*
 * Run this program with "--child NAME" in an environment without the
 * library's debug and leak-report switches, plus env's settings
 * (NULL-terminated); collect stderr and stdout into out.  Returns the wait
 * status (SIGKILL for a child still running after CHILD_TIMEOUT seconds).
 */
static int
run_child(const char *name, const char *const *env, char *out, size_t outsz)
{
	const char *changes[16] = { "MBUF_DEBUG", "MBUF_LEAK_REPORT" };
	size_t k = 2;

	while (env != NULL && *env != NULL && k < 15)
		changes[k++] = *env++;
	changes[k] = NULL;
	return tu_run_child_env(name, CHILD_TIMEOUT, changes, out, outsz);
}

/* the child exited 0 (and said nothing alarming) */
static void
expect_clean_exit(const char *name, const char *const *env)
{
	char out[16384];
	int st = run_child(name, env, out, sizeof(out));

	tu_checks++;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		tu_failures++;
		fprintf(stderr, "child %s: status %#x, output:\n%s\n", name, st,
		    out);
	}
}

/* ---- in the child: any violation is recorded, the call returns ------------ */

static char violation[1024];

static void
record_violation(const char *func, const char *msg)
{
	if (violation[0] == '\0')
		snprintf(violation, sizeof(violation), "%s: %s", func, msg);
}

static char report[8192];

/* mbuf_leak_report into report[]; returns its count */
static int
take_report(void)
{
	FILE *f = tmpfile();
	size_t n;
	int count;

	count = mbuf_leak_report(f);
	rewind(f);
	n = fread(report, 1, sizeof(report) - 1, f);
	report[n] = '\0';
	fclose(f);
	return count;
}

/* allocate and free enough to go through the depots many times */
static int
churn(void)
{
	struct mbuf *v[300];
	int i, round, got = 0;

	for (round = 0; round < 20; round++) {
		for (i = 0; i < 300; i++)
			if ((v[i] = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR)) != NULL)
				got++;
		for (i = 0; i < 300; i++)
			m_freem(v[i]);
	}
	return got;
}

/* a struct mowner in memory that is then unmapped (an unloaded plugin) */
static struct mowner *
owner_in_vanishing_page(void **page, size_t *len)
{
	static const struct mowner proto = MOWNER_INIT("plugin", "rx");
	struct mowner *mo;

	*len = (size_t)sysconf(_SC_PAGESIZE);
	*page = mmap(NULL, *len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (*page == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	mo = *page;
	*mo = proto;
	return mo;
}

/*
 * Owners the census cannot vouch for: it names them by address and keeps
 * working; the depots stay usable afterwards.
 */
static int
child_bad_owner(void)
{
	struct mbuf *a, *b, *c;
	struct mowner *gone;
	void *page;
	size_t len;
	int count;

	mbuf_set_panic_handler(record_violation);
	a = m_get(M_DONTWAIT, MT_DATA);
	a->m_owner = (struct mowner *)0x10;
	b = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);
	gone = owner_in_vanishing_page(&page, &len);
	m_claim(b, gone);		/* a plugin's owner, never attached */
	munmap(page, len);		/* ... and the plugin is unloaded */
	c = m_get(M_DONTWAIT, MT_HEADER);
	c->m_owner = (struct mowner *)(uintptr_t)0xdead0000dead0008ull;	/* ILP32: 0xdead0008 */

	count = mbuf_leak_count();
	CHECK_EQ(count, 4);		/* 3 mbufs and b's cluster */
	CHECK_EQ(take_report(), 4);
	CHECK(strstr(report, "3 mbufs, 0 zombie holders, 1 clusters, 0 tags") != NULL);
	CHECK(strstr(report, "owner 0x10 (not an attached mowner)") != NULL);
	{
		char want[128];

		snprintf(want, sizeof(want), "owner %#jx (not an attached mowner)",
		    (uintmax_t)(uintptr_t)c->m_owner);
		CHECK(strstr(report, want) != NULL);

		snprintf(want, sizeof(want), "owner %p (not an attached mowner)",
		    (void *)gone);
		CHECK(strstr(report, want) != NULL);
	}
	CHECK(strstr(report, "internal error") == NULL);
	/* no lock was left behind: refills and drains still work */
	CHECK_EQ(churn(), 20 * 300);
	m_free(a);
	m_freem(b);
	m_free(c);
	CHECK_EQ(mbuf_leak_count(), 0);
	if (violation[0] != '\0') {
		fprintf(stderr, "violation reported: %s\n", violation);
		tu_failures++;
	}
	if (tu_failures > 0)
		fprintf(stderr, "report was:\n%s", report);
	return tu_failures == 0 ? 0 : 1;
}

/* an attached owner is named; once detached and gone it is not read */
static int
child_detached_owner(void)
{
	struct mbuf *m;
	struct mowner *mo;
	void *page;
	size_t len;

	mbuf_set_panic_handler(record_violation);
	mo = owner_in_vanishing_page(&page, &len);
	mowner_attach(mo);
	m = m_get(M_DONTWAIT, MT_DATA);
	m_claim(m, mo);
	CHECK_EQ(take_report(), 1);
	CHECK(strstr(report, "owner plugin/rx") != NULL);
	mowner_detach(mo);
	munmap(page, len);
	CHECK_EQ(take_report(), 1);
	CHECK(strstr(report, "(not an attached mowner)") != NULL);
	m_free(m);
	CHECK_EQ(mbuf_leak_count(), 0);
	CHECK(violation[0] == '\0');
	if (tu_failures > 0)
		fprintf(stderr, "report was:\n%s\nviolation: %s\n", report,
		    violation);
	return tu_failures == 0 ? 0 : 1;
}

/* leaks with bad owners, reported at exit (MBUF_LEAK_REPORT=1) */
static int
child_bad_owner_at_exit(void)
{
	struct mbuf *m = m_get(M_DONTWAIT, MT_DATA);

	m->m_owner = (struct mowner *)0x10;
	return 0;
}

/* debug mode names the owner of a freed mbuf: not through a bad pointer */
static int
child_bad_owner_debug(void)
{
	struct mbuf *m = m_get(M_DONTWAIT, MT_DATA);

	m->m_owner = (struct mowner *)0x10;
	m_free(m);
	m_free(m);		/* dies here, naming the freeing call */
	return 0;
}

/* ---- ext_free callbacks that do not give the mbuf back --------------------- */

static struct mbuf *forgotten;
static int forgetful_calls;

/* an ext_free that forgets pool_cache_put(mb_cache, m) */
void forgetful_ext_free(struct mbuf *, void *, size_t, void *);
void
forgetful_ext_free(struct mbuf *m, void *buf, size_t size, void *arg)
{
	(void)buf;
	(void)size;
	(void)arg;
	forgotten = m;
	forgetful_calls++;
}

static char ext_buf[512];

static int
child_forgetful_ext_free(void)
{
	struct mbuf *m;
	char want[64];

	mbuf_set_panic_handler(record_violation);
	m = m_gethdr(M_DONTWAIT, MT_DATA);
	MEXTADD(m, ext_buf, sizeof(ext_buf), M_MBUF, forgetful_ext_free, NULL);
	m_freem(m);
	CHECK_EQ(forgetful_calls, 1);
	CHECK(forgotten == m);
	CHECK_EQ(mbuf_leak_count(), 1);
	CHECK_EQ(take_report(), 1);
	CHECK(strstr(report, "1 mbufs never given back by their ext_free") != NULL);
	snprintf(want, sizeof(want), "ext_free %p", (void *)forgetful_ext_free);
	CHECK(strstr(report, want) != NULL);
	CHECK(strstr(report, "did not call pool_cache_put") != NULL);
	/* a late pool_cache_put is still accepted, and ends the leak */
	pool_cache_put(mb_cache, forgotten);
	CHECK_EQ(mbuf_leak_count(), 0);
	CHECK_EQ(churn(), 20 * 300);
	CHECK(violation[0] == '\0');
	if (tu_failures > 0)
		fprintf(stderr, "report was:\n%s\nviolation: %s\n", report,
		    violation);
	return tu_failures == 0 ? 0 : 1;
}

/* the same, left until exit (MBUF_LEAK_REPORT=1 must fail it) */
static int
child_forgetful_at_exit(void)
{
	struct mbuf *m = m_get(M_DONTWAIT, MT_DATA);

	MEXTADD(m, ext_buf, sizeof(ext_buf), M_MBUF, forgetful_ext_free, NULL);
	m_free(m);
	return 0;
}

/* ---- the leak report on a thread whose signal stack is gone ----------------- */

static pthread_t main_thread;

/* send the Go runtime's preemption signal to the main thread, until exit */
static void *
preempt_main_forever(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_kill(main_thread, SIGURG);
		sched_yield();
	}
	return NULL;
}

/*
 * What Python does to its main thread when faulthandler is on: install an
 * alternate signal stack, let the Go runtime adopt it (the first call into
 * Go), then at finalisation disable it and free the memory.  The leak
 * report at exit then runs Go code on that thread; any signal the Go
 * runtime takes there (SIGURG, its preemption signal, arrives many times
 * a second in a busy process; here a thread sends it without pause) found
 * no signal stack: "signal 23 received on thread with no signal stack",
 * the process dies with status 2 and no report.
 */
static int
child_stale_sigaltstack_at_exit(void)
{
	stack_t ss = { .ss_size = 64 << 10 };
	pthread_t t;
	int i;

	ss.ss_sp = mmap(NULL, ss.ss_size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ss.ss_sp == MAP_FAILED || sigaltstack(&ss, NULL) != 0) {
		perror("sigaltstack");
		return 2;
	}
	/* Go adopts the stack of this thread at its first call */
	for (i = 0; i < 3000; i++)
		CHECK(m_get(M_DONTWAIT, MT_DATA) != NULL);	/* leaked */
	CHECK_EQ(mbuf_leak_count(), 3000);
	/* Py_Finalize: faulthandler disables its stack and frees it */
	ss.ss_flags = SS_DISABLE;
	if (sigaltstack(&ss, NULL) != 0) {
		perror("sigaltstack");
		return 2;
	}
	munmap(ss.ss_sp, ss.ss_size);
	main_thread = pthread_self();
	if (pthread_create(&t, NULL, preempt_main_forever, NULL) != 0) {
		perror("pthread_create");
		return 2;
	}
	return tu_failures == 0 ? 0 : 1;	/* exit: the report runs */
}

/* ---- the parent ------------------------------------------------------------ */

static void
at_exit_tests(void)
{
	const char *leak_env[] = { "MBUF_LEAK_REPORT=1", NULL };
	const char *debug_env[] = { "MBUF_DEBUG=1", NULL };
	char out[16384];
	int st;

	st = run_child("bad_owner_at_exit", leak_env, out, sizeof(out));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 97);
	CHECK(strstr(out, "libmbuf: LEAK: 1 objects still allocated at exit") != NULL);
	CHECK(strstr(out, "owner 0x10 (not an attached mowner)") != NULL);
	if (tu_failures > 0)
		fprintf(stderr, "bad_owner_at_exit: status %#x:\n%s\n", st, out);

	st = run_child("forgetful_at_exit", leak_env, out, sizeof(out));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 97);
	CHECK(strstr(out, "libmbuf: LEAK: 1 objects still allocated at exit") != NULL);
	CHECK(strstr(out, "did not call pool_cache_put") != NULL);
	if (tu_failures > 0)
		fprintf(stderr, "forgetful_at_exit: status %#x:\n%s\n", st, out);

	/*
	 * Not under qemu-user: a thread there returns from a signal handler
	 * with the TLS of the thread created last (mk/ilp32-exec.sh), and
	 * this case is all signals.
	 */
	if (getenv("MBUF_TEST_EXEC") == NULL) {
		st = run_child("stale_sigaltstack_at_exit", leak_env, out,
		    sizeof(out));
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 97);
		CHECK(strstr(out, "libmbuf: LEAK: 3000 objects still allocated "
		    "at exit") != NULL);
		CHECK(strstr(out, "no signal stack") == NULL);
		if (tu_failures > 0)
			fprintf(stderr, "stale_sigaltstack_at_exit: status %#x:\n"
			    "%.4000s\n", st, out);
	} else
		printf("test_leakreport: stale_sigaltstack_at_exit skipped "
		    "under an emulator\n");

	/* debug mode: the report of a double free does not fault on 0x10 */
	st = run_child("bad_owner_debug", debug_env, out, sizeof(out));
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
	CHECK(strstr(out, "libmbuf: panic: m_free: mbuf 0x") != NULL);
	CHECK(strstr(out, "freed by m_free, owner 0x10 (not an attached mowner)") != NULL);
	if (tu_failures > 0)
		fprintf(stderr, "bad_owner_debug: status %#x:\n%s\n", st, out);
}

static const struct {
	const char *name;
	int (*fn)(void);
} children[] = {
	{ "bad_owner", child_bad_owner },
	{ "detached_owner", child_detached_owner },
	{ "bad_owner_at_exit", child_bad_owner_at_exit },
	{ "bad_owner_debug", child_bad_owner_debug },
	{ "forgetful_ext_free", child_forgetful_ext_free },
	{ "forgetful_at_exit", child_forgetful_at_exit },
	{ "stale_sigaltstack_at_exit", child_stale_sigaltstack_at_exit },
};

int
main(int argc, char **argv)
{
	size_t i;

	tu_self = argv[0];
	if (argc == 3 && strcmp(argv[1], "--child") == 0) {
		for (i = 0; i < sizeof(children) / sizeof(children[0]); i++)
			if (strcmp(children[i].name, argv[2]) == 0)
				return children[i].fn();
		fprintf(stderr, "no child %s\n", argv[2]);
		return 3;
	}
	expect_clean_exit("bad_owner", NULL);
	expect_clean_exit("detached_owner", NULL);
	expect_clean_exit("forgetful_ext_free", NULL);
	at_exit_tests();
	return tu_finish("test_leakreport");
}
