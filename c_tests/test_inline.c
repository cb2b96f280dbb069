/*
 * The inline allocation macros (include/mbuf_inline.h) against the
 * library's functions: the same cases (inline_cases.h) compiled twice in
 * this file, once with MGET/MGETHDR/MCLGET/MFREE inline and once with
 * MBUF_NO_INLINE (re-including <mbuf_inline.h> switches them, as NDEBUG
 * does <assert.h>), run under soft errors.  Each case writes a transcript
 * of what it saw: results, the fields MGET set, every violation message
 * (addresses masked), mbstat's per-type counts and drops.  The two
 * transcripts must be identical, case by case.
 *
 * Then the ABI itself: the pointer the macros read is NULL before a
 * thread's first call, while the fast paths are off, in a child of fork()
 * and in debug mode (a child run with MBUF_DEBUG=1), and the macros are
 * really inline in the first pass (MBUF_INLINE_ALLOC).
 */
#include <pthread.h>
#include <stdarg.h>
#include <sys/wait.h>

#include "testutil.h"

#ifndef MBUF_INLINE_ALLOC
#error "the allocation macros should be inline by default with gcc and clang"
#endif
_Static_assert(MBUF_INLINE_ALLOC == MBUF_TCACHE_ABI, "the feature macro");

struct inline_case {
	const char	*name;
	void		(*run)(void);
};

static char transcript[1 << 16];
static size_t transcript_len;
static int transcript_to_fd = -1;	/* a forked child writes here */
static int late_saw_null, late_got;	/* the thread case's destructor */

static void
emit(const char *s)
{
	size_t n = strlen(s);

	if (transcript_to_fd >= 0) {
		if (write(transcript_to_fd, s, n) < 0)
			_exit(3);
		return;
	}
	if (transcript_len + n < sizeof(transcript)) {
		memcpy(transcript + transcript_len, s, n + 1);
		transcript_len += n;
	}
}

/* the message with each 0x... address masked (the runs use other slots) */
static void
emit_masked(const char *s)
{
	char buf[1024];
	size_t k = 0;

	while (*s != '\0' && k < sizeof(buf) - 8) {
		if (s[0] == '0' && s[1] == 'x') {
			memcpy(buf + k, "0x?", 3);
			k += 3;
			for (s += 2; (*s >= '0' && *s <= '9') ||
			    (*s >= 'a' && *s <= 'f'); s++)
				;
		} else
			buf[k++] = *s++;
	}
	buf[k] = '\0';
	emit(buf);
}

/* one line: the label, the last violation, the counts that matter */
static void
notef(const char *fmt, ...)
{
	char line[512];
	const char *err;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	emit(line);
	if ((err = mbuf_last_error()) != NULL) {
		emit(" | error: ");
		emit_masked(err);
		mbuf_clear_error();
	}
	if (transcript_to_fd < 0) {	/* a child of fork() cannot sync */
		mbuf_stats_sync();
		snprintf(line, sizeof(line), " | live data %u header %u "
		    "control %u type200 %u, drops %lu\n",
		    mbstat.m_mtypes[MT_DATA], mbstat.m_mtypes[MT_HEADER],
		    mbstat.m_mtypes[MT_CONTROL], mbstat.m_mtypes[200],
		    mbstat.m_drops);
	} else
		snprintf(line, sizeof(line), "\n");
	emit(line);
}

static void
note(const char *label)
{
	notef("%s", label);
}

static void
note_ptr(const char *label, const void *p, const void *want)
{
	notef("%s: %s", label, p == want ? "as expected" :
	    p == NULL ? "NULL" : "another pointer");
}

static void
note_mbuf(const char *label, const struct mbuf *m)
{
	if (m == NULL) {
		notef("%s: NULL", label);
		return;
	}
	/* data: from the start of the mbuf, or of its storage */
	notef("%s: type %d flags %#x len %d data %+ld next %p nextpkt %p "
	    "paddr %d owner %ld ext_ref self %d pkthdr.len %d rcvif %p "
	    "tags %p csum %#x ext size %zu ext buf at data %d refcnt %u",
	    label, m->m_type, (unsigned)m->m_flags, m->m_len,
	    (long)(m->m_data - ((m->m_flags & M_EXT) ? m->m_ext.ext_buf :
	    (const char *)m)), (void *)m->m_next,
	    (void *)m->m_nextpkt, m->m_paddr == M_PADDR_INVALID,
	    (long)(m->m_owner - unknown_mowners), m->m_ext_ref == m,
	    (m->m_flags & M_PKTHDR) ? m->m_pkthdr.len : -1,
	    (m->m_flags & M_PKTHDR) ? (void *)m->m_pkthdr.rcvif : NULL,
	    (m->m_flags & M_PKTHDR) ? (void *)SLIST_FIRST(&m->m_pkthdr.tags) :
	    NULL, (m->m_flags & M_PKTHDR) ? m->m_pkthdr.csum_flags : 0,
	    (m->m_flags & M_EXT) ? m->m_ext.ext_size : 0,
	    (m->m_flags & M_EXT) ? m->m_data == m->m_ext.ext_buf : -1,
	    (m->m_flags & M_EXT) ? m->m_ext.ext_refcnt : 0u);
}

/* first pass: the macros inline */
static const int inline_pass_inline = MBUF_INLINE_ALLOC;
#define	CASE(name)	inline_##name
#include "inline_cases.h"
#undef CASE

/* second pass: the same cases, the macros calls */
#define	MBUF_NO_INLINE
#include <mbuf_inline.h>
#ifdef MBUF_INLINE_ALLOC
#error "MBUF_NO_INLINE did not switch the macros"
#endif
#define	CASE(name)	call_##name
#include "inline_cases.h"
#undef CASE

static void
run_case(const struct inline_case *c, char *out, size_t outsz)
{
	transcript_len = 0;
	transcript[0] = '\0';
	c->run();
	snprintf(out, outsz, "%s", transcript);
}

/* the first line where a and b differ, for the report */
static void
show_difference(const char *name, const char *a, const char *b)
{
	size_t i = 0, start = 0;
	int line = 1;

	for (; a[i] != '\0' && a[i] == b[i]; i++)
		if (a[i] == '\n') {
			line++;
			start = i + 1;
		}
	fprintf(stderr, "case %s, line %d:\n  inline: %.*s\n  calls:  %.*s\n",
	    name, line, (int)strcspn(a + start, "\n"), a + start,
	    (int)strcspn(b + start, "\n"), b + start);
}

/* MBUF_DEBUG=1: the pointer stays NULL, every macro calls the core */
static void
child_debug(void)
{
	struct mbuf *m, *n;

	MGET(m, M_DONTWAIT, MT_DATA);	/* the thread is set up */
	fprintf(stderr, "debug: tcache %s\n",
	    mbuf__tcache_v1 == NULL ? "NULL" : "set");
	MFREE(m, n);
	(void)n;
	MFREE(m, n);			/* the debug report of a double free */
}

static const struct tu_death_case children[] = {
	{ "debug", child_debug },
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	static char a[sizeof(transcript)], b[sizeof(transcript)];
	const struct inline_case *ci, *cc;
	char out[4096];
	int status;

	TU_CHILD_MAIN(argc, argv, children);
	mbuf_set_soft_errors(1);
	CHECK_EQ(inline_pass_inline, 1);

	for (ci = inline_cases, cc = call_cases; ci->name != NULL; ci++, cc++) {
		/* inline then calls, then again the other way round */
		run_case(ci, a, sizeof(a));
		run_case(cc, b, sizeof(b));
		CHECK(strcmp(a, b) == 0);
		if (strcmp(a, b) != 0)
			show_difference(ci->name, a, b);
		if (getenv("TEST_INLINE_VERBOSE") != NULL)
			printf("== %s\n%s", ci->name, a);
		run_case(cc, b, sizeof(b));
		run_case(ci, a, sizeof(a));
		CHECK(strcmp(a, b) == 0);
		CHECK(strstr(a, "another pointer") == NULL);
	}
	CHECK(mbuf__tcache_v1 != NULL);
	/* the thread case's late TLS destructor got an mbuf by a call */
	CHECK_EQ(late_got, 1);
	CHECK_EQ(late_saw_null, 1);
	CHECK(tu_all_types_zero());

	{
		const char *env[] = { "MBUF_DEBUG=1", NULL };

		status = tu_run_child_env("debug", 60, env, out, sizeof(out));
		CHECK(WIFSIGNALED(status) || WIFEXITED(status));
		CHECK(strstr(out, "debug: tcache NULL") != NULL);
		CHECK(strstr(out, "m_free") != NULL);
		if (strstr(out, "debug: tcache NULL") == NULL)
			fprintf(stderr, "debug child said:\n%s\n", out);
	}
	return tu_finish("test_inline");
}
