/*
 * A barrier on the other threads of the process, for the rare stealer of
 * the magazine protocol (include/mbuf_inline.h): once it is through, every store a
 * covered thread made before it is visible to the stealer, and every load
 * the thread makes after it sees the stealer's earlier stores.  The owners
 * of the caches pay nothing for it on their fast path.
 *
 * membarrier(2) with MEMBARRIER_CMD_PRIVATE_EXPEDITED (Linux 4.14) covers
 * every thread at once: the kernel interrupts the CPUs running threads of
 * this process, and a thread not running passes the scheduler's barriers
 * before it runs again.  It is registered once, on the first steal.
 *
 * It may be missing: an older kernel (ENOSYS, EINVAL), or a seccomp
 * profile or sandbox that denies it (EPERM).  The fallback asks the
 * scheduler about each thread (/proc/self/task/TID/status): a thread that
 * is not running (blocked in a system call, sleeping, stopped) went through
 * the kernel's full barrier on its way to sleep and goes through another
 * before it runs user code again; a running one is covered once it has
 * been switched out since the stealer's stores (its context-switch count
 * moved).  A thread that runs flat out and is never switched out is not
 * covered: its caches wait for a later steal.  MBUF_NO_MEMBARRIER=1 in the
 * environment selects the fallback (for tests).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "internal.h"

#ifdef __NR_membarrier
#include <linux/membarrier.h>
#endif

static int barrier_mode = -1;	/* -1 not yet known, 0 fallback, 1 membarrier */

static int
membarrier_register(void)
{
#ifdef __NR_membarrier
	const char *off = getenv("MBUF_NO_MEMBARRIER");
	long cmds;

	if (off != NULL && strcmp(off, "1") == 0)
		return 0;
	cmds = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
	if (cmds < 0 || (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0)
		return 0;
	return syscall(__NR_membarrier,
	    MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
#else
	return 0;
#endif
}

int
mbuf__barrier_all(void)
{
	if (barrier_mode < 0)
		barrier_mode = membarrier_register();
#ifdef __NR_membarrier
	if (barrier_mode == 1 &&
	    syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0)
		return 1;
#endif
	barrier_mode = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);	/* our side of it */
	return 0;
}

int
mbuf__barrier_mode(void)
{
	return barrier_mode;
}

/* a number after "key:" in a /proc status text, or -1 */
static long
field(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p != NULL ? strtol(p + strlen(key), NULL, 10) : -1;
}

int
mbuf__sched_state(int tid, struct mbuf_sched *s)
{
	char path[64], buf[2048];
	const char *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if ((p = strstr(buf, "\nState:")) == NULL)
		return 0;
	for (p += 7; *p == ' ' || *p == '\t'; p++)
		;
	s->running = *p == 'R';
	s->switches = field(buf, "\nvoluntary_ctxt_switches:") +
	    field(buf, "\nnonvoluntary_ctxt_switches:");
	return 1;
}
