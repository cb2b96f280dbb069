/*
 * fork() without exec: the Go runtime inside libmbuf does not survive it
 * (its other threads are gone in the child, and a call into Go can wait
 * for them forever).  A library call in the child that would need the
 * runtime or the thread caches is reported through the panic handler
 * ("called in a child of fork()") instead of hanging; reading and writing
 * the mbufs the child inherited is plain memory and keeps working.
 *
 * Each case runs in a fresh process (tu_run_child, with a deadline) that
 * uses the library, forks, runs the case in the forked child, and waits
 * for that child with its own deadline: on the old library the child
 * either went on silently or hung.
 */
#include <pthread.h>

#include "testutil.h"

#define	WANT	"called in a child of fork(); libmbuf cannot be used " \
		"after fork() without exec"

static struct mbuf *keep;	/* a packet made before the fork */

static void *
churn(void *arg)
{
	struct mbuf *m[64];
	int i;

	(void)arg;
	for (i = 0; i < 64; i++)
		m[i] = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);
	for (i = 0; i < 64; i++)
		m_freem(m[i]);
	return NULL;
}

/* use the library on two threads and keep one packet with a pattern */
static void
use_library(void)
{
	pthread_t th;
	int i;

	churn(NULL);
	pthread_create(&th, NULL, churn, NULL);
	pthread_join(th, NULL);
	keep = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);
	for (i = 0; i < 100; i++)
		mtod(keep, unsigned char *)[i] = (unsigned char)(i * 7);
	keep->m_len = keep->m_pkthdr.len = 100;
}

/* fork, run fn in the child, and report how the child ended */
static void
fork_and(void (*fn)(void))
{
	int status = 0, waited = 0;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (pid == 0) {
		fn();
		printf("forked child survived\n");
		fflush(stdout);
		_exit(0);
	}
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (++waited == 200) {		/* 20 s */
			kill(pid, SIGKILL);
			printf("forked child hung\n");
		}
		usleep(100 * 1000);
	}
	if (WIFSIGNALED(status))
		printf("forked child: signal %d\n", WTERMSIG(status));
	else
		printf("forked child: exit %d\n", WEXITSTATUS(status));
	/* the parent goes on using the library */
	churn(NULL);
	m_freem(keep);
	printf("parent: %s\n", tu_all_types_zero() ? "clean" : "counts left");
	fflush(stdout);
	exit(0);
}

static void in_child_get(void) { m_get(M_DONTWAIT, MT_DATA); }
/* the forking thread's caches hold mbuf+cluster pairs (churn's frees) */
static void in_child_getcl(void) { m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR); }
static void in_child_freem(void) { m_freem(keep); }
/* the macros are inline (mbuf_inline.h): in a child they must call */
static void in_child_mget(void) { struct mbuf *m; MGET(m, M_DONTWAIT, MT_DATA); (void)m; }
static void in_child_mfree(void) { struct mbuf *n; MFREE(keep, n); (void)n; }
static void in_child_dup(void) { m_dup(keep, 0, 50, M_DONTWAIT); }
static void in_child_copym(void) { m_copym(keep, 0, M_COPYALL, M_DONTWAIT); }

static void *
new_thread_getcl(void *arg)
{
	(void)arg;
	m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);
	return NULL;
}

static void
in_child_new_thread(void)
{
	pthread_t th;

	pthread_create(&th, NULL, new_thread_getcl, NULL);
	pthread_join(th, NULL);
}

/* soft errors: failure values and the message; inherited data readable */
static void
in_child_soft(void)
{
	unsigned char buf[100];
	const char *e;
	int i, ok = 1;

	mbuf_set_soft_errors(1);
	if (m_get(M_DONTWAIT, MT_DATA) != NULL)
		ok = 0;
	e = mbuf_last_error();
	if (e == NULL || strstr(e, "m_get: " WANT) == NULL)
		ok = 0;
	if (m_dup(keep, 0, 10, M_DONTWAIT) != NULL)
		ok = 0;
	m_copydata(keep, 0, 100, buf);
	for (i = 0; i < 100; i++)
		if (buf[i] != (unsigned char)(i * 7))
			ok = 0;
	m_adj(keep, 10);
	if (keep->m_len != 90 || mtod(keep, unsigned char *)[0] != 70)
		ok = 0;
	printf("soft: %s\n", ok ? "ok" : "WRONG");
	fflush(stdout);
	exit(0);	/* atexit handlers (the leak report) must not hang */
}

static void case_get(void) { use_library(); fork_and(in_child_get); }
static void case_getcl(void) { use_library(); fork_and(in_child_getcl); }
static void case_freem(void) { use_library(); fork_and(in_child_freem); }
static void case_mget(void) { use_library(); fork_and(in_child_mget); }
static void case_mfree(void) { use_library(); fork_and(in_child_mfree); }
static void case_dup(void) { use_library(); fork_and(in_child_dup); }
static void case_copym(void) { use_library(); fork_and(in_child_copym); }
static void case_thread(void) { use_library(); fork_and(in_child_new_thread); }
static void case_soft(void) { use_library(); fork_and(in_child_soft); }

/* loaded (the Go runtime runs) but never called before the fork */
static void
case_unused(void)
{
	keep = NULL;
	fflush(NULL);
	pid_t pid = fork();
	int status = 0, waited = 0;

	if (pid == 0) {
		m_get(M_DONTWAIT, MT_DATA);
		_exit(0);
	}
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (++waited == 200)
			kill(pid, SIGKILL);
		usleep(100 * 1000);
	}
	printf("forked child: signal %d\n", WIFSIGNALED(status) ?
	    WTERMSIG(status) : 0);
	fflush(stdout);
	exit(0);
}

/*
 * What the README calls fine: a child that execs at once (posix_spawn,
 * system, vfork+exec, fork+exec) runs, and the parent goes on.
 */
static int
exit_status(pid_t pid)
{
	int status = 0;

	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void
case_exec(void)
{
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", (char *)"exit 7",
	    NULL };
	pid_t pid;
	volatile int ok = 1;	/* vfork shares this frame */

	alarm(60);
	use_library();
	ok &= posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ) == 0 &&
	    exit_status(pid) == 7;
	ok &= system("exit 5") == 5 << 8;
	if ((pid = vfork()) == 0) {
		execv("/bin/sh", argv);
		_exit(127);
	}
	ok &= exit_status(pid) == 7;
	fflush(NULL);
	if ((pid = fork()) == 0) {
		execv("/bin/sh", argv);
		_exit(127);
	}
	ok &= exit_status(pid) == 7;
	churn(NULL);
	m_freem(keep);
	printf("exec: %s\n", ok && tu_all_types_zero() ? "ok" : "WRONG");
	fflush(stdout);
	exit(0);
}

static const struct tu_death_case cases[] = {
	{ "get", case_get },
	{ "getcl", case_getcl },
	{ "MGET", case_mget },
	{ "MFREE", case_mfree },
	{ "freem", case_freem },
	{ "dup", case_dup },
	{ "copym", case_copym },
	{ "thread", case_thread },
	{ "soft", case_soft },
	{ "unused", case_unused },
	{ "exec", case_exec },
	{ NULL, NULL },
};

/* run a case; the forked child must die through the panic handler */
static void
expect_reported(const char *name, const char *func)
{
	char out[16384], want[256];
	int status = tu_run_child(name, 60, out, sizeof(out));

	snprintf(want, sizeof(want), "libmbuf: panic: %s: %s", func, WANT);
	tu_checks++;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    strstr(out, want) == NULL ||
	    strstr(out, "forked child: signal 6") == NULL ||
	    (strcmp(name, "unused") != 0 &&
	    strstr(out, "parent: clean") == NULL)) {
		tu_failures++;
		fprintf(stderr, "fork case %s: wanted the child to abort with "
		    "\"%s\"; status %#x, output:\n%s\n", name, want, status,
		    out);
	}
}

int
main(int argc, char **argv)
{
	char out[16384];
	int status;

	TU_CHILD_MAIN(argc, argv, cases);
	expect_reported("get", "m_get");
	expect_reported("getcl", "m_getcl");
	expect_reported("MGET", "m_get");
	expect_reported("MFREE", "m_free");
	expect_reported("freem", "m_freem");
	expect_reported("dup", "m_dup");
	expect_reported("copym", "m_copym");
	/* (qemu-user aborts in a forked child that starts a thread) */
	if (getenv("MBUF_TEST_EXEC") == NULL)
		expect_reported("thread", "m_getcl");
	expect_reported("unused", "m_get");
	status = tu_run_child("soft", 60, out, sizeof(out));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(strstr(out, "soft: ok") != NULL);
	CHECK(strstr(out, "forked child: exit 0") != NULL);
	CHECK(strstr(out, "parent: clean") != NULL);
	if (strstr(out, "soft: ok") == NULL ||
	    strstr(out, "forked child: exit 0") == NULL)
		fprintf(stderr, "soft case output:\n%s\n", out);
	status = tu_run_child("exec", 60, out, sizeof(out));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(strstr(out, "exec: ok") != NULL);
	if (strstr(out, "exec: ok") == NULL)
		fprintf(stderr, "exec case output:\n%s\n", out);
	return tu_finish("test_fork");
}
