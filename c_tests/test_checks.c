/*
 * One set of checks for the C fast paths and the core.
 *
 * Part 1, defects: hostile arguments that the fast paths used to trust
 * (each was a crash, a hang, a silent corruption, or a verdict that the
 * core did not share).  Each must now give the core's verdict, with the
 * fast paths on, as a user gets them.
 *
 * Part 2, twins: rules that exist in C for speed and in Go for
 * completeness (struct init, cluster attach, the owner and how/type
 * rules, holder/sharer release, the chain operations and their
 * violations) are run with the fast paths on and off (mbuf_set_fastpath)
 * and the transcripts compared: same results, fields, bytes, messages.
 *
 * Part 3, modes: the defects' reproducers in children in normal mode,
 * with MBUF_FASTPATH=0 and in debug mode: the same outcome in all three.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/resource.h>

#include "testutil.h"

/* ---- a returning panic handler --------------------------------------- */

static char got[1024];
static int reports;

static void
handler(const char *func, const char *msg)
{
	if (reports++ == 0)
		snprintf(got, sizeof(got), "%s: %s", func, msg);
}

#define	VIOLATES(call, want) do {					\
	reports = 0;							\
	got[0] = '\0';							\
	call;								\
	tu_checks++;							\
	if (reports != 1 || strstr(got, (want)) == NULL) {		\
		tu_failures++;						\
		fprintf(stderr, "%s:%d: %s: %d reports, first \"%s\"; "	\
		    "wanted one with \"%s\"\n", __FILE__, __LINE__,	\
		    #call, reports, got, (want));			\
	}								\
	mbuf_clear_error();						\
} while (0)

#define	NO_VIOLATION(call) do {						\
	reports = 0;							\
	got[0] = '\0';							\
	call;								\
	tu_checks++;							\
	if (reports != 0) {						\
		tu_failures++;						\
		fprintf(stderr, "%s:%d: %s: unexpected \"%s\"\n",	\
		    __FILE__, __LINE__, #call, got);			\
	}								\
} while (0)

/* a packet of n plain mbufs of len bytes each */
static struct mbuf *
chain(int n, int len)
{
	struct mbuf *top = tu_pkt(len), *m = top;
	int i;

	for (i = 1; i < n; i++) {
		m->m_next = m_get(M_DONTWAIT, MT_DATA);
		m = m->m_next;
		memset(mtod(m, char *), i, (size_t)len);
		m->m_len = len;
	}
	top->m_pkthdr.len = n * len;
	return top;
}

/* ======================================================================= */
/* Part 1: the defects                                                      */
/* ======================================================================= */

static char buf[8192];
static char src[8192];		/* a fixed pattern to write from */

/* m_move_pkthdr(m, m) stripped M_PKTHDR and moved m_data */
static void
test_move_pkthdr_self(void)
{
	struct mbuf *m = tu_pkt(10);
	char *data = m->m_data;

	VIOLATES(m_move_pkthdr(m, m), "m_move_pkthdr: source and destination are the same mbuf 0x");
	CHECK(m->m_flags & M_PKTHDR);
	CHECK(m->m_data == data);
	CHECK_EQ(m->m_pkthdr.len, 10);
	m_freem(m);
}

/* m_adj(m, INT_MIN) left m_len and pkthdr.len near -2^31 */
static void
test_adj_extremes(void)
{
	struct mbuf *m = tu_pkt(10), *c = chain(3, 20);

	NO_VIOLATION(m_adj(m, INT_MIN));
	CHECK_EQ(m->m_len, 0);
	CHECK_EQ(m->m_pkthdr.len, 0);
	m->m_len = m->m_pkthdr.len = 10;
	NO_VIOLATION(m_adj(m, INT_MAX));
	CHECK_EQ(m->m_len, 0);
	CHECK_EQ(m->m_pkthdr.len, 0);
	m->m_len = m->m_pkthdr.len = 10;
	NO_VIOLATION(m_adj(m, -INT_MAX));
	CHECK_EQ(m->m_len, 0);
	CHECK_EQ(m->m_pkthdr.len, 0);
	NO_VIOLATION(m_adj(c, INT_MIN));
	CHECK_EQ(c->m_pkthdr.len, 0);
	CHECK(c->m_len == 0 && c->m_next->m_len == 0 && c->m_next->m_next->m_len == 0);
	/* a pkthdr.len the caller set to anything wraps, never traps */
	c->m_len = 5;
	c->m_pkthdr.len = INT_MIN;
	NO_VIOLATION(m_adj(c, 1));
	CHECK_EQ(c->m_pkthdr.len, INT_MAX);
	m_freem(m);
	m_freem(c);
}

/*
 * A negative m_len crashed m_copydata and m_copyback; m_copym, m_split and
 * m_pulldown built results from it.  Every operation that uses the mbuf
 * (its bytes are within [0, off + len)) now refuses it.
 */
static void
test_negative_m_len(void)
{
	struct mbuf *m = chain(2, 10), *r;
	char too_long[64];
	int o;

	m->m_next->m_len = -5;
	VIOLATES(m_copydata(m, 0, 15, buf), "m_copydata: mbuf 0x");
	CHECK(strstr(got, "has a negative m_len -5") != NULL);
	VIOLATES(m_copyback(m, 8, 4, buf), "m_copyback: mbuf 0x");
	CHECK(strstr(got, "has a negative m_len -5") != NULL);
	VIOLATES(r = m_copym(m, 0, M_COPYALL, M_DONTWAIT), "has a negative m_len -5");
	CHECK(r == NULL);
	VIOLATES(r = m_copym(m, 5, 6, M_DONTWAIT), "has a negative m_len -5");
	CHECK(r == NULL);
	VIOLATES(r = m_split(m, 12, M_DONTWAIT), "has a negative m_len -5");
	CHECK(r == NULL);
	VIOLATES(r = m_pulldown(m, 8, 4, &o), "has a negative m_len -5");
	CHECK(r == NULL);
	VIOLATES(m_adj(m, 12), "m_adj: mbuf 0x");
	VIOLATES(m_adj(m, -2), "has a negative m_len -5");
	VIOLATES(r = m_pullup(m, 14), "has a negative m_len -5");
	CHECK(r == NULL);
	/* nothing changed */
	CHECK_EQ(m->m_len, 10);
	CHECK_EQ(m->m_next->m_len, -5);
	CHECK_EQ(m->m_pkthdr.len, 20);
	/* bytes the calls do not reach: fine, as in the core */
	NO_VIOLATION(m_copydata(m, 2, 8, buf));
	CHECK_EQ(buf[0], 2);
	m->m_next->m_len = 10;
	/* the head, and a length past the buffer */
	m->m_len = -1;
	VIOLATES(m_copydata(m, 0, 0, buf), "has a negative m_len -1");
	VIOLATES(r = m_prepend(m, 4, M_DONTWAIT), "m_prepend: mbuf 0x");
	CHECK(r == NULL);
	/* one past the buffer: 457 on LP64 (MLEN 456), 225 on i386 (MLEN 224) */
	m->m_len = MLEN + 1;
	snprintf(too_long, sizeof(too_long),
	    "has m_len %d, more than its buffer holds", (int)MLEN + 1);
	VIOLATES(m_copydata(m, 0, 4, buf), too_long);
	VIOLATES(r = m_pullup(m, 4), too_long);
	m->m_len = 10;
	/* m_data outside the buffer */
	m->m_data -= 100;
	VIOLATES(m_copydata(m, 0, 4, buf), "lies outside its buffer");
	VIOLATES(m_adj(m, 1), "lies outside its buffer");
	m->m_data += 100;
	m_freem(m);
}

/*
 * A chain whose m_next loops: m_adj hung forever.  Every walk that goes
 * round the loop now reports it (within two laps); a call whose bytes
 * lie before the loop never gets there.
 */
static void
test_cycles(void)
{
	struct mbuf *m = chain(3, 10), *last = m->m_next->m_next, *r;
	struct iovec iov[8];
	int o;

	last->m_next = m->m_next;	/* 3 -> 2: 10 + 10 + 10 + 10 + ... */
	VIOLATES(m_adj(m, 35), "m_adj: chain has a cycle");
	VIOLATES(m_adj(m, -5), "m_adj: chain has a cycle");
	VIOLATES(m_copydata(m, 0, 35, buf), "m_copydata: chain has a cycle");
	VIOLATES(r = m_copym(m, 0, M_COPYALL, M_DONTWAIT), "m_copym: chain has a cycle");
	VIOLATES(r = m_copym(m, 25, 10, M_DONTWAIT), "m_copym: chain has a cycle");
	VIOLATES(r = m_split(m, 35, M_DONTWAIT), "m_split: chain has a cycle");
	VIOLATES(r = m_pulldown(m, 31, 4, &o), "m_pulldown: chain has a cycle");
	VIOLATES(m_copyback(m, 28, 8, buf), "m_copyback: chain has a cycle");
	VIOLATES(r = m_pullup(m, 35), "m_pullup: chain has a cycle");
	VIOLATES(m_to_iovec(m, iov, 8), "m_to_iovec: chain has a cycle");
	(void)r;
	CHECK_EQ(m->m_pkthdr.len, 30);
	CHECK(m->m_len == 10 && m->m_next->m_len == 10 && last->m_len == 10);
	/* bytes in the first mbuf: nothing to report; a walk over k > 2 mbufs
	   looks up to 3k steps on for a loop (core.checkPrefix) */
	NO_VIOLATION(m_copydata(m, 0, 10, buf));
	NO_VIOLATION(m_copydata(m, 0, 20, buf));
	VIOLATES(m_copydata(m, 0, 30, buf), "m_copydata: chain has a cycle");
	last->m_next = last;		/* a loop onto itself, empty */
	last->m_len = 0;
	VIOLATES(m_adj(m, -5), "m_adj: chain has a cycle");
	VIOLATES(m_copydata(m, 0, 21, buf), "m_copydata: chain has a cycle");
	last->m_next = NULL;
	m_freem(m);
}

/* m_copyback(m, 0, 4, NULL) crashed in the fast path's memcpy */
static void
test_copyback_null(void)
{
	struct mbuf *m = tu_pkt(10);

	VIOLATES(m_copyback(m, 0, 4, NULL), "m_copyback: NULL source for 4 bytes");
	NO_VIOLATION(m_copyback(m, 0, 0, NULL));
	CHECK_EQ(m->m_pkthdr.len, 10);
	m_freem(m);
}

/*
 * m_prepend, the m_pullup fast path and the one-mbuf m_copydata checked
 * only the head or a prefix, where the core checked the whole chain.  Now
 * both check exactly the mbufs the call uses: a freed mbuf the call
 * reaches is reported by both, one it does not reach by neither (as the
 * 2007 code, which never looks there).  The same verdicts in every mode
 * are checked by test_modes.
 */
static void
test_used_mbufs_checked(void)
{
	struct mbuf *m = chain(3, 10), *second = m->m_next, *r;
	struct mbuf *third = second->m_next;
	int o;

	m_free(second);		/* still linked from m */
	VIOLATES(r = m_pullup(m, 14), "m_pullup: mbuf 0x");
	CHECK(strstr(got, "is not allocated") != NULL);
	VIOLATES(m_copydata(m, 5, 10, buf), "m_copydata: mbuf 0x");
	CHECK(strstr(got, "is not allocated") != NULL);
	VIOLATES(r = m_copym(m, 0, 11, M_DONTWAIT), "is not allocated");
	VIOLATES(m_copyback(m, 9, 2, buf), "is not allocated");
	VIOLATES(r = m_pulldown(m, 10, 4, &o), "is not allocated");
	VIOLATES(r = m_split(m, 11, M_DONTWAIT), "is not allocated");
	VIOLATES(m_adj(m, -1), "is not allocated");
	CHECK_EQ(m->m_len, 10);
	CHECK_EQ(m->m_pkthdr.len, 30);
	/* what only the head serves */
	NO_VIOLATION(m_copydata(m, 0, 10, buf));
	NO_VIOLATION(r = m_pullup(m, 10));
	CHECK(r == m);
	NO_VIOLATION(m_adj(m, 3));
	NO_VIOLATION(r = m_prepend(m, 4, M_DONTWAIT));
	CHECK(r != NULL && r->m_next == m);
	if (r != NULL) {
		m_move_pkthdr(m, r);
		r->m_next = NULL;
		m_free(r);
	}
	m->m_next = NULL;
	m_freem(m);
	m_free(third);
}

/* when mbufs run out, one exhaustion is one drop and one drain */
static int hook_runs;
static void count_hook(void *arg) { (void)arg; hook_runs++; }

struct limits_before {
	unsigned long drops, drain;
	int mcfail, hooks;
};

static void
before(struct limits_before *b)
{
	b->drops = mbstat.m_drops;
	b->drain = mbstat.m_drain;
	b->mcfail = MCFail;
	b->hooks = hook_runs;
}

#define	CHECK_ONE_FAILURE(lb, want_mcfail) do {				\
	CHECK_EQ(mbstat.m_drops - (lb).drops, 1);			\
	CHECK_EQ(mbstat.m_drain - (lb).drain, 1);			\
	CHECK_EQ(hook_runs - (lb).hooks, 1);				\
	CHECK_EQ(MCFail - (lb).mcfail, (want_mcfail));			\
} while (0)

/* the process's data size (VmData), in bytes */
static long
data_size(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmData:", 7) == 0)
			kb = atol(line + 7);
	if (f != NULL)
		fclose(f);
	return kb * 1024;
}

/*
 * mbufs have no limit of their own (as in 2007: only clusters do), so
 * they run out when the arena cannot be committed: a soft RLIMIT_DATA a
 * little above the current size makes that happen after some 100 000
 * mbufs instead of 4 Mi (2 GiB).
 */
static void
test_exhaustion(void)
{
	static struct mbuf *all[1 << 20];
	size_t n = 0;
	struct mbuf *m, *c, *r;
	struct limits_before b;
	struct rlimit saved, low;
	long data = data_size();

	if (getenv("MBUF_TEST_UNDER_VALGRIND") != NULL ||
	    getenv("MBUF_TEST_UNDER_SANITIZER") != NULL || data < 0 ||
	    getrlimit(RLIMIT_DATA, &saved) != 0) {
		printf("test_checks: mbuf exhaustion skipped\n");
		return;
	}
	c = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);	/* shared by copies */
	c->m_len = c->m_pkthdr.len = 1000;
	m = tu_pkt(10);
	CHECK_EQ(mbuf_register_drain(count_hook, NULL), 0);
	low = saved;
	low.rlim_cur = (rlim_t)data + (48 << 20);
	CHECK_EQ(setrlimit(RLIMIT_DATA, &low), 0);
	while (n < sizeof(all) / sizeof(all[0]) &&
	    (all[n] = m_get(M_DONTWAIT, MT_DATA)) != NULL)
		n++;
	if (n == sizeof(all) / sizeof(all[0])) {
		tu_failures++;
		fprintf(stderr, "test_checks: RLIMIT_DATA did not limit mbufs\n");
	} else {
		before(&b);
		CHECK(m_get(M_DONTWAIT, MT_DATA) == NULL);
		CHECK_ONE_FAILURE(b, 0);
		before(&b);
		CHECK(m_split(c, 100, M_DONTWAIT) == NULL);
		CHECK_ONE_FAILURE(b, 0);
		CHECK_EQ(c->m_len, 1000);
		before(&b);
		CHECK(m_copym(c, 0, M_COPYALL, M_DONTWAIT) == NULL);
		CHECK_ONE_FAILURE(b, 1);
		CHECK_EQ(c->m_ext.ext_refcnt, 1);
		before(&b);
		r = m_prepend(m, 4, M_DONTWAIT);	/* fails and frees m */
		CHECK(r == NULL);
		CHECK_ONE_FAILURE(b, 0);
		m = NULL;
	}
	CHECK_EQ(setrlimit(RLIMIT_DATA, &saved), 0);
	while (n > 0)
		m_free(all[--n]);
	m_freem(m);
	m_freem(c);
	CHECK_EQ(mbuf_unregister_drain(count_hook, NULL), 0);
}

/* the fast paths copied a NULL m_owner that the core leaves alone */
static void
test_null_owner(void)
{
	struct mbuf *m = chain(2, 100), *plain, *r;

	m->m_owner = NULL;
	m->m_next->m_owner = NULL;
	r = m_copym(m, 0, M_COPYALL, M_DONTWAIT);
	CHECK(r->m_owner == &unknown_mowners[MT_DATA]);
	CHECK(r->m_next->m_owner == &unknown_mowners[MT_DATA]);
	m_freem(r);
	r = m_split(m, 50, M_DONTWAIT);
	CHECK(r != NULL && r->m_owner == &unknown_mowners[MT_DATA]);
	m_freem(r);
	plain = m_get(M_DONTWAIT, MT_HEADER);
	plain->m_owner = NULL;
	plain->m_len = 10;
	r = m_prepend(plain, 8, M_DONTWAIT);
	CHECK(r->m_owner == &unknown_mowners[MT_HEADER]);
	m_freem(r);
	m_freem(m);
}

/*
 * The whole-packet helpers of the bindings (python_helpers.c) read the
 * bytes of every mbuf: mbuf_packet_to_bytes checked liveness and m_len
 * only, and copied from an m_data outside its buffer (an out-of-bounds
 * read, SIGSEGV for a wild pointer); mbuf_py_byte read the head's byte
 * without looking at its m_data.  Now the chain checks of the fast paths,
 * and the core's message, as m_copym of the whole chain gives.
 */
static void
test_whole_packet_helpers(void)
{
	static const int damage[] = { 0, 1, 2, 3, 4 };
	char want[1024], *w;
	struct mbuf *m, *cell;
	char *data;
	int k;

	for (k = 0; k < (int)(sizeof(damage) / sizeof(damage[0])); k++) {
		m = chain(2, 10);
		data = m->m_next->m_data;
		switch (damage[k]) {
		case 0: m->m_next->m_data -= 1 << 20; break;	/* wild */
		case 1: m->m_next->m_data += MLEN; break;	/* past the end */
		case 2: m->m_next->m_len = -5; break;
		case 3: m->m_next->m_len = MLEN + 1; break;
		default: m->m_next->m_next = m; break;		/* a loop */
		}
		VIOLATES(CHECK(m_copym(m, 0, M_COPYALL, M_DONTWAIT) == NULL),
		    "m_copym: ");
		w = strchr(got, ' ');
		snprintf(want, sizeof(want), "mbuf_packet_to_bytes:%s",
		    w != NULL ? w : "?");
		VIOLATES(CHECK_EQ(mbuf_packet_to_bytes(m, buf, sizeof(buf)), -1),
		    want);
		m->m_next->m_data = data;
		m->m_next->m_len = 10;
		m->m_next->m_next = NULL;
		NO_VIOLATION(CHECK_EQ(mbuf_packet_to_bytes(m, buf, sizeof(buf)), 20));
		CHECK(buf[0] == 0 && buf[9] == 9 && buf[10] == 1 && buf[19] == 1);
		m_freem(m);
	}

	/* the head's own byte: its m_data is checked too */
	cell = tu_pkt(10);
	data = cell->m_data;
	cell->m_data -= 1 << 20;
	m = cell;
	VIOLATES(CHECK_EQ(mbuf_py_byte(&cell, 3), MBUF_PY_VIOLATION),
	    "lies outside its buffer");
	m->m_data = data;
	if (cell == m)
		NO_VIOLATION(CHECK_EQ(mbuf_py_byte(&cell, 3), 3));
	m_freem(m);
}

/*
 * The C helpers that take a how (the I/O bridge, the Python helpers) test
 * it with the core's rule and report it in the core's words: the message
 * after "func: " is m_get's, for every bad how.
 */
static void
test_how_wording(void)
{
	static const int hows[] = { -1, 2, 7, INT_MIN, INT_MAX };
	char want[1024], *w;
	int i;

	for (i = 0; i < (int)(sizeof(hows) / sizeof(hows[0])); i++) {
		int how = hows[i];

		VIOLATES(CHECK(m_get(how, MT_DATA) == NULL), "m_get: bad how");
		w = strchr(got, ' ');
		snprintf(want, sizeof(want), "%s", w != NULL ? w : "?");
		VIOLATES(CHECK(m_from_readv(-1, 10, how) == NULL), want);
		CHECK(strncmp(got, "m_from_readv: ", 14) == 0);
		VIOLATES(CHECK(m_recvmsg(-1, NULL, 10, 0, how) == NULL), want);
		CHECK(strncmp(got, "m_recvmsg: ", 11) == 0);
		VIOLATES(CHECK(mbuf_packet_from_bytes(src, 10, how) == NULL), want);
		CHECK(strncmp(got, "mbuf_packet_from_bytes: ", 24) == 0);
	}
}

/* ======================================================================= */
/* Part 2: the twins, fast paths on and off                                 */
/* ======================================================================= */

/*
 * A transcript of what a scenario saw.  Addresses differ between runs,
 * so each pointer is written as the order of its first appearance (#n),
 * in the fields and in violation messages alike.
 */
struct transcript {
	char		text[1 << 21];
	size_t		len;
	const void	*ids[4096];
	int		nids;
};
static struct transcript *tr;
static int twin_fast;		/* the fast paths are on for this twin */

static int
ptr_id(const void *p)
{
	int i;

	if (p == NULL)
		return 0;
	for (i = 0; i < tr->nids; i++)
		if (tr->ids[i] == p)
			return i + 1;
	if (tr->nids < (int)(sizeof(tr->ids) / sizeof(tr->ids[0])))
		tr->ids[tr->nids++] = p;
	return tr->nids;
}

static void
say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (tr->len < sizeof(tr->text))
		tr->len += (size_t)vsnprintf(tr->text + tr->len,
		    sizeof(tr->text) - tr->len, fmt, ap);
	va_end(ap);
	if (tr->len > sizeof(tr->text))
		tr->len = sizeof(tr->text);
}

/*
 * Not the buffer bounds "[start, end)" of a message: an end is the next
 * slot's address, an id of its own or not as the two runs lay mbufs out.
 */
static int msg_no_bounds;

/* a violation message, its addresses as ids */
static void
say_msg(const char *msg)
{
	const char *p = msg;
	char *end;

	while (*p != '\0' && !(msg_no_bounds && *p == '[')) {
		if (p[0] == '0' && p[1] == 'x') {
			unsigned long v = strtoul(p, &end, 16);

			say("#%d", ptr_id((const void *)v));
			p = end;
		} else
			say("%c", *p++);
	}
}

/* ids count from here (addresses are reused differently by the two paths) */
static void
ids_reset(void)
{
	tr->nids = 0;
}

/* run a call, ids counted from it; note the violation, if any */
#define	DO(call) do {							\
	ids_reset();							\
	reports = 0;							\
	got[0] = '\0';							\
	call;								\
	say("%s -> ", #call);						\
	if (reports > 0) {						\
		say("%d reports: ", reports);				\
		say_msg(got);						\
	}								\
	say("\n");							\
	mbuf_clear_error();						\
} while (0)

/*
 * The chain after a call that returns its new head: NULL without a
 * violation means the call freed it; after a violation it is unchanged.
 */
static struct mbuf *
after(struct mbuf *old, struct mbuf *res)
{
	return res != NULL ? res : reports > 0 ? old : NULL;
}

/* one mbuf's header fields, pointers as ids, data as offsets */
static void
say_mbuf(const struct mbuf *m)
{
	say("  mbuf #%d: next #%d nextpkt #%d len %d flags %#x type %d "
	    "paddr %#lx owner %s",
	    ptr_id(m), ptr_id(m->m_next), ptr_id(m->m_nextpkt), m->m_len,
	    m->m_flags, m->m_type, (unsigned long)m->m_paddr,
	    m->m_owner == NULL ? "NULL" : m->m_owner->mo_descr);
	if (m->m_flags & M_EXT) {
		const struct mbuf *h = m->m_ext_ref;

		say(" ext_ref #%d data buf+%ld buf #%d size %zu refcnt %u "
		    "flags %#x free %p arg %s type %s",
		    ptr_id(h), (long)(m->m_data - h->m_ext_storage.ext_buf),
		    ptr_id(h->m_ext_storage.ext_buf), h->m_ext_storage.ext_size,
		    h->m_ext_storage.ext_refcnt, h->m_ext_storage.ext_flags,
		    (void *)h->m_ext_storage.ext_free,
		    h->m_ext_storage.ext_arg == mcl_cache ? "mcl_cache" : "?",
		    h->m_ext_storage.ext_type == NULL ? "NULL" :
		    h->m_ext_storage.ext_type->ks_shortdesc);
	} else
		say(" data dat+%ld ext_ref %s", (long)(m->m_data - m->m_dat),
		    m->m_ext_ref == m ? "self" : "other");
	if (m->m_flags & M_PKTHDR)
		say(" pkthdr rcvif %p tags #%d len %d csum %#x/%#x segsz %u",
		    (void *)m->m_pkthdr.rcvif,
		    ptr_id(SLIST_FIRST(&m->m_pkthdr.tags)), m->m_pkthdr.len,
		    m->m_pkthdr.csum_flags, m->m_pkthdr.csum_data,
		    m->m_pkthdr.segsz);
	say("\n");
}

/* a chain: every mbuf and the bytes */
static void
say_chain(const char *name, const struct mbuf *m)
{
	const struct mbuf *x;
	unsigned long h = 5381;
	int i, n = 0;

	say("%s:\n", name);
	for (x = m; x != NULL && n < 64; x = x->m_next, n++) {
		say_mbuf(x);
		for (i = 0; i < x->m_len && x->m_len <= 65536; i++)
			h = h * 33 + (unsigned char)x->m_data[i];
	}
	say("  bytes hash %lu\n", h);
}

/* the statistics a scenario may change, as changes since its start */
struct counts {
	long	leaks, drops, drain, wait, mcfail, mpfail, msfail;
	long	types[256];
};
static struct counts at_start;

static void
get_counts(struct counts *c)
{
	int i;

	mbuf_stats_sync();
	c->leaks = mbuf_leak_count();
	c->drops = (long)mbstat.m_drops;
	c->drain = (long)mbstat.m_drain;
	c->wait = (long)mbstat.m_wait;
	c->mcfail = MCFail;
	c->mpfail = MPFail;
	c->msfail = MSFail;
	for (i = 0; i < 256; i++)
		c->types[i] = mbstat.m_mtypes[i];
}

static void
say_counts(void)
{
	struct counts c;
	int i;

	get_counts(&c);
	say("counts: leaks %+ld drops %+ld drain %+ld wait %+ld MCFail %+ld "
	    "MPFail %+ld MSFail %+ld", c.leaks - at_start.leaks,
	    c.drops - at_start.drops, c.drain - at_start.drain,
	    c.wait - at_start.wait, c.mcfail - at_start.mcfail,
	    c.mpfail - at_start.mpfail, c.msfail - at_start.msfail);
	for (i = 0; i < 256; i++)
		if (c.types[i] != at_start.types[i])
			say(" type%d %+ld", i, c.types[i] - at_start.types[i]);
	say("\n");
}

/* run scenario with the fast paths on, then off; the transcripts must match */
static void
twins(const char *name, void (*scenario)(void))
{
	static struct transcript t[2];
	size_t i;
	int k;

	for (k = 0; k < 2; k++) {
		memset(&t[k], 0, sizeof(t[k]));
		tr = &t[k];
		mbuf_set_fastpath(k == 0);
		twin_fast = k == 0;
		get_counts(&at_start);
		scenario();
		say_counts();
		/* a full transcript would compare only its start */
		CHECK(tr->len < sizeof(tr->text) - 1);
	}
	mbuf_set_fastpath(1);
	tu_checks++;
	if (t[0].len != t[1].len || memcmp(t[0].text, t[1].text, t[0].len) != 0) {
		tu_failures++;
		for (i = 0; i < t[0].len && i < t[1].len &&
		    t[0].text[i] == t[1].text[i]; i++)
			;
		while (i > 0 && t[0].text[i - 1] != '\n')
			i--;
		fprintf(stderr, "twins %s: the fast paths differ from the core "
		    "from here:\n--- fast paths on:\n%.600s\n--- off:\n%.600s\n",
		    name, t[0].text + i, t[1].text + i);
	}
}

/* ---- scenarios ------------------------------------------------------------ */

/* MGET / MGETHDR / m_getclr / m_getcl / MCLGET: every field, every type */
static void
sc_alloc(void)
{
	struct mbuf *m;
	int t, k;

	for (t = 1; t < 256; t++) {
		for (k = 0; k < 6; k++) {
			switch (k) {
			case 0: m = m_get(M_DONTWAIT, t); break;
			case 1: m = m_gethdr(M_WAIT, t); break;
			case 2: m = m_getclr(M_DONTWAIT, t); break;
			case 3: m = m_getcl(M_DONTWAIT, t, 0); break;
			case 4: m = m_getcl(M_WAIT, t, M_PKTHDR); break;
			default:
				m = m_gethdr(M_DONTWAIT, t);
				MCLGET(m, M_DONTWAIT);
				break;
			}
			ids_reset();
			if (t < 9 || t % 37 == 0)
				say_mbuf(m);
			m_freem(m);
		}
	}
}

/* the how and type checks of every allocating call */
static void
sc_how_type(void)
{
	static const int hows[] = { M_WAIT, M_DONTWAIT, -1, 2, 7, INT_MIN, INT_MAX };
	static const int tys[] = { MT_FREE, MT_DATA, -1, 255, 256, INT_MIN, INT_MAX };
	struct mbuf *m = tu_pkt(100), *r;
	int i, j;

	for (i = 0; i < (int)(sizeof(hows) / sizeof(hows[0])); i++) {
		int how = hows[i];

		for (j = 0; j < (int)(sizeof(tys) / sizeof(tys[0])); j++) {
			int ty = tys[j];

			say("how %d type %d\n", how, ty);
			DO(r = m_get(how, ty)); m_free(r);
			DO(r = m_gethdr(how, ty)); m_free(r);
			DO(r = m_getclr(how, ty)); m_free(r);
			DO(r = m_getcl(how, ty, M_PKTHDR)); m_freem(r);
		}
		say("how %d\n", how);
		DO(r = m_copym(m, 0, 10, how)); m_freem(r);
		DO(r = m_split(m, 50, how));
		if (r != NULL)
			m_cat(m, r);
		DO(r = m_prepend(m, 10, how));
		if (r != NULL) {
			m = r;
			m_adj(m, 10);
		}
		r = m_get(M_DONTWAIT, MT_DATA);
		DO(m_clget(r, how));
		m_freem(r);
	}
	say_chain("m", m);
	m_freem(m);
}

/* holder and sharers of a cluster, freed in every order */
static void
sc_sharing(void)
{
	static const int orders[][4] = {
		{ 0, 1, 2, 3 }, { 3, 2, 1, 0 }, { 1, 0, 3, 2 }, { 2, 0, 3, 1 },
	};
	struct mbuf *m[4];
	int o, k;

	for (o = 0; o < 4; o++) {
		m[0] = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);
		m[0]->m_len = m[0]->m_pkthdr.len = 1500;
		m[1] = m_copym(m[0], 0, M_COPYALL, M_DONTWAIT);
		m[2] = m_copym(m[1], 100, 200, M_DONTWAIT);	/* a sharer's sharer */
		m[3] = m_split(m[0], 700, M_DONTWAIT);
		ids_reset();
		for (k = 0; k < 4; k++)
			say_chain("shared", m[k]);
		for (k = 0; k < 4; k++) {
			DO(m_freem(m[orders[o][k]]));
			say_counts();
		}
	}
	/* a copy made with the fast paths off and freed with them on */
	m[0] = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);
	m[0]->m_len = m[0]->m_pkthdr.len = 100;
	k = mbuf_set_fastpath(0);
	m[1] = m_copym(m[0], 0, M_COPYALL, M_DONTWAIT);
	mbuf_set_fastpath(!k);
	m_freem(m[0]);
	say_counts();
	mbuf_set_fastpath(k);
	m_freem(m[1]);
	say_counts();
}

/* packets of several shapes for the chain operations */
static struct mbuf *
shape(int k)
{
	struct mbuf *m, *n;

	switch (k) {
	case 0:			/* one header mbuf */
		return tu_pkt(60);
	case 1:			/* header + 3 plain */
		return chain(4, 30);
	case 2:			/* header + cluster */
		m = tu_pkt(14);
		m->m_next = m_getcl(M_DONTWAIT, MT_DATA, 0);
		memset(m->m_next->m_data, 0x5a, 1500);
		m->m_next->m_len = 1500;
		m->m_pkthdr.len = 1514;
		return m;
	case 3:			/* a shared (read-only) cluster */
		m = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);
		memset(m->m_data, 0x33, 800);
		m->m_len = m->m_pkthdr.len = 800;
		n = m_copym(m, 0, M_COPYALL, M_DONTWAIT);
		m_freem(m);
		return n;
	case 4:			/* plain mbufs, no header, one empty */
		m = m_get(M_DONTWAIT, MT_DATA);
		memset(m->m_data, 0x44, 20);	/* (recycled: set every byte) */
		m->m_len = 20;
		m->m_next = m_get(M_DONTWAIT, MT_DATA);
		m->m_next->m_next = m_get(M_DONTWAIT, MT_HEADER);
		memset(m->m_next->m_next->m_data, 0x55, 40);
		m->m_next->m_next->m_len = 40;
		return m;
	default:		/* leading space for M_PREPEND */
		m = tu_pkt(100);
		m->m_data += 40;
		m->m_len -= 40;
		m->m_pkthdr.len -= 40;
		return m;
	}
}
#define	NSHAPES	6

/* the fast-path operations on every shape, at many offsets */
static void
sc_chain_ops(void)
{
	static const int offs[] = { 0, 1, 13, 14, 29, 30, 60, 100, 800, 1513, 1514 };
	struct mbuf *m, *r;
	int s, i, j, o, len;

	for (s = 0; s < NSHAPES; s++) {
		m = shape(s);
		len = m_length(m);
		for (i = 0; i < (int)(sizeof(offs) / sizeof(offs[0])); i++) {
			o = offs[i];
			for (j = 0; j < 4; j++) {
				int n = j == 0 ? 0 : j == 1 ? 1 : j == 2 ? 40 : len - o;

				if (o + n > len || n < 0)
					continue;
				say("shape %d off %d len %d\n", s, o, n);
				DO(m_copydata(m, o, n, buf));
				say("  copied %d %d\n", n > 0 ? buf[0] : -1, n > 0 ? buf[n - 1] : -1);
				DO(r = m_copym(m, o, n, M_DONTWAIT));
				say_chain("copym", r);
				m_freem(r);
				DO(r = m_copym(m, o, M_COPYALL, M_DONTWAIT));
				say_chain("copym all", r);
				m_freem(r);
				r = m_copym(m, 0, M_COPYALL, M_DONTWAIT);
				DO(m_copyback(r, o, n, src));
				say_chain("copyback", r);
				DO(m_adj(r, n));
				say_chain("adj", r);
				DO(m_adj(r, -n));
				say_chain("adj tail", r);
				m_freem(r);
				r = m_dup(m, 0, M_COPYALL, M_DONTWAIT);
				{
					struct mbuf *tail;
					int off = -1;

					DO(tail = m_split(r, o, M_DONTWAIT));
					say_chain("split head", r);
					say_chain("split tail", tail);
					m_freem(tail);
					DO(tail = m_pulldown(r, 0, n < 60 ? n : 60, &off));
					say("  pulldown #%d off %d\n", ptr_id(tail), off);
					if (tail == NULL && reports == 0)
						r = NULL;
					say_chain("after pulldown", r);
					if (r != NULL) {
						DO(tail = m_pullup(r, n < 100 ? n : 100));
						r = after(r, tail);
						say_chain("pullup", r);
					}
					if (r != NULL) {
						DO(tail = m_prepend(r, n < 200 ? n : 200, M_DONTWAIT));
						if (tail != NULL)	/* the new bytes are the caller's */
							memset(mtod(tail, char *), 0xee, (size_t)tail->m_len);
						r = after(r, tail);
						say_chain("prepend", r);
					}
				}
				m_freem(r);
			}
		}
		m_freem(m);
	}
}

/* hostile arguments to every fast-path operation: the same verdicts */
static void
sc_hostile(void)
{
	static const int vals[] = { -1, 0, 1, 59, 60, 61, INT_MAX, INT_MIN, M_COPYALL };
	struct mbuf *m, *r;
	int s, i, j, o, n, off;

	for (s = 0; s < NSHAPES; s++) {
		m = shape(s);
		for (i = 0; i < (int)(sizeof(vals) / sizeof(vals[0])); i++) {
			o = vals[i];
			for (j = 0; j < (int)(sizeof(vals) / sizeof(vals[0])); j++) {
				n = vals[j];
				say("shape %d off %d len %d\n", s, o, n);
				DO(m_copydata(m, o, n, buf));
				DO(r = m_copym(m, o, n, M_DONTWAIT)); m_freem(r);
				/* (a far offset would grow the chain to the limit) */
				if (o <= 61)
					DO(m_copyback(m, o, n < 100 ? n : 100, src));
			}
			r = m_copym(m, 0, M_COPYALL, M_DONTWAIT);
			DO(m_adj(r, o));
			say_chain("adj", r);
			{
				struct mbuf *t;

				DO(t = m_pullup(r, o));
				r = after(r, t);
				say_chain("pullup", r);
				if (r != NULL) {
					DO(t = m_prepend(r, o, M_DONTWAIT));
					if (t != NULL)	/* the new bytes are the caller's */
						memset(mtod(t, char *), 0xee, (size_t)t->m_len);
					r = after(r, t);
					say_chain("prepend", r);
				}
				m_freem(r);
				r = m_copym(m, 0, M_COPYALL, M_DONTWAIT);
				DO(t = m_split(r, o, M_DONTWAIT));
				m_freem(t);
				off = -1;
				DO(t = m_pulldown(r, o, 4, &off));
				say("  pulldown #%d off %d\n", ptr_id(t), off);
				if (t != NULL || reports > 0)
					m_freem(r);
			}
		}
		/* broken chains, each restored after the call */
		for (i = 0; i < 6; i++) {
			struct mbuf *last = m, *freed_one = NULL;
			int saved_len = m->m_len;
			char *saved_data = m->m_data;

			while (last->m_next != NULL)
				last = last->m_next;
			switch (i) {
			case 0: m->m_len = -3; break;
			case 1: m->m_len = MCLBYTES + 1; break;
			case 2: m->m_data = (char *)m - 8; break;
			case 3: last->m_next = m; break;
			case 4: last->m_next = last; break;
			default:
				freed_one = m_get(M_DONTWAIT, MT_DATA);
				m_free(freed_one);
				last->m_next = freed_one;
				break;
			}
			say("shape %d broken %d\n", s, i);
			DO(m_copydata(m, 0, 1, buf));
			DO(r = m_copym(m, 0, 1, M_DONTWAIT)); m_freem(r);
			DO(m_copyback(m, 0, 1, src));
			DO(m_adj(m, 1));
			DO(m_adj(m, -1));
			DO(r = m_split(m, 1, M_DONTWAIT)); m_freem(r);
			DO(r = m_pulldown(m, 0, 1, &off));
			DO(r = m_pullup(m, 1));
			DO(r = m_prepend(m, 1, M_DONTWAIT));
			DO(m_move_pkthdr(m, m));
			last->m_next = NULL;
			m->m_len = saved_len;
			m->m_data = saved_data;
		}
		m_freem(m);
	}
}

/*
 * m_prepend's size rule (the fast path tests 0..MHLEN first, then up to
 * MLEN for a head without a packet header): every boundary, with and
 * without a header, on a plain and a cluster head.
 */
static void
sc_prepend_sizes(void)
{
	static const int lens[] = { -1, 0, 1, MHLEN - 1, MHLEN, MHLEN + 1,
	    MLEN - 1, MLEN, MLEN + 1, INT_MAX, INT_MIN };
	struct mbuf *m, *r;
	int k, i;

	for (k = 0; k < 4; k++) {
		for (i = 0; i < (int)(sizeof(lens) / sizeof(lens[0])); i++) {
			m = (k & 2) ? m_getcl(M_DONTWAIT, MT_DATA,
			    (k & 1) ? M_PKTHDR : 0) : (k & 1) ?
			    m_gethdr(M_DONTWAIT, MT_DATA) :
			    m_get(M_DONTWAIT, MT_DATA);
			memset(m->m_data, 0x21, 10);
			m->m_len = 10;
			if (m->m_flags & M_PKTHDR)
				m->m_pkthdr.len = 10;
			say("head %d len %d\n", k, lens[i]);
			DO(r = m_prepend(m, lens[i], M_DONTWAIT));
			if (r != NULL)	/* the new bytes are the caller's */
				memset(mtod(r, char *), 0xee, (size_t)r->m_len);
			r = after(m, r);
			say_chain("prepend", r);
			m_freem(r);
		}
	}
}

/*
 * The chain walk (capi/mbufc/checks.h) checks each mbuf as it reaches it,
 * and an operation acts only once its walk passed.  A damaged mbuf at each
 * position of a chain, under each operation, with byte counts ending
 * before it, in it and past it: the fast paths and the core must agree,
 * and a call that reports must have changed nothing (no half-trimmed
 * chain, no partly copied buffer), in both modes.
 */
#define	WALK_N	5	/* header 30 B, cluster 100 B, 30 B, shared cluster 50 B, 30 B */
static const int walk_ends[] = { 1, 29, 30, 31, 129, 130, 131, 160, 161,
    210, 211, 240 };

enum walk_damage { W_NEGLEN, W_BIGLEN, W_DATA, W_EXTREF, W_FREED,
    W_LOOP_HEAD, W_LOOP_SELF, W_LOOP_SECOND, W_NDAMAGE };
static const char *const walk_damage_names[] = { "m_len < 0",
    "m_len past its buffer", "m_data outside", "corrupt m_ext_ref",
    "a freed mbuf", "m_next to the head", "m_next to itself",
    "m_next to the second" };

enum walk_op { W_COPYDATA, W_COPYDATA_END, W_COPYM, W_COPYM_END,
    W_COPYBACK, W_COPYBACK_END, W_ADJ, W_ADJ_TAIL, W_PULLUP, W_PULLDOWN,
    W_PULLDOWN_END, W_SPLIT, W_NOPS };

struct walk_trial {
	struct mbuf	*v[WALK_N];	/* the chain's mbufs, in order */
	struct mbuf	*head;		/* what the call is given */
	struct mbuf	*zombie;	/* a freed mbuf whose storage is shared */
	struct mbuf	*zombie_sharer;	/* what keeps it so */
	struct mbuf	saved[WALK_N];	/* each mbuf's fields before the call */
	struct mbuf	saved_zombie;
	struct mbuf	*x, *x_next;	/* the damaged mbuf, its own m_next */
	int		x_len;
	char		*x_data;
	struct mbuf	*x_ref;
};

static struct mbuf *
walk_fill(struct mbuf *m, int len, int seed)
{
	int i;

	for (i = 0; i < len; i++)
		mtod(m, unsigned char *)[i] = (unsigned char)(seed + i);
	m->m_len = len;
	return m;
}

/* the chain, and a zombie: freed, its cluster still shared */
static void
walk_build(struct walk_trial *t)
{
	struct mbuf *c;
	int i;

	t->v[0] = tu_pkt(30);
	t->v[1] = walk_fill(m_getcl(M_DONTWAIT, MT_DATA, 0), 100, 1);
	t->v[2] = walk_fill(m_get(M_DONTWAIT, MT_DATA), 30, 2);
	c = walk_fill(m_getcl(M_DONTWAIT, MT_DATA, 0), 200, 3);
	t->v[3] = m_copym(c, 20, 50, M_DONTWAIT);	/* shares c's cluster */
	m_freem(c);
	t->v[4] = walk_fill(m_get(M_DONTWAIT, MT_DATA), 30, 4);
	for (i = 0; i + 1 < WALK_N; i++)
		t->v[i]->m_next = t->v[i + 1];
	t->v[0]->m_pkthdr.len = 240;
	t->zombie = walk_fill(m_getcl(M_DONTWAIT, MT_DATA, 0), 30, 5);
	t->zombie_sharer = m_copym(t->zombie, 0, M_COPYALL, M_DONTWAIT);
	m_free(t->zombie);
	t->head = t->v[0];
}

/* damage the mbuf at position p; 0 when the damage does not apply there */
static int
walk_damage(struct walk_trial *t, int d, int p)
{
	struct mbuf *x = t->v[p];

	t->x = x;
	t->x_next = x->m_next;
	t->x_len = x->m_len;
	t->x_data = x->m_data;
	t->x_ref = x->m_ext_ref;
	switch (d) {
	case W_NEGLEN:
		x->m_len = -3;
		break;
	case W_BIGLEN:
		x->m_len += 2000;
		break;
	case W_DATA:
		x->m_data = (char *)x - 8;
		break;
	case W_EXTREF:
		if ((x->m_flags & M_EXT) == 0)
			return 0;
		x->m_ext_ref = (struct mbuf *)((char *)x + 8);
		break;
	case W_FREED:		/* the zombie in x's place */
		t->zombie->m_next = x->m_next;
		if (p == 0)
			t->head = t->zombie;
		else
			t->v[p - 1]->m_next = t->zombie;
		break;
	case W_LOOP_HEAD:
		x->m_next = t->v[0];
		break;
	case W_LOOP_SELF:
		x->m_next = x;
		break;
	default:
		if (p < 1)
			return 0;
		x->m_next = t->v[1];
		break;
	}
	return 1;
}

/* undo the damage wherever the call left the links (chains a and b) */
static void
walk_repair(struct walk_trial *t, int d, struct mbuf **a, struct mbuf *b)
{
	struct mbuf *chains[2] = { *a, b }, *y;
	int i, n;

	switch (d) {
	case W_NEGLEN: case W_BIGLEN:
		t->x->m_len = t->x_len;
		break;
	case W_DATA:
		t->x->m_data = t->x_data;
		break;
	case W_EXTREF:
		t->x->m_ext_ref = t->x_ref;
		break;
	case W_FREED:
		if (*a == t->zombie)
			*a = t->x;
		for (i = 0; i < 2; i++)
			for (y = chains[i], n = 0; y != NULL && n < 16;
			    y = y->m_next, n++)
				if (y->m_next == t->zombie)
					y->m_next = t->x;
		t->zombie->m_next = NULL;
		break;
	default:
		t->x->m_next = t->x_next;
		break;
	}
}

/* a chain in one line: each mbuf's length and flags, and its bytes */
static void
say_brief(const char *name, const struct mbuf *m)
{
	unsigned long h = 5381;
	int i, n;

	say(" %s", name);
	for (n = 0; m != NULL && n < 16; m = m->m_next, n++) {
		say(" #%d:%d/%x", ptr_id(m), m->m_len, m->m_flags);
		for (i = 0; i < m->m_len; i++)
			h = h * 33 + (unsigned char)m->m_data[i];
	}
	say(" =%lu", h);
}

/* did a call that reported change the chain, or the copy's buffer? */
static void
walk_unchanged(struct walk_trial *t, int op, const char *what)
{
	int i, same = 1;

	for (i = 0; i < WALK_N; i++)
		same &= memcmp(t->v[i], &t->saved[i], sizeof(struct mbuf)) == 0;
	same &= memcmp(t->zombie, &t->saved_zombie, sizeof(struct mbuf)) == 0;
	if (op == W_COPYDATA || op == W_COPYDATA_END)
		for (i = 0; i < 300; i++)
			same &= buf[i] == (char)0xa5;
	tu_checks++;
	if (!same) {
		tu_failures++;
		fprintf(stderr, "walk: %s (fast paths %s) reported and changed "
		    "the chain or the buffer\n", what,
		    twin_fast ? "on" : "off");
	}
}

static void
sc_walk(void)
{
	struct walk_trial t;
	struct mbuf *r, *tail;
	char what[160];
	int d, p, e, op, o, n, at;

	msg_no_bounds = 1;
	for (d = 0; d < W_NDAMAGE; d++)
	for (p = 0; p < WALK_N; p++)
	for (e = 0; e < (int)(sizeof(walk_ends) / sizeof(walk_ends[0])); e++)
	for (op = 0; op < W_NOPS; op++) {
		/* calls that may free or relink mbufs the loop runs through
		   would leave it unrepairable: loops get the others */
		if (d >= W_LOOP_HEAD && (op == W_PULLUP || op == W_SPLIT))
			continue;
		walk_build(&t);
		if (!walk_damage(&t, d, p)) {
			m_freem(t.head);
			m_freem(t.zombie_sharer);
			continue;
		}
		for (n = 0; n < WALK_N; n++)
			t.saved[n] = *t.v[n];
		t.saved_zombie = *t.zombie;
		memset(buf, 0xa5, 300);
		n = walk_ends[e];
		o = 0;
		r = t.head;
		tail = NULL;
		snprintf(what, sizeof(what), "%s at %d, op %d to %d",
		    walk_damage_names[d], p, op, n);
		say("%s:\n", what);
		switch (op) {
		case W_COPYDATA_END: o = n - 1; n = 1; /* FALLTHROUGH */
		case W_COPYDATA:
			DO(m_copydata(t.head, o, n, buf));
			say(" buf %d %d %d", buf[0], buf[n - 1], buf[n]);
			break;
		case W_COPYM_END: o = n - 1; n = 1; /* FALLTHROUGH */
		case W_COPYM:
			DO(tail = m_copym(t.head, o, n, M_DONTWAIT));
			say_brief("copy", tail);
			m_freem(tail);
			tail = NULL;
			break;
		case W_COPYBACK_END: o = n - 1; n = 1; /* FALLTHROUGH */
		case W_COPYBACK:
			DO(m_copyback(t.head, o, n, src));
			break;
		case W_ADJ:
			DO(m_adj(t.head, n));
			break;
		case W_ADJ_TAIL:
			DO(m_adj(t.head, -n));
			break;
		case W_PULLUP:
			DO(r = m_pullup(t.head, n));
			r = after(t.head, r);
			break;
		case W_PULLDOWN_END: o = n - 1; n = 1; /* FALLTHROUGH */
		case W_PULLDOWN:
			at = -1;
			DO(tail = m_pulldown(t.head, o, n, &at));
			say(" at #%d off %d", ptr_id(tail), at);
			if (tail == NULL && reports == 0)
				r = NULL;	/* freed */
			tail = NULL;
			break;
		default:
			DO(tail = m_split(t.head, n, M_DONTWAIT));
			break;
		}
		if (reports > 0)
			walk_unchanged(&t, op, what);
		if (r == NULL && reports == 0) {
			/* the call freed the chain: it used (checked) all of it */
			tu_checks++;
			tu_failures++;
			fprintf(stderr, "walk: %s freed a damaged chain\n", what);
		} else
			walk_repair(&t, d, &r, tail);
		say_brief("chain", r);
		say_brief("tail", tail);
		say("\n");
		m_freem(r);
		m_freem(tail);
		m_freem(t.zombie_sharer);
	}
	msg_no_bounds = 0;
}

/* ======================================================================= */
/* Part 3: the same verdicts in every mode                                  */
/* ======================================================================= */

/*
 * The reproducers of the defects, each run in a fresh child in normal
 * mode, with MBUF_FASTPATH=0 and with MBUF_DEBUG=1 (the core, as the
 * defects were found): each prints what it saw on one line, and the
 * three lines must agree.  (Debug mode adds who freed an mbuf to some
 * messages: the line stops before that.)
 */
static void
print_outcome(const char *what)
{
	char line[1024];
	char *semi;

	snprintf(line, sizeof(line), "%s", got);
	if ((semi = strstr(line, "; freed by")) != NULL)
		*semi = '\0';
	for (semi = line; *semi != '\0'; semi++)	/* addresses differ */
		if (semi[0] == '0' && semi[1] == 'x')
			while (semi[2] != '\0' && strchr("0123456789abcdef", semi[2]))
				memmove(semi + 2, semi + 3, strlen(semi + 2));
	printf("%s | %d reports: %s\n", what, reports, line);
}

static void
mode_case(const char *name)
{
	struct mbuf *m = chain(2, 10), *r = NULL, *second = m->m_next;
	char out[64];

	reports = 0;
	got[0] = '\0';
	if (strcmp(name, "move_pkthdr_self") == 0) {
		m_move_pkthdr(m, m);
		snprintf(out, sizeof(out), "flags %#x data %ld", m->m_flags,
		    (long)(m->m_data - (char *)m));
	} else if (strcmp(name, "adj_int_min") == 0) {
		m_adj(m, INT_MIN);
		snprintf(out, sizeof(out), "len %d %d pkt %d", m->m_len,
		    second->m_len, m->m_pkthdr.len);
	} else if (strcmp(name, "negative_m_len") == 0) {
		second->m_len = -5;
		m_copydata(m, 5, 10, buf);
		second->m_len = 10;
		snprintf(out, sizeof(out), "-");
	} else if (strcmp(name, "cycle") == 0) {
		second->m_next = second;
		m_adj(m, -3);
		second->m_next = NULL;
		snprintf(out, sizeof(out), "len %d %d", m->m_len, second->m_len);
	} else if (strcmp(name, "copyback_null") == 0) {
		m_copyback(m, 0, 4, NULL);
		snprintf(out, sizeof(out), "-");
	} else if (strcmp(name, "prepend_freed_second") == 0) {
		m_free(second);
		r = m_prepend(m, 4, M_DONTWAIT);
		snprintf(out, sizeof(out), "result %s", r == NULL ? "NULL" : "new head");
		if (r != NULL) {
			m_move_pkthdr(m, r);
			r->m_next = NULL;
			m_free(r);
		}
		m->m_next = NULL;
		second = NULL;
	} else if (strcmp(name, "null_owner") == 0) {
		m->m_owner = second->m_owner = NULL;
		r = m_copym(m, 0, M_COPYALL, M_DONTWAIT);
		snprintf(out, sizeof(out), "owners %s %s",
		    r->m_owner ? r->m_owner->mo_descr : "NULL",
		    r->m_next->m_owner ? r->m_next->m_owner->mo_descr : "NULL");
		m_freem(r);
	}
	print_outcome(out);
	m_freem(m);
}

static const char *mode_cases[] = { "move_pkthdr_self", "adj_int_min",
    "negative_m_len", "cycle", "copyback_null", "prepend_freed_second",
    "null_owner", NULL };

/* run this program with --mode-case NAME and one more variable set */
static void
run_mode(const char *self, const char *name, const char *env, char *out,
    size_t outsz)
{
	/* under qemu-user the child needs the emulator too (testutil.h) */
	const char *emu = getenv("MBUF_TEST_EXEC");
	char cmd[1024];
	FILE *f;
	size_t n;

	snprintf(cmd, sizeof(cmd), "env -u MBUF_DEBUG -u MBUF_FASTPATH %s "
	    "%s '%s' --mode-case %s 2>/dev/null", env, emu != NULL ? emu : "",
	    self, name);
	out[0] = '\0';
	if ((f = popen(cmd, "r")) == NULL)
		return;
	n = fread(out, 1, outsz - 1, f);
	out[n] = '\0';
	pclose(f);
}

static void
test_modes(const char *self)
{
	static const char *envs[] = { "MBUF_FASTPATH=1", "MBUF_FASTPATH=0",
	    "MBUF_DEBUG=1" };
	char out[3][1024];
	int i, k;

	for (i = 0; mode_cases[i] != NULL; i++) {
		for (k = 0; k < 3; k++)
			run_mode(self, mode_cases[i], envs[k], out[k], sizeof(out[k]));
		tu_checks++;
		if (out[0][0] == '\0' || strcmp(out[0], out[1]) != 0 ||
		    strcmp(out[0], out[2]) != 0) {
			tu_failures++;
			fprintf(stderr, "mode case %s differs:\n  normal: %s  "
			    "fast paths off: %s  debug: %s", mode_cases[i],
			    out[0], out[1], out[2]);
		}
	}
}

static const struct {
	const char *name;
	void (*fn)(void);
} defects[] = {
	{ "move_pkthdr_self", test_move_pkthdr_self },
	{ "adj_extremes", test_adj_extremes },
	{ "negative_m_len", test_negative_m_len },
	{ "cycles", test_cycles },
	{ "copyback_null", test_copyback_null },
	{ "used_mbufs_checked", test_used_mbufs_checked },
	{ "exhaustion", test_exhaustion },
	{ "null_owner", test_null_owner },
	{ "how_wording", test_how_wording },
	{ "whole_packet_helpers", test_whole_packet_helpers },
};

/* test_checks [NAME]: all, or only the defect test NAME */
int
main(int argc, char **argv)
{
	int i;

	alarm(600);	/* a hang (a walk around a cycle) fails, never blocks */
	for (i = 0; i < (int)sizeof(src); i++)
		src[i] = (char)(i * 7 + 3);
	mbuf_set_panic_handler(handler);
	if (argc == 3 && strcmp(argv[1], "--mode-case") == 0) {
		alarm(20);
		mode_case(argv[2]);
		mbuf_set_panic_handler(NULL);
		return 0;
	}
	for (i = 0; i < (int)(sizeof(defects) / sizeof(defects[0])); i++)
		if (argc < 2 || strcmp(argv[1], defects[i].name) == 0)
			defects[i].fn();
	if (argc >= 2)
		return tu_finish(argv[1]);
	test_modes(argv[0]);

	twins("alloc", sc_alloc);
	twins("how_type", sc_how_type);
	twins("sharing", sc_sharing);
	twins("chain_ops", sc_chain_ops);
	twins("hostile", sc_hostile);
	twins("walk", sc_walk);
	twins("prepend_sizes", sc_prepend_sizes);

	mbuf_set_panic_handler(NULL);
	CHECK(tu_all_types_zero());
	CHECK_EQ(mbuf_leak_count(), 0);
	return tu_finish("test_checks");
}
