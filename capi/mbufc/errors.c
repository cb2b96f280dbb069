/*
 * Error reporting.  Every contract violation, found in C or in Go, ends
 * here in plain C (never on a Go stack, so a handler may longjmp): the
 * user's panic handler, or the default that prints and aborts like the
 * kernel.  A handler that returns, or soft mode, makes the failing call
 * return its failure value; the message is kept per thread.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void
default_handler(const char *func, const char *msg)
{
	fprintf(stderr, "libmbuf: panic: %s: %s\n", func, msg);
	fflush(stderr);
	abort();
}

static mbuf_panic_handler_t handler = default_handler;
static int soft_errors;

mbuf_panic_handler_t
mbuf_set_panic_handler(mbuf_panic_handler_t h)
{
	mbuf_panic_handler_t old = __atomic_exchange_n(&handler,
	    h != NULL ? h : default_handler, __ATOMIC_ACQ_REL);

	return old == default_handler ? NULL : old;
}

int
mbuf_set_soft_errors(int on)
{
	return __atomic_exchange_n(&soft_errors, on != 0, __ATOMIC_ACQ_REL);
}

const char *
mbuf_last_error(void)
{
	struct mbuf_thread *t = mbuf__self;

	return t != NULL && t->has_error ? t->last_error : NULL;
}

void
mbuf_clear_error(void)
{
	struct mbuf_thread *t = mbuf__self;

	if (t != NULL)
		t->has_error = 0;
}

static void
report(const char *func, const char *msg)
{
	struct mbuf_thread *t = mbuf__thread();

	if (t != NULL) {
		snprintf(t->last_error, sizeof(t->last_error), "%s: %s",
		    func, msg);
		t->has_error = 1;
	}
	if (__atomic_load_n(&soft_errors, __ATOMIC_ACQUIRE))
		return;
	__atomic_load_n(&handler, __ATOMIC_ACQUIRE)(func, msg);
}

void
mbuf__violation(const char *func, const char *fmt, ...)
{
	char msg[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report(func, msg);
}

void
mbuf_panic(const char *func, const char *fmt, ...)
{
	char msg[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report(func != NULL ? func : "panic", msg);
}

/* called by Go (through cgo) when an export recovered a violation */
void
mbuf__set_pending(const char *func, int flen, const char *msg, int mlen)
{
	struct mbuf_thread *t = mbuf__thread();

	if (t == NULL)
		return;
	snprintf(t->pend_func, sizeof(t->pend_func), "%.*s", flen, func);
	snprintf(t->pend_msg, sizeof(t->pend_msg), "%.*s", mlen, msg);
	t->pending = 1;
}

void
mbuf__flush_pending_slow(struct mbuf_thread *t)
{
	char func[sizeof(t->pend_func)], msg[sizeof(t->pend_msg)];

	/* copy out first: the handler may call back into the library */
	memcpy(func, t->pend_func, sizeof(func));
	memcpy(msg, t->pend_msg, sizeof(msg));
	t->pending = 0;
	report(func, msg);
}

void
mbuf__warn(const char *msg)
{
	fprintf(stderr, "libmbuf: %s\n", msg);
}
