/*
 * The documented edge cases of the chain operations, through the C ABI
 * (so through the C fast paths where they exist): off equal to the packet
 * length, len 0, M_COPYALL, m_pullup beyond MHLEN, m_copyup dstoff,
 * m_split at 0 and at the end, the five m_pulldown strategies, m_copyback
 * extending over several new mbufs, copy-on-write over shared clusters,
 * tags surviving m_copym / m_dup / M_MOVE_PKTHDR; and an Internet
 * checksum over an m_devget packet split at every point.
 */
#include "testutil.h"

static unsigned char pat[8192];

/*
 * a header chain of the given piece sizes (a cluster for a piece of
 * MINCLSIZE or more, or one that does not fit an mbuf: the sizes here are
 * picked for LP64's MLEN 456, and ILP32's is 224)
 */
static struct mbuf *
chain(const int *sizes, int n)
{
	struct mbuf *top = NULL, *last = NULL, *m;
	int i, off = 0;

	for (i = 0; i < n; i++) {
		if (sizes[i] >= MINCLSIZE || sizes[i] > (i == 0 ? MHLEN : MLEN))
			m = m_getcl(M_DONTWAIT, MT_DATA, i == 0 ? M_PKTHDR : 0);
		else if (i == 0)
			m = m_gethdr(M_DONTWAIT, MT_DATA);
		else
			m = m_get(M_DONTWAIT, MT_DATA);
		memcpy(mtod(m, char *), pat + off, (size_t)sizes[i]);
		m->m_len = sizes[i];
		off += sizes[i];
		if (last == NULL)
			top = m;
		else
			last->m_next = m;
		last = m;
	}
	top->m_pkthdr.len = off;
	return top;
}

static int
nmbufs(const struct mbuf *m)
{
	int n = 0;

	for (; m != NULL; m = m->m_next)
		n++;
	return n;
}

/* the chain's bytes equal pat[from, from+len) */
static int
same(struct mbuf *m, int from, int len)
{
	static unsigned char buf[16384];

	if ((int)m_length(m) != len)
		return 0;
	m_copydata(m, 0, len, buf);
	return memcmp(buf, pat + from, (size_t)len) == 0;
}

static void
test_ends_and_empty(void)
{
	static const int s[] = { 100, 1000, 50 };
	struct mbuf *m = chain(s, 3), *c, *n;
	unsigned char b[4];
	int off = -1;

	m_copydata(m, 1150, 0, b);		/* off == length, len 0 */
	CHECK(m_getptr(m, 1150, &off) != NULL && off == 50);
	CHECK(m_getptr(m, 1151, &off) == NULL);
	c = m_copym(m, 1150, M_COPYALL, M_DONTWAIT);	/* at the end: NULL */
	CHECK(c == NULL);
	c = m_copym(m, 0, M_COPYALL, M_DONTWAIT);
	CHECK(same(c, 0, 1150) && (c->m_flags & M_PKTHDR));
	CHECK(M_READONLY(c->m_next) && M_READONLY(m->m_next));
	CHECK(!M_READONLY(c));			/* internal data was copied */
	m_freem(c);
	CHECK(!M_READONLY(m->m_next));		/* the sharer is gone */
	c = m_copym(m, 90, 20, M_DONTWAIT);	/* across a boundary, no header */
	CHECK(same(c, 90, 20) && !(c->m_flags & M_PKTHDR) && nmbufs(c) == 2);
	m_freem(c);
	CHECK(m_copym(m, 10, 0, M_DONTWAIT) == NULL);	/* len 0 */

	/* m_split at 0 and at the end */
	n = m_split(m, 0, M_DONTWAIT);
	CHECK(n != NULL && m->m_pkthdr.len == 0 && n->m_pkthdr.len == 1150);
	CHECK(m->m_len == 0 && same(n, 0, 1150));
	m_freem(m);
	m = n;
	n = m_split(m, 1150, M_DONTWAIT);
	CHECK(n != NULL && n->m_pkthdr.len == 0 && m->m_pkthdr.len == 1150);
	m_freem(n);
	CHECK(m_split(m, 1151, M_DONTWAIT) == NULL);
	CHECK(same(m, 0, 1150));
	m_freem(m);
}

static void
test_pullup_copyup(void)
{
	static const int s[] = { 10, 300, 300 };
	struct mbuf *m = chain(s, 3), *r;

	r = m_pullup(m, 150);			/* pulls in place (150 < MHLEN on both ABIs) */
	CHECK(r == m && r->m_len >= 150 && same(r, 0, 610));
	r = m_pullup(r, MHLEN + 1);		/* beyond MHLEN: fails, frees */
	CHECK(r == NULL);

	m = chain(s, 3);
	r = m_copyup(m, 100, 16);		/* dstoff: leading space */
	CHECK(r != NULL && r->m_len >= 100 && M_LEADINGSPACE(r) == 16);
	CHECK(same(r, 0, 610) && (r->m_flags & M_PKTHDR));
	CHECK(m_copyup(r, MHLEN - 15, 16) == NULL);	/* too long: freed */
}

static void
test_pulldown_strategies(void)
{
	static const int a[] = { 100, 200 }, b[] = { 100, 1000 }, c[] = { 150, 200 };
	struct mbuf *m, *r, *x;
	int off;

	/* 1: already contiguous */
	m = chain(a, 2);
	r = m_pulldown(m, 10, 20, &off);
	CHECK(r == m && off == 10);
	m_freem(m);

	/* 2: inside read-only storage: the rest of that mbuf is copied */
	m = chain(b, 2);
	x = m_copym(m, 0, M_COPYALL, M_DONTWAIT);	/* shares the cluster */
	r = m_pulldown(m, 200, 20, &off);
	CHECK(r != NULL && !M_READONLY(r) && off + 20 <= r->m_len);
	CHECK(memcmp(mtod(r, char *) + off, pat + 200, 20) == 0);
	CHECK(same(m, 0, 1100) && same(x, 0, 1100));
	m_freem(x);
	m_freem(m);

	/* 3: the tail fits in the trailing space of the first mbuf */
	m = chain(a, 2);
	r = m_pulldown(m, 90, 30, &off);
	CHECK(r == m && off == 90 && m->m_len >= 120 && same(m, 0, 300));
	m_freem(m);

	/* 4: the head goes into the next mbuf's leading space */
	m = chain(c, 2);		/* two internal mbufs on both ABIs */
	m->m_next->m_data += 50;	/* make room in front of the data */
	memmove(mtod(m->m_next, char *), pat + 150, 200 - 50);
	m->m_next->m_len = 150;
	m->m_pkthdr.len = 300;
	m->m_data = m->m_pktdat + (MHLEN - 150);	/* no trailing room left */
	memcpy(mtod(m, char *), pat, 150);
	r = m_pulldown(m, 140, 20, &off);
	CHECK(r != NULL && off + 20 <= r->m_len);
	CHECK(memcmp(mtod(r, char *) + off, pat + 140, 20) == 0);
	CHECK(same(m, 0, 300));
	m_freem(m);

	/* 5: a new mbuf (a cluster when len > MLEN) */
	m = chain(b, 2);
	x = m_copym(m, 0, M_COPYALL, M_DONTWAIT);
	r = m_pulldown(x, 50, 600, &off);
	CHECK(r != NULL && off + 600 <= r->m_len);
	CHECK(memcmp(mtod(r, char *) + off, pat + 50, 600) == 0);
	CHECK(same(x, 0, 1100) && same(m, 0, 1100));
	m_freem(x);
	/* and failures free the chain */
	CHECK(m_pulldown(m, 1100, 1, &off) == NULL);
}

static void
test_copyback_and_cow(void)
{
	static const int s[] = { 50 };
	struct mbuf *m = chain(s, 1), *c;
	static unsigned char z[3000];

	/* extends over several new mbufs, zero-filling the gap */
	m_copyback(m, 100, 2000, pat + 100);
	CHECK(m->m_pkthdr.len == 2100 && nmbufs(m) >= 2);
	m_copydata(m, 50, 50, z);
	CHECK(memcmp(z, z + 2000, 50) == 0);	/* zeros */
	m_copydata(m, 100, 2000, z);
	CHECK(memcmp(z, pat + 100, 2000) == 0);
	m_freem(m);

	/* copy-on-write over shared clusters: the copy never changes */
	{
		static const int t[] = { 1000, 1000 };

		m = chain(t, 2);
		c = m_copym(m, 0, M_COPYALL, M_DONTWAIT);
		m = m_copyback_cow(m, 900, 200, z, M_DONTWAIT);
		CHECK(m != NULL && same(c, 0, 2000));
		m_copydata(m, 900, 200, z + 2500);
		CHECK(memcmp(z + 2500, z, 200) == 0);
		CHECK(m_makewritable(&c, 0, M_COPYALL, M_DONTWAIT) == 0);
		CHECK(!M_READONLY(c) && same(c, 0, 2000));
		m_freem(c);
		m_freem(m);
	}
}

static void
add_tag(struct mbuf *m, int id, const char *v)
{
	struct m_tag *t = m_tag_get(id, (int)strlen(v), M_NOWAIT);

	memcpy(t + 1, v, strlen(v));
	m_tag_prepend(m, t);
}

static int
has_tag(struct mbuf *m, int id, const char *v)
{
	struct m_tag *t = m_tag_find(m, id, NULL);

	return t != NULL && t->m_tag_len == strlen(v) &&
	    memcmp(t + 1, v, strlen(v)) == 0;
}

static void
test_tags_follow(void)
{
	static const int s[] = { 100, 1000 };
	struct mbuf *m = chain(s, 2), *c, *d, *h;

	add_tag(m, 7, "seven");
	add_tag(m, 9, "nine");
	c = m_copym(m, 0, M_COPYALL, M_DONTWAIT);
	d = m_dup(m, 0, M_COPYALL, M_DONTWAIT);
	CHECK(has_tag(c, 7, "seven") && has_tag(c, 9, "nine"));
	CHECK(has_tag(d, 7, "seven") && has_tag(d, 9, "nine"));
	CHECK(m_tag_find(c, 7, NULL) != m_tag_find(m, 7, NULL));	/* copies */
	h = m_get(M_DONTWAIT, MT_DATA);
	M_MOVE_PKTHDR(h, m);			/* the tags move, not copied */
	CHECK(has_tag(h, 7, "seven") && !(m->m_flags & M_PKTHDR));
	h->m_next = m;
	m_freem(h);
	m_freem(c);
	m_freem(d);
}

/* the Internet checksum (RFC 1071) over a flat buffer */
static unsigned
sum_flat(const unsigned char *p, int len)
{
	unsigned long s = 0;
	int i;

	for (i = 0; i + 1 < len; i += 2)
		s += (unsigned)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		s += (unsigned)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (unsigned)(~s & 0xffff);
}

/* the same over a chain, carrying odd bytes across mbuf boundaries */
static unsigned
sum_chain(const struct mbuf *m)
{
	unsigned long s = 0;
	int odd = 0, i;

	for (; m != NULL; m = m->m_next) {
		const unsigned char *p = mtod(m, const unsigned char *);

		for (i = 0; i < m->m_len; i++, odd ^= 1)
			s += odd ? p[i] : (unsigned)p[i] << 8;
	}
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (unsigned)(~s & 0xffff);
}

static void
test_checksum_every_split(void)
{
	const int len = 1800;
	unsigned want = sum_flat(pat, len);
	struct mbuf *m = m_devget((char *)pat, len, 0, NULL, NULL), *t;
	int cut, bad = 0;

	CHECK(m != NULL && same(m, 0, len) && nmbufs(m) >= 1);
	CHECK(sum_chain(m) == want);
	for (cut = 0; cut <= len; cut++) {
		t = m_split(m, cut, M_DONTWAIT);
		if (t == NULL) {
			bad++;
			continue;
		}
		m_cat(m, t);		/* back together, shape changed */
		m->m_pkthdr.len = len;
		if (sum_chain(m) != want || !same(m, 0, len))
			bad++;
	}
	CHECK_EQ(bad, 0);
	CHECK(sum_chain(m) == want);
	m_freem(m);
}

int
main(void)
{
	int i;

	for (i = 0; i < (int)sizeof(pat); i++)
		pat[i] = (unsigned char)(i * 7 + (i >> 8));
	test_ends_and_empty();
	test_pullup_copyup();
	test_pulldown_strategies();
	test_copyback_and_cow();
	test_tags_follow();
	test_checksum_every_split();
	CHECK(tu_all_types_zero());
	return tu_finish("test_edges");
}
