/*
 * A barrier on the other threads of the process, for the rare stealer of
 * the magazine protocol (include/mbuf_inline.h): once it is through, every store a
 * covered thread made before it is visible to the stealer, and every load
 * the thread makes after it sees the stealer's earlier stores.  The owners
 * of the caches pay nothing for it on their fast path.
 *
 * Whether membarrier(2) covers every thread at once is the core's rule,
 * shared with the Go per-P caches (core/membarrier.go: registered once,
 * MBUF_NO_MEMBARRIER=1 turns it off, and a failure after registration,
 * e.g. a seccomp filter installed later, turns it off for good).  When it
 * does not, the fallback here asks the scheduler about each thread
 * (/proc/self/task/TID/status): a thread that is not running (blocked in
 * a system call, sleeping, stopped) went through the kernel's full
 * barrier on its way to sleep and goes through another before it runs
 * user code again; a running one is covered once it has been switched out
 * since the stealer's stores (its context-switch count moved).  A thread
 * that runs flat out and is never switched out is not covered: its caches
 * wait for a later steal.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "_cgo_export.h"

int
mbuf__barrier_all(void)
{
	if (mbufgo_barrier_all())
		return 1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);	/* our side of it */
	return 0;
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
