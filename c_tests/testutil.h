/*
 * A tiny test harness for the C tests: CHECK records failures and goes on,
 * EXPECT_DEATH runs a statement in a child process and checks that it dies
 * through the library's panic handler with a message containing a string.
 * Each test program exits 0 when every check passed.
 */
#ifndef LIBMBUF_TESTUTIL_H
#define LIBMBUF_TESTUTIL_H

#include <mbuf.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int tu_failures, tu_checks;

#define CHECK(cond) do {						\
	tu_checks++;							\
	if (!(cond)) {							\
		tu_failures++;						\
		fprintf(stderr, "%s:%d: CHECK failed: %s\n",		\
		    __FILE__, __LINE__, #cond);				\
	}								\
} while (0)

#define CHECK_EQ(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	tu_checks++;							\
	if (_a != _b) {							\
		tu_failures++;						\
		fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %lld, "	\
		    "%s == %lld\n", __FILE__, __LINE__, #a, _a, #b, _b);	\
	}								\
} while (0)

/* live mbufs of one type, after folding the per-thread counts */
static inline int
tu_mtype(int type)
{
	mbuf_stats_sync();
	return mbstat.m_mtypes[type];
}

/* all mbstat type counts are zero */
static inline int
tu_all_types_zero(void)
{
	int i;

	mbuf_stats_sync();
	for (i = 0; i < 256; i++)
		if (mbstat.m_mtypes[i] != 0) {
			fprintf(stderr, "mbstat.m_mtypes[%d] = %u\n", i,
			    mbstat.m_mtypes[i]);
			return 0;
		}
	return 1;
}

/*
 * Death tests.  A Go runtime does not survive fork() without exec, so each
 * death case runs in a fresh copy of the test program: "prog --death NAME"
 * runs the case NAME of the table given to TU_DEATH_MAIN, which must die
 * by SIGABRT (the default panic handler) after printing a line containing
 * "libmbuf: panic: " and the wanted text.
 */
#include <spawn.h>
extern char **environ;

struct tu_death_case {
	const char *name;
	void (*fn)(void);
};

static const char *tu_self;

/* in main(): run a death case if asked to, else remember argv[0] */
#define TU_DEATH_MAIN(argc, argv, cases) do {					tu_self = (argv)[0];							if ((argc) == 3 && strcmp((argv)[1], "--death") == 0)				return tu_run_death_case((cases), (argv)[2]);		} while (0)

static inline int
tu_run_death_case(const struct tu_death_case *c, const char *name)
{
	for (; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0) {
			c->fn();
			fprintf(stderr, "survived\n");
			return 0;
		}
	fprintf(stderr, "no death case %s\n", name);
	return 3;
}

/*
 * posix_spawn() of a test program (this one, again).  Where the tests run
 * under an emulator, it runs the child too: qemu-user cannot start an i386
 * program by itself, so mk/ilp32-exec.sh names itself in MBUF_TEST_EXEC.
 */
static inline int
tu_spawn(pid_t *pid, const char *prog, const posix_spawn_file_actions_t *fa,
    char *const argv[], char *const envp[])
{
	const char *emu = getenv("MBUF_TEST_EXEC");
	char *eargv[16];
	int i;

	if (emu == NULL || *emu == '\0')
		return posix_spawn(pid, prog, fa, NULL, argv, envp);
	eargv[0] = (char *)emu;
	eargv[1] = (char *)prog;
	for (i = 1; argv[i] != NULL && i < 14; i++)
		eargv[i + 1] = argv[i];
	eargv[i + 1] = NULL;
	return posix_spawn(pid, emu, fa, NULL, eargv, envp);
}

#define EXPECT_DEATH(name, want) tu_expect_death((name), (want), __FILE__, __LINE__)

static inline void
tu_expect_death(const char *name, const char *want, const char *file, int line)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = { (char *)tu_self, (char *)"--death", (char *)name, NULL };
	char buf[8192];
	size_t n = 0;
	ssize_t r;
	int p[2], status = 0;
	pid_t pid;

	tu_checks++;
	if (pipe(p) != 0) {
		perror("pipe");
		exit(2);
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	if (tu_spawn(&pid, tu_self, &fa, argv, environ) != 0) {
		perror("posix_spawn");
		exit(2);
	}
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	while (n < sizeof(buf) - 1 &&
	    (r = read(p[0], buf + n, sizeof(buf) - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	close(p[0]);
	waitpid(pid, &status, 0);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT ||
	    strstr(buf, "libmbuf: panic: ") == NULL ||
	    strstr(buf, want) == NULL) {
		tu_failures++;
		fprintf(stderr, "%s:%d: death case %s wanted an abort with "
		    "\"%s\"; status %#x, stderr:\n%s\n", file, line, name,
		    want, status, buf);
	}
}

/* a packet-header mbuf holding len bytes 0, 1, 2, ... */
static inline struct mbuf *
tu_pkt(int len)
{
	struct mbuf *m = m_gethdr(M_DONTWAIT, MT_DATA);
	int i;

	for (i = 0; i < len; i++)
		mtod(m, unsigned char *)[i] = (unsigned char)i;
	m->m_len = m->m_pkthdr.len = len;
	return m;
}

/*
 * Run this program again as "prog --child NAME" (the case NAME of a test's
 * own table) with a time limit, for cases whose failure is a crash or a
 * hang.  Its stdout and stderr land in out, read until the child closes
 * them (so nothing it wrote just before exiting is lost); a child still
 * running after timeout seconds is killed with SIGKILL (its own alarm()
 * may not fire in a hang), which the returned wait status shows.
 *
 * env, if not NULL, changes the child's environment: "NAME=value" sets
 * NAME, a bare "NAME" removes it; every other variable is inherited.
 */
#include <poll.h>
#include <time.h>

/* seconds on the monotonic clock */
static inline double
tu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* does environment entry e name the variable of change c? */
static inline int
tu_same_variable(const char *e, const char *c)
{
	size_t k = strcspn(c, "=");

	return strncmp(e, c, k) == 0 && e[k] == '=';
}

static inline int
tu_run_child_env(const char *name, int timeout, const char *const *env,
    char *out, size_t outsz)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = { (char *)tu_self, (char *)"--child", (char *)name, NULL };
	struct timespec t0, t1;
	struct pollfd pf;
	size_t n = 0;
	ssize_t r;
	int p[2], status = 0, open_pipe = 1, killed = 0;
	char *envp[512];
	size_t i, j, k = 0;
	pid_t pid;

	for (i = 0; environ[i] != NULL && k < 256; i++) {
		int changed = 0;

		for (j = 0; env != NULL && env[j] != NULL; j++)
			changed |= tu_same_variable(environ[i], env[j]);
		if (!changed)
			envp[k++] = environ[i];
	}
	for (j = 0; env != NULL && env[j] != NULL && k < 511; j++)
		if (strchr(env[j], '=') != NULL)
			envp[k++] = (char *)env[j];
	envp[k] = NULL;
	if (pipe(p) != 0) {
		perror("pipe");
		exit(2);
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	if (tu_spawn(&pid, tu_self, &fa, argv, envp) != 0) {
		perror("posix_spawn");
		exit(2);
	}
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pf.fd = p[0];
	pf.events = POLLIN;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (!killed && t1.tv_sec - t0.tv_sec >= timeout) {
			kill(pid, SIGKILL);
			killed = 1;
		}
		if (!open_pipe) {
			if (waitpid(pid, &status, WNOHANG) == pid)
				break;
			poll(NULL, 0, 20);
			continue;
		}
		if (poll(&pf, 1, 100) <= 0)
			continue;
		if (n < outsz - 1) {
			r = read(p[0], out + n, outsz - 1 - n);
			if (r > 0)
				n += (size_t)r;
		} else {
			char sink[512];

			r = read(p[0], sink, sizeof(sink));
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			open_pipe = 0;	/* end of file: the child is gone */
	}
	out[n] = '\0';
	close(p[0]);
	return status;
}

static inline int
tu_run_child(const char *name, int timeout, char *out, size_t outsz)
{
	return tu_run_child_env(name, timeout, NULL, out, outsz);
}

/*
 * Run child case name (env as for tu_run_child_env; label names the run
 * in a failure) and check that it exits 0 with want in its output, which
 * is left in out.  Returns whether it did.
 */
static inline int
tu_expect_child(const char *name, const char *label, int timeout,
    const char *const *env, const char *want, char *out, size_t outsz)
{
	int status = tu_run_child_env(name, timeout, env, out, outsz);

	tu_checks++;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	    strstr(out, want) != NULL)
		return 1;
	tu_failures++;
	fprintf(stderr, "case %s (%s): status %#x, output:\n%s\n", name, label,
	    status, out);
	return 0;
}

/* in main(): run a child case of tu_run_child if asked to */
#define TU_CHILD_MAIN(argc, argv, cases) do {				\
	tu_self = (argv)[0];						\
	if ((argc) == 3 && strcmp((argv)[1], "--child") == 0)		\
		return tu_run_death_case((cases), (argv)[2]);		\
} while (0)

static inline int
tu_finish(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, tu_checks, tu_failures);
	return tu_failures == 0 ? 0 : 1;
}

#endif /* LIBMBUF_TESTUTIL_H */
