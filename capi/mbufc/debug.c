/*
 * The C side of debug mode and of the leak report (issue 8).
 *
 * Debug mode lives in the Go core (core/debug.go); here it tells valgrind
 * which slab bytes may be touched, with memcheck client requests: a freed
 * mbuf or cluster is NOACCESS while it sits in quarantine and in the
 * depot, UNDEFINED when handed out again.  Outside valgrind the requests
 * cost a few instructions.  A program built with AddressSanitizer gets
 * the same through ASan's manual poisoning.
 *
 * MBUF_LEAK_REPORT=1 prints the leak report at exit and turns a leak into
 * exit status 97.
 */
#define	_GNU_SOURCE		/* dladdr */
#include <dlfcn.h>
#include <execinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "_cgo_export.h"

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define	HAVE_MEMCHECK	1
#endif
#endif

#define	LEAK_EXIT_STATUS	97

/*
 * AddressSanitizer's manual poisoning, when the program is built with it
 * (the library is not): freed slab memory is off limits to instrumented
 * code too.
 */
void	__asan_poison_memory_region(void const volatile *, size_t)
	    __attribute__((weak));
void	__asan_unpoison_memory_region(void const volatile *, size_t)
	    __attribute__((weak));

/* called by core/debug.go through DebugMemHook */
MBUF_HIDDEN void mbuf__dbg_mem(uintptr_t addr, uintptr_t size, int state);

void
mbuf__dbg_mem(uintptr_t addr, uintptr_t size, int state)
{
#ifdef HAVE_MEMCHECK
	switch (state) {
	case 0:
		(void)VALGRIND_MAKE_MEM_NOACCESS(addr, size);
		break;
	case 1:
		(void)VALGRIND_MAKE_MEM_UNDEFINED(addr, size);
		break;
	default:
		(void)VALGRIND_MAKE_MEM_DEFINED(addr, size);
		break;
	}
#endif
	if (state == 0 && __asan_poison_memory_region != NULL)
		__asan_poison_memory_region((void *)addr, size);
	else if (state != 0 && __asan_unpoison_memory_region != NULL)
		__asan_unpoison_memory_region((void *)addr, size);
}

/*
 * MBUF_DEBUG=alloc: C call sites.  The Go runtime calls the context
 * function each time C calls into Go (runtime.SetCgoTraceback); it keeps
 * the C stack of that moment, which the traceback function hands to Go
 * stack captures, so a report can say which C function called the
 * library ("allocated by m_getcl from rx_intr+0x2c (./driver)").
 */
struct dbg_ctx {
	int	n;
	void	*pc[24];
};
struct cgo_context_arg {
	uintptr_t	Context;
};
struct cgo_traceback_arg {
	uintptr_t	Context, SigContext, *Buf, Max;
};

static void
dbg_context(void *p)
{
	struct cgo_context_arg *a = p;
	struct dbg_ctx *c;

	if (a->Context != 0) {		/* Go returns to C: done with it */
		free((void *)a->Context);
		return;
	}
	if ((c = malloc(sizeof(*c))) == NULL)
		return;
	c->n = backtrace(c->pc, 24);
	a->Context = (uintptr_t)c;
}

static void
dbg_traceback(void *p)
{
	struct cgo_traceback_arg *a = p;
	const struct dbg_ctx *c = (const struct dbg_ctx *)a->Context;
	uintptr_t i = 0;

	for (; c != NULL && i + 1 < a->Max && (int)i < c->n; i++)
		a->Buf[i] = (uintptr_t)c->pc[i];
	if (i < a->Max)
		a->Buf[i] = 0;
}

MBUF_HIDDEN void *mbuf__dbg_context_fn(void);
MBUF_HIDDEN void *mbuf__dbg_traceback_fn(void);
MBUF_HIDDEN int	mbuf__dbg_symbolize(uintptr_t pc, char *out, int n);

void *mbuf__dbg_context_fn(void) { return (void *)dbg_context; }
void *mbuf__dbg_traceback_fn(void) { return (void *)dbg_traceback; }

/* name a C pc as "sym+0xoff (file)"; 1 if it lies in libmbuf itself */
int
mbuf__dbg_symbolize(uintptr_t pc, char *out, int n)
{
	Dl_info d, self;

	if (dladdr((void *)pc, &d) == 0 || d.dli_fname == NULL) {
		snprintf(out, (size_t)n, "%#lx", (unsigned long)pc);
		return 0;
	}
	if (d.dli_sname != NULL)
		snprintf(out, (size_t)n, "%s+%#lx (%s)", d.dli_sname,
		    (unsigned long)(pc - (uintptr_t)d.dli_saddr), d.dli_fname);
	else
		snprintf(out, (size_t)n, "%s+%#lx", d.dli_fname,
		    (unsigned long)(pc - (uintptr_t)d.dli_fbase));
	return dladdr((void *)mbuf__dbg_symbolize, &self) != 0 &&
	    self.dli_fbase == d.dli_fbase;
}

int
mbuf_leak_report(FILE *fp)
{
	int n = 0;
	char *s;

	if (!MBUF_ENTER("mbuf_leak_report"))
		return -1;
	s = mbufgo_leak_report(&n);
	MBUF_FLUSH();
	if (s != NULL) {
		fputs(s, fp != NULL ? fp : stderr);
		free(s);
	}
	return n;
}

int
mbuf_leak_count(void)
{
	int n;

	if (!MBUF_ENTER("mbuf_leak_count"))
		return -1;
	n = mbufgo_leak_count();
	MBUF_FLUSH();
	return n;
}

int
mbuf_debug_mode(void)
{
	int r;

	if (!MBUF_ENTER("mbuf_debug_mode"))
		return 0;
	r = mbufgo_debug_mode();
	MBUF_FLUSH();
	return r;
}

void
mbuf_debug_flush(void)
{
	if (!MBUF_ENTER("mbuf_debug_flush"))
		return;
	mbufgo_debug_flush();
	MBUF_FLUSH();
}

/*
 * The Go runtime runs its signal handlers on the thread's alternate signal
 * stack; on a thread that already had one when it first called into Go,
 * it keeps using that one.  Python's faulthandler lends the main thread
 * such a stack and, in Py_Finalize (before the atexit handlers run),
 * disables and frees it: a signal that then reaches Go code on that
 * thread (SIGURG, its preemption signal, is common) kills the process,
 * "signal 23 received on thread with no signal stack".  So the report at
 * exit first gives a thread without a stack one of the library's own.  It
 * stays installed: from then on the runtime takes it for this thread's.
 */
static char exit_sigstack[64 << 10] __attribute__((aligned(64)));

static void
ensure_signal_stack(void)
{
	stack_t cur, ss;

	if (sigaltstack(NULL, &cur) != 0 || (cur.ss_flags & SS_DISABLE) == 0)
		return;
	ss.ss_sp = exit_sigstack;
	ss.ss_size = sizeof(exit_sigstack);
	ss.ss_flags = 0;
	(void)sigaltstack(&ss, NULL);
}

static void
leak_at_exit(void)
{
	int n;

	if (mbuf__forked)
		return;		/* a child of fork(): the core cannot be asked */
	ensure_signal_stack();
	if (mbuf_debug_mode() != 0)
		mbuf_debug_flush();	/* a last check of the quarantine */
	n = mbuf_leak_count();
	if (n == 0)
		return;
	mbuf_leak_report(stderr);
	fprintf(stderr, "libmbuf: LEAK: %d objects still allocated at exit\n",
	    n);
	fflush(NULL);
	_exit(LEAK_EXIT_STATUS);
}

__attribute__((constructor)) static void
leak_report_setup(void)
{
	const char *v = getenv("MBUF_LEAK_REPORT");

	if (v != NULL && strcmp(v, "1") == 0)
		atexit(leak_at_exit);
}
