/*
 * Allocation API with 2007 semantics: fresh fields of MGET / MGETHDR /
 * MCLGET, m_getclr, m_getcl, storage sharing and M_READONLY, ext_free
 * called once, MEXTMALLOC, mbstat counts, the cluster hard limit with
 * drain hooks, errors (death cases and a handler that returns), and
 * per-thread caches given back when a thread exits.
 */
#include <errno.h>
#include <pthread.h>

#include "testutil.h"

static void
test_fresh_fields(void)
{
	struct mbuf *m, *h;

	MGET(m, M_DONTWAIT, MT_DATA);
	CHECK(m != NULL);
	CHECK(m->m_next == NULL && m->m_nextpkt == NULL);
	CHECK(m->m_data == m->m_dat);
	CHECK_EQ(m->m_flags, 0);
	CHECK_EQ(m->m_type, MT_DATA);
	CHECK_EQ(m->m_len, 0);
	CHECK(m->m_owner == &unknown_mowners[MT_DATA]);
	CHECK_EQ(M_LEADINGSPACE(m), 0);
	CHECK_EQ(M_TRAILINGSPACE(m), MLEN);
	CHECK(!M_READONLY(m));

	MGETHDR(h, M_WAIT, MT_HEADER);
	CHECK(h != NULL);
	CHECK_EQ(h->m_flags, M_PKTHDR);
	CHECK(h->m_data == h->m_pktdat);
	CHECK(h->m_pkthdr.rcvif == NULL);
	CHECK(SLIST_FIRST(&h->m_pkthdr.tags) == NULL);
	CHECK_EQ(h->m_pkthdr.csum_flags, 0);
	CHECK_EQ(h->m_pkthdr.csum_data, 0);
	CHECK_EQ(M_TRAILINGSPACE(h), MHLEN);

	MCLGET(h, M_DONTWAIT);
	CHECK((h->m_flags & M_EXT) != 0);
	CHECK_EQ(h->m_flags, M_PKTHDR | M_EXT | M_EXT_CLUSTER | M_EXT_RW);
	CHECK(h->m_data == h->m_ext.ext_buf);
	CHECK(h->m_ext_ref == h);
	CHECK_EQ(h->m_ext.ext_refcnt, 1);
	CHECK_EQ(h->m_ext.ext_size, MCLBYTES);
	CHECK(h->m_ext.ext_free == NULL);
	CHECK(h->m_ext.ext_arg == (void *)mcl_cache);
	CHECK_EQ(M_TRAILINGSPACE(h), MCLBYTES);
	CHECK_EQ(M_LEADINGSPACE(h), 0);
	/* the cluster is real memory of MCLBYTES */
	memset(mtod(h, char *), 0xa5, MCLBYTES);
	h->m_len = MCLBYTES;
	CHECK_EQ(M_TRAILINGSPACE(h), 0);

	CHECK(m_free(m) == NULL);
	m_freem(h);
	m_freem(NULL);	/* allowed */

	m = m_getclr(M_DONTWAIT, MT_DATA);
	CHECK(m != NULL);
	{
		int i, nz = 0;

		for (i = 0; i < MLEN; i++)
			nz += m->m_dat[i] != 0;
		CHECK_EQ(nz, 0);
	}
	m_free(m);

	m = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);
	CHECK(m != NULL && (m->m_flags & (M_PKTHDR | M_EXT)) == (M_PKTHDR | M_EXT));
	m_freem(m);
	m = m_getcl(M_DONTWAIT, MT_DATA, 0);
	CHECK(m != NULL && (m->m_flags & (M_PKTHDR | M_EXT)) == M_EXT);
	m_freem(m);
	CHECK(tu_all_types_zero());
}

/* MCLADDREFERENCE spelled out: n starts sharing o's storage */
static void
add_reference(struct mbuf *o, struct mbuf *n)
{
	n->m_flags |= o->m_flags & M_EXTCOPYFLAGS;
	__atomic_add_fetch(&o->m_ext.ext_refcnt, 1, __ATOMIC_SEQ_CST);
	n->m_ext_ref = o->m_ext_ref;
	n->m_data = o->m_data;
	n->m_len = o->m_len;
}

static void
test_sharing(void)
{
	struct mbuf *holder, *s1, *s2;

	holder = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);
	holder->m_len = 100;
	s1 = m_get(M_DONTWAIT, MT_DATA);
	s2 = m_get(M_DONTWAIT, MT_DATA);
	add_reference(holder, s1);
	add_reference(s1, s2);		/* always points at the holder */
	CHECK(s2->m_ext_ref == holder);
	CHECK_EQ(holder->m_ext.ext_refcnt, 3);
	CHECK(M_READONLY(holder) && M_READONLY(s1) && M_READONLY(s2));
	CHECK_EQ(M_LEADINGSPACE(s1), 0);
	CHECK_EQ(M_TRAILINGSPACE(holder), 0);
	CHECK_EQ(_M_TRAILINGSPACE(holder), MCLBYTES - 100);

	/* the holder goes first: it stays as a zombie, the data lives on */
	m_freem(holder);
	CHECK_EQ(tu_mtype(MT_DATA), 2);
	CHECK_EQ(s1->m_ext.ext_refcnt, 2);
	m_free(s1);
	CHECK(s1->m_ext_ref == s1);	/* reset before it went back */
	CHECK(!M_READONLY(s2));
	CHECK_EQ(s2->m_ext.ext_refcnt, 1);
	m_free(s2);			/* last reference: cluster + zombie */
	CHECK(tu_all_types_zero());
}

static int ext_free_calls;
static void *ext_free_buf;

static void
my_ext_free(struct mbuf *m, void *buf, size_t size, void *arg)
{
	ext_free_calls++;
	ext_free_buf = buf;
	CHECK_EQ(size, 300);
	CHECK(arg == (void *)&ext_free_calls);
	free(buf);
	/* 2007 contract: the callback frees the mbuf itself */
	pool_cache_put(mb_cache, m);
}

static void
test_ext_storage(void)
{
	struct mbuf *m, *s;
	char *buf = malloc(300);

	MGETHDR(m, M_DONTWAIT, MT_DATA);
	MEXTADD(m, buf, 300, M_MBUF, my_ext_free, &ext_free_calls);
	CHECK_EQ(m->m_flags & (M_EXT | M_EXT_RW | M_EXT_CLUSTER), M_EXT);
	CHECK(M_READONLY(m));		/* MEXTADD without M_EXT_RW */
	CHECK(m->m_data == buf);
	m->m_flags |= M_EXT_RW;
	CHECK(!M_READONLY(m));
	s = m_get(M_DONTWAIT, MT_DATA);
	add_reference(m, s);
	m_freem(m);
	CHECK_EQ(ext_free_calls, 0);
	m_freem(s);
	CHECK_EQ(ext_free_calls, 1);
	CHECK(ext_free_buf == buf);

	/* MEXTMALLOC: writable malloc storage freed with free(3) */
	m = m_get(M_DONTWAIT, MT_DATA);
	MEXTMALLOC(m, 5000, M_DONTWAIT);
	CHECK_EQ(m->m_flags & (M_EXT | M_EXT_RW | M_EXT_CLUSTER), M_EXT | M_EXT_RW);
	CHECK_EQ(m->m_ext.ext_size, 5000);
	CHECK(m->m_ext.ext_type == M_MBUF);
	CHECK_EQ(M_TRAILINGSPACE(m), 5000);
	memset(mtod(m, char *), 1, 5000);
	m_free(m);
	CHECK(tu_all_types_zero());
}

static void
test_counts(void)
{
	struct mbuf *a[10];
	int i;

	for (i = 0; i < 10; i++)
		a[i] = m_get(M_DONTWAIT, i < 4 ? MT_DATA : MT_CONTROL);
	CHECK_EQ(tu_mtype(MT_DATA), 4);
	CHECK_EQ(tu_mtype(MT_CONTROL), 6);
	MCHTYPE(a[0], MT_SONAME);
	CHECK_EQ(tu_mtype(MT_DATA), 3);
	CHECK_EQ(tu_mtype(MT_SONAME), 1);
	CHECK_EQ(a[0]->m_type, MT_SONAME);
	for (i = 0; i < 10; i++)
		m_free(a[i]);
	CHECK(tu_all_types_zero());

	/* bulk calls */
	{
		struct mbuf *b[100];

		CHECK_EQ(m_get_bulk(M_DONTWAIT, MT_DATA, b, 100), 100);
		CHECK_EQ(tu_mtype(MT_DATA), 100);
		m_free_bulk(b, 100);
		CHECK_EQ(m_gethdr_bulk(M_DONTWAIT, MT_HEADER, b, 50), 50);
		CHECK_EQ(b[7]->m_flags, M_PKTHDR);
		m_freem_bulk(b, 50);
		CHECK(tu_all_types_zero());
	}
}

static int drained;
static void drain_hook(void *arg) { drained += *(int *)arg; }

static void
test_limit(void)
{
	static struct mbuf *held[200];
	int one = 1, n = 0, old = nmbclusters;
	unsigned long drains0 = mbstat.m_drain, wait0 = mbstat.m_wait;
	size_t len = sizeof(int);
	int name = MBUF_NMBCLUSTERS, got = 0;
	struct mbuf *m;

	CHECK_EQ(mbuf_register_drain(drain_hook, &one), 0);
	nmbclusters = 40;
	while (n < 200 && (held[n] = m_getcl(M_WAIT, MT_DATA, M_PKTHDR)) != NULL)
		n++;
	CHECK_EQ(n, 40);
	CHECK_EQ(drained, 1);
	CHECK_EQ(mbstat.m_drain, drains0 + 1);
	CHECK_EQ(mbstat.m_wait, wait0 + 1);
	m = m_get(M_DONTWAIT, MT_DATA);
	MCLGET(m, M_DONTWAIT);		/* fails: flags and data unchanged */
	CHECK_EQ(m->m_flags & M_EXT, 0);
	CHECK(m->m_data == m->m_dat);
	m_free(m);
	/* sysctl may only grow the limit */
	{
		int smaller = 10, bigger = 41;

		CHECK_EQ(mbuf_sysctl(&name, 1, &got, &len, &smaller, sizeof(int)), EINVAL);
		CHECK_EQ(mbuf_sysctl(&name, 1, &got, &len, &bigger, sizeof(int)), 0);
		CHECK_EQ(got, 40);
		CHECK_EQ(nmbclusters, 41);
	}
	held[n] = m_getcl(M_DONTWAIT, MT_DATA, 0);
	CHECK(held[n] != NULL);
	n++;
	while (n > 0)
		m_freem(held[--n]);
	nmbclusters = old;
	CHECK_EQ(mbuf_unregister_drain(drain_hook, &one), 0);
	CHECK_EQ(mbuf_unregister_drain(drain_hook, &one), ENOENT);
	m = m_getcl(M_DONTWAIT, MT_DATA, 0);
	CHECK(m != NULL);
	m_freem(m);
	CHECK(tu_all_types_zero());
}

/* a handler that returns: the call fails softly, the message is kept */
static char last_func[64], last_msg[400];
static void
soft_handler(const char *func, const char *msg)
{
	snprintf(last_func, sizeof(last_func), "%s", func);
	snprintf(last_msg, sizeof(last_msg), "%s", msg);
}

static void
test_soft_errors(void)
{
	struct mbuf *m = m_get(M_DONTWAIT, MT_DATA);
	struct mbuf local;

	CHECK(mbuf_set_panic_handler(soft_handler) == NULL);
	m_free(m);
	CHECK(m_free(m) == NULL);
	CHECK_EQ(strcmp(last_func, "m_free"), 0);
	CHECK(strstr(last_msg, "not allocated") != NULL);
	CHECK(mbuf_last_error() != NULL && strstr(mbuf_last_error(), "m_free: ") != NULL);
	mbuf_clear_error();
	CHECK(mbuf_last_error() == NULL);
	CHECK(m_get(M_DONTWAIT, 999) == NULL);
	CHECK(strstr(last_msg, "bad mbuf type 999") != NULL);
	m_freem(&local);
	CHECK(strstr(last_msg, "is not an mbuf") != NULL);
	CHECK(mbuf_set_panic_handler(NULL) == soft_handler);

	CHECK_EQ(mbuf_set_soft_errors(1), 0);
	CHECK(m_gethdr(42, MT_DATA) == NULL);
	CHECK(strstr(mbuf_last_error(), "bad how 42") != NULL);
	CHECK_EQ(mbuf_set_soft_errors(0), 1);
	CHECK(tu_all_types_zero());
}

static void *
thread_body(void *arg)
{
	struct mbuf *a[300];
	int i;

	(void)arg;
	for (i = 0; i < 300; i++)
		a[i] = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);
	for (i = 0; i < 290; i++)	/* ten outlive the thread */
		m_freem(a[i]);
	return memcpy(malloc(10 * sizeof(a[0])), &a[290], 10 * sizeof(a[0]));
}

static void
test_thread_exit(void)
{
	pthread_t t[4];
	struct mbuf **left[4];
	int i, j;

	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, thread_body, NULL);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], (void **)&left[i]);
	CHECK_EQ(tu_mtype(MT_DATA), 40);
	for (i = 0; i < 4; i++) {
		for (j = 0; j < 10; j++)
			m_freem(left[i][j]);
		free(left[i]);
	}
	CHECK(tu_all_types_zero());
}

/* ---- death cases: each runs in a fresh process ------------------------ */

static void die_double_free(void) { struct mbuf *m = m_get(M_DONTWAIT, MT_DATA); m_free(m); m_free(m); }
static void die_double_freem(void) { struct mbuf *m = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR); m_freem(m); m_freem(m); }
static void die_foreign(void) { static struct mbuf fake; m_freem(&fake); }
static void die_interior(void) { struct mbuf *m = m_get(M_DONTWAIT, MT_DATA); m_free((struct mbuf *)(void *)((char *)m + 64)); }
static void die_null_free(void) { m_free(NULL); }
static void die_bad_how(void) { m_get(5, MT_DATA); }
static void die_bad_type(void) { m_gethdr(M_DONTWAIT, -3); }
static void die_clget_null(void) { m_clget(NULL, M_DONTWAIT); }
static void die_clget_twice(void) { struct mbuf *m = m_getcl(M_DONTWAIT, MT_DATA, 0); MCLGET(m, M_DONTWAIT); }
static void die_getcl_type(void) { m_getcl(M_DONTWAIT, 256, M_PKTHDR); }
static void die_chtype(void) { struct mbuf *m = m_get(M_DONTWAIT, MT_DATA); MCHTYPE(m, 0); }

static const struct tu_death_case deaths[] = {
	{ "double_free", die_double_free },
	{ "double_freem", die_double_freem },
	{ "foreign", die_foreign },
	{ "interior", die_interior },
	{ "null_free", die_null_free },
	{ "bad_how", die_bad_how },
	{ "bad_type", die_bad_type },
	{ "clget_null", die_clget_null },
	{ "clget_twice", die_clget_twice },
	{ "getcl_type", die_getcl_type },
	{ "chtype", die_chtype },
	{ NULL, NULL },
};

static void
test_deaths(void)
{
	EXPECT_DEATH("double_free", "m_free: mbuf 0x");
	EXPECT_DEATH("double_freem", "m_freem: mbuf 0x");
	EXPECT_DEATH("foreign", "m_freem: 0x");
	EXPECT_DEATH("interior", "points inside an mbuf");
	EXPECT_DEATH("null_free", "m_free: NULL mbuf");
	EXPECT_DEATH("bad_how", "m_get: bad how 5");
	EXPECT_DEATH("bad_type", "m_gethdr: bad mbuf type -3");
	EXPECT_DEATH("clget_null", "m_clget: NULL mbuf");
	EXPECT_DEATH("clget_twice", "m_clget: mbuf 0x");
	EXPECT_DEATH("getcl_type", "m_getcl: bad mbuf type 256");
	EXPECT_DEATH("chtype", "MCHTYPE: bad mbuf type 0");
}

int
main(int argc, char **argv)
{
	TU_DEATH_MAIN(argc, argv, deaths);
	mbinit();
	mbinit();	/* idempotent */
	CHECK(strcmp(mbuf_version(), LIBMBUF_VERSION) == 0);
	test_fresh_fields();
	test_sharing();
	test_ext_storage();
	test_counts();
	test_limit();
	test_soft_errors();
	test_thread_exit();
	test_deaths();
	return tu_finish("test_alloc");
}
