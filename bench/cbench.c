/*
 * cbench: per-packet costs of libmbuf from C, each row with the ratio to a
 * baseline measured in the same run (the machine is shared and noisy):
 *   alloc rows  -> glibc malloc(256)+free
 *   2-thread rows -> the same operation in one thread
 *   copy rows   -> memcpy of the same size (not inlined)
 *   chain rows  -> the same operation written plainly in C over a minimal
 *                  buffer list (what a hand-rolled packet library would do)
 * Every figure is the best of 7 timed runs after a warm-up run
 * (bench/harness.h, shared with the DPDK peer bench/dpdkbench.c);
 * bench/ctable.py joins the two programs' rows into make bench's table.
 *
 *   cbench [--tsv] [--quick] [--only=SUBSTR] | --instr=N
 */
#define _GNU_SOURCE 1
#include <mbuf.h>

#include "harness.h"

/*
 * libmbuf's own extensions, weak: the same program then runs against
 * another build of the ABI (ctable.py --vs=LIB, e.g. the previous
 * version of the library), which skips the rows it lacks.
 */
#pragma weak m_get_bulk
#pragma weak m_free_bulk


/* ---- the plain C reference: a minimal buffer list -------------------------- */

struct pbuf {
	struct pbuf *next;
	unsigned char *data;
	int len;
	int *refcnt;		/* shared storage count */
	unsigned char *base;
	int size;
};

static struct pbuf pool[64], *pfree;

static struct pbuf *
pget(void)
{
	struct pbuf *p = pfree;

	pfree = p->next;
	p->next = NULL;
	return p;
}

static void
pput(struct pbuf *p)
{
	p->next = pfree;
	pfree = p;
}

static void
plain_init(void)
{
	int i;

	for (i = 0; i < 64; i++)
		pput(&pool[i]);
}

/* copy out len bytes at off from a list */
static void
plain_copydata(struct pbuf *p, int off, int len, unsigned char *out)
{
	for (; off >= p->len; p = p->next)
		off -= p->len;
	while (len > 0) {
		int n = p->len - off < len ? p->len - off : len;

		memcpy_fn(out, p->data + off, (size_t)n);
		out += n;
		len -= n;
		off = 0;
		p = p->next;
	}
}

/* trim from the head (>0) or the tail (<0) */
static void
plain_adj(struct pbuf *p, int n)
{
	if (n >= 0) {
		for (; p != NULL && n > 0; p = p->next) {
			int k = p->len < n ? p->len : n;

			p->data += k;
			p->len -= k;
			n -= k;
		}
	} else {
		int total = 0, keep;
		struct pbuf *q;

		for (q = p; q != NULL; q = q->next)
			total += q->len;
		keep = total + n;
		for (q = p; q != NULL; q = q->next) {
			if (q->len >= keep) {
				q->len = keep;
				keep = 0;
			} else
				keep -= q->len;
		}
	}
}

/* clone a list sharing its storage */
static struct pbuf *
plain_clone(struct pbuf *p)
{
	struct pbuf *top = NULL, **tail = &top, *n;

	for (; p != NULL; p = p->next) {
		n = pget();
		*n = *p;
		n->next = NULL;
		__atomic_add_fetch(p->refcnt, 1, __ATOMIC_ACQ_REL);
		*tail = n;
		tail = &n->next;
	}
	return top;
}

static void
plain_free(struct pbuf *p)
{
	struct pbuf *n;

	for (; p != NULL; p = n) {
		n = p->next;
		__atomic_sub_fetch(p->refcnt, 1, __ATOMIC_ACQ_REL);
		pput(p);
	}
}

/* cut after off bytes into a new node sharing the storage */
static struct pbuf *
plain_split(struct pbuf *p, int off)
{
	struct pbuf *n;

	for (; off > p->len; p = p->next)
		off -= p->len;
	n = pget();
	*n = *p;
	__atomic_add_fetch(p->refcnt, 1, __ATOMIC_ACQ_REL);
	n->data += off;
	n->len -= off;
	p->len = off;
	p->next = NULL;
	return n;
}

/* make [0, len) contiguous in the first buffer, pulling from the next */
static __attribute__((noinline)) struct pbuf *
plain_pullup(struct pbuf *p, int len)
{
	struct pbuf *n = p->next;
	int k;

	if (p->len >= len)
		return p;
	k = len - p->len;
	memcpy(p->data + p->len, n->data, (size_t)k);
	p->len += k;
	n->data += k;
	n->len -= k;
	return p;
}

/* the buffer holding [off, off+len) contiguously, or NULL */
static __attribute__((noinline)) struct pbuf *
plain_pulldown(struct pbuf *p, int off, int len, int *offp)
{
	for (; p != NULL && off >= p->len; p = p->next)
		off -= p->len;
	if (p == NULL || len > p->len - off)
		return NULL;
	*offp = off;
	return p;
}

static int plain_ref[6];
static unsigned char plain_store[6][MCLBYTES];
static struct pbuf *plain3;

static struct pbuf *
plain_list(int n, int each)
{
	struct pbuf *top = NULL, **tail = &top, *p;
	int i;

	for (i = 0; i < n; i++) {
		p = pget();
		plain_ref[i] = 1;
		p->refcnt = &plain_ref[i];
		p->base = p->data = plain_store[i];
		p->size = MCLBYTES;
		p->len = each;
		*tail = p;
		tail = &p->next;
	}
	return top;
}

/* ---- packets ------------------------------------------------------------------ */

static struct mbuf *
clusters(int n, int each)
{
	struct mbuf *top = NULL, *last = NULL, *m;
	int i;

	for (i = 0; i < n; i++) {
		m = m_getcl(M_DONTWAIT, MT_DATA, i == 0 ? M_PKTHDR : 0);
		if (m == NULL)
			bench_fail("m_getcl");
		memcpy(mtod(m, char *), src + i * each, (size_t)each);
		m->m_len = each;
		if (last != NULL)
			last->m_next = m;
		else
			top = m;
		last = m;
	}
	top->m_pkthdr.len = n * each;
	return top;
}

static struct mbuf *
small_chain(int n, int each)
{
	struct mbuf *top, *m, *last;
	int i;

	top = last = m_gethdr(M_DONTWAIT, MT_DATA);
	top->m_len = each;
	memcpy(mtod(top, char *), src, (size_t)each);
	for (i = 1; i < n; i++) {
		m = m_get(M_DONTWAIT, MT_DATA);
		memcpy(mtod(m, char *), src + i * each, (size_t)each);
		m->m_len = each;
		last->m_next = m;
		last = m;
	}
	top->m_pkthdr.len = n * each;
	return top;
}

/* ---- benchmark bodies ------------------------------------------------------- */

static struct mbuf *c1, *c3, *chain6, *hdr_then_cluster, *lead, *plain_pkt, *small_hdr;

static void
b_get_free(long n)
{
	for (long i = 0; i < n; i++) {
		struct mbuf *m = m_get(M_DONTWAIT, MT_DATA);

		SINK(m);
		m_free(m);
	}
}

/* the 2007 macros: inline over the thread's cache (include/mbuf_inline.h) */
static void
b_mget_mfree(long n)
{
	for (long i = 0; i < n; i++) {
		struct mbuf *m, *next;

		MGET(m, M_DONTWAIT, MT_DATA);
		SINK(m);
		MFREE(m, next);
		SINK(next);
	}
}

static void
b_gethdr_clget_freem(long n)
{
	for (long i = 0; i < n; i++) {
		struct mbuf *m = m_gethdr(M_DONTWAIT, MT_DATA);

		m_clget(m, M_DONTWAIT);
		if ((m->m_flags & M_EXT) == 0)
			bench_fail("m_clget");
		SINK(m);
		m_freem(m);
	}
}

static void
b_mgethdr_mclget_freem(long n)
{
	for (long i = 0; i < n; i++) {
		struct mbuf *m;

		MGETHDR(m, M_DONTWAIT, MT_DATA);
		MCLGET(m, M_DONTWAIT);
		if ((m->m_flags & M_EXT) == 0)
			bench_fail("MCLGET");
		SINK(m);
		m_freem(m);
	}
}

static void
b_getcl_freem(long n)
{
	for (long i = 0; i < n; i++) {
		struct mbuf *m = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);

		SINK(m);
		m_freem(m);
	}
}

static void
b_burst(long n)
{
	struct mbuf *v[256];

	for (long i = 0; i < n; i += 256) {
		for (int k = 0; k < 256; k++)
			v[k] = m_get(M_DONTWAIT, MT_DATA);
		SINK(v);
		for (int k = 0; k < 256; k++)
			m_free(v[k]);
	}
}

static void
b_bulk(long n)
{
	struct mbuf *v[32];

	if (m_get_bulk == NULL || m_free_bulk == NULL)
		bench_skip("no m_get_bulk in this library");
	for (long i = 0; i < n; i += 32) {
		if (m_get_bulk(M_DONTWAIT, MT_DATA, v, 32) != 32)
			bench_fail("m_get_bulk");
		SINK(v);
		m_free_bulk(v, 32);
	}
}

static void
b_copydata1(long n)
{
	for (long i = 0; i < n; i++) {
		m_copydata(c1, 0, 1500, dst);
		SINK(dst);
	}
}

static void
b_copydata6(long n)
{
	for (long i = 0; i < n; i++) {
		m_copydata(chain6, 0, 1500, dst);
		SINK(dst);
	}
}

static void
b_plain_copydata6(long n)
{
	static struct pbuf *p;

	if (p == NULL)
		p = plain_list(6, 250);
	for (long i = 0; i < n; i++) {
		plain_copydata(p, 0, 1500, dst);
		SINK(dst);
	}
}

static void
b_copyback(long n)
{
	for (long i = 0; i < n; i++) {
		m_copyback(c1, 0, 1500, src);
		SINK(c1);
	}
}

static void
b_adj(long n)
{
	for (long i = 0; i < n; i++) {
		m_adj(c1, 14);
		m_adj(c1, -14);
		c1->m_data -= 14;	/* undo */
		c1->m_len += 28;
		c1->m_pkthdr.len += 28;
	}
}

static void
b_plain_adj(long n)
{
	for (long i = 0; i < n; i++) {
		plain_adj(plain3, 14);
		plain_adj(plain3, -14);
		plain3->data -= 14;
		plain3->len += 14;
		plain3->next->next->len += 14;
		SINK(plain3);
	}
}

static void
b_mprepend(long n)
{
	struct mbuf *m = lead, *m0;

	for (long i = 0; i < n; i++) {
		m0 = m;
		M_PREPEND(m, 14, M_DONTWAIT);
		if (m != m0)
			bench_fail("M_PREPEND did not work in place");
		m_adj(m, 14);
	}
}

static void
b_plain_prepend(long n)
{
	for (long i = 0; i < n; i++) {
		if (plain3->data - plain3->base >= 14) {
			plain3->data -= 14;
			plain3->len += 14;
		}
		plain_adj(plain3, 14);
		SINK(plain3);
	}
}

static void
b_pullup(long n)
{
	struct mbuf *m = hdr_then_cluster, *next = m->m_next;

	for (long i = 0; i < n; i++) {
		struct mbuf *r = m_pullup(m, 40);
		int d;

		if (r != m || m->m_next != next || m->m_len < 40)
			bench_fail("m_pullup did not pull in place");
		d = m->m_len - 14;	/* undo: give the bytes back */
		m->m_len = 14;
		next->m_data -= d;
		next->m_len += d;
	}
}

static void
b_pullup_contig(long n)
{
	for (long i = 0; i < n; i++) {
		struct mbuf *r = m_pullup(plain_pkt, 40);

		if (r != plain_pkt)
			bench_fail("m_pullup moved a contiguous header");
		SINK(r);
	}
}

static void
b_plain_contig(long n)
{
	for (long i = 0; i < n; i++) {
		struct pbuf *p = plain_pullup(plain3, 40);

		SINK(p);
	}
}

static struct pbuf *plain_hdr;	/* 14 bytes, then a 1500-byte buffer */

static void
b_plain_pullup(long n)
{
	struct pbuf *p = plain_hdr, *next = p->next;

	for (long i = 0; i < n; i++) {
		int d;

		if (plain_pullup(p, 40) != p)
			bench_fail("plain pullup");
		d = p->len - 14;	/* undo */
		p->len = 14;
		next->data -= d;
		next->len += d;
	}
}

static void
b_plain_pulldown(long n)
{
	for (long i = 0; i < n; i++) {
		int off;
		struct pbuf *p = plain_pulldown(plain3, 1600, 40, &off);

		SINK(p);
	}
}

static void
b_copym(long n)
{
	for (long i = 0; i < n; i++) {
		struct mbuf *c = m_copym(c3, 0, M_COPYALL, M_DONTWAIT);

		SINK(c);
		m_freem(c);
	}
}

static void
b_plain_clone(long n)
{
	for (long i = 0; i < n; i++) {
		struct pbuf *c = plain_clone(plain3);

		SINK(c);
		plain_free(c);
	}
}

static void
b_split(long n)
{
	for (long i = 0; i < n; i++) {
		struct mbuf *t = m_split(c3, 1000, M_DONTWAIT);

		if (t == NULL)
			bench_fail("m_split");
		/* undo: c3's first mbuf gets its bytes and chain back */
		c3->m_len = 1000 + t->m_len;
		c3->m_next = t->m_next;
		c3->m_pkthdr.len = 3 * 1500;
		t->m_next = NULL;
		m_free(t);
	}
}

static void
b_plain_split(long n)
{
	for (long i = 0; i < n; i++) {
		struct pbuf *t = plain_split(plain3, 1000);

		plain3->len = 1000 + t->len;
		plain3->next = t->next;
		t->next = NULL;
		plain_free(t);
	}
}

static void
b_pulldown(long n)
{
	for (long i = 0; i < n; i++) {
		int off;
		struct mbuf *r = m_pulldown(c3, 1600, 40, &off);

		if (r != c3->m_next || off != 100)
			bench_fail("m_pulldown");
		SINK(r);
	}
}

static void
b_prepend(long n)
{
	struct mbuf *m = small_hdr;

	for (long i = 0; i < n; i++) {
		struct mbuf *h = m_prepend(m, 14, M_DONTWAIT);

		if (h == NULL || h->m_next != m)
			bench_fail("m_prepend");
		m_move_pkthdr(m, h);	/* undo */
		h->m_next = NULL;
		m_free(h);
	}
}

/*
 * Keys name what is measured, not how: dpdkbench.c's rows carry the key
 * of the row they are the DPDK analogue of.  Keys of baselines start with
 * "base_"; two-thread rows end in "_2t" and are divided by the one-thread
 * row of the same operation (perfect scaling: 1.00).
 */
static struct bench_row rows[] = {
	BENCH_BASELINE_ROWS,
	{ "base_plain_copy6", "plain C: copy 1500 B out of 6x250 [baseline]", b_plain_copydata6, 1, 1, NULL, 0 },
	{ "base_plain_adj", "plain C: trim head+tail [baseline]", b_plain_adj, 1, 1, NULL, 0 },
	{ "base_plain_prepend", "plain C: prepend in place+trim [baseline]", b_plain_prepend, 1, 1, NULL, 0 },
	{ "base_plain_contig", "plain C: pullup, already contiguous [baseline]", b_plain_contig, 1, 1, NULL, 0 },
	{ "base_plain_pullup", "plain C: pullup 40 B from next buf [baseline]", b_plain_pullup, 1, 1, NULL, 0 },
	{ "base_plain_pulldown", "plain C: find contiguous 40 B at 1600 [baseline]", b_plain_pulldown, 1, 1, NULL, 0 },
	{ "base_plain_clone", "plain C: clone 3 shared bufs+free [baseline]", b_plain_clone, 1, 1, NULL, 0 },
	{ "base_plain_split", "plain C: split shared buf+undo [baseline]", b_plain_split, 1, 1, NULL, 0 },
	/*
	 * The macro rows before the function rows: run right after
	 * m_gethdr+m_clget+m_freem, MGETHDR+MCLGET+m_freem measured 1.6-2.7x
	 * itself run first (docs/performance.md); the other way round the
	 * function row does not move.
	 */
	{ "mget_mfree", "MGET+MFREE (inline macros)", b_mget_mfree, 1, 1, "base_malloc", 0 },
	{ "get_free", "m_get+m_free", b_get_free, 1, 1, "base_malloc", 0 },
	{ "mgethdr_mclget_freem", "MGETHDR+MCLGET+m_freem (inline macros)", b_mgethdr_mclget_freem, 1, 1, "base_malloc", 0 },
	{ "gethdr_clget_freem", "m_gethdr+m_clget+m_freem", b_gethdr_clget_freem, 1, 1, "base_malloc", 0 },
	{ "getcl_freem", "m_getcl+m_freem", b_getcl_freem, 1, 1, "base_malloc", 0 },
	{ "burst", "m_get burst 256 then m_free, per pair", b_burst, 1, 256, "base_malloc_burst", 0 },
	{ "bulk", "m_get_bulk(32)+m_free_bulk, per mbuf", b_bulk, 1, 32, "base_malloc", 0 },
	{ "get_free_2t", "2 threads: m_get+m_free", b_get_free, 2, 1, "get_free", 0 },
	{ "gethdr_clget_freem_2t", "2 threads: m_gethdr+m_clget+m_freem", b_gethdr_clget_freem, 2, 1, "gethdr_clget_freem", 0 },
	{ "copydata1", "m_copydata 1500 B, 1 cluster", b_copydata1, 1, 1, "base_memcpy", 0 },
	{ "copydata6", "m_copydata 1500 B, 6x250 B chain", b_copydata6, 1, 1, "base_plain_copy6", 0 },
	{ "copyback", "m_copyback 1500 B into 1 cluster", b_copyback, 1, 1, "base_memcpy", 0 },
	{ "adj", "m_adj(+14)+m_adj(-14), 1 cluster", b_adj, 1, 1, "base_plain_adj", 0 },
	{ "mprepend", "M_PREPEND 14 B in place + m_adj(14)", b_mprepend, 1, 1, "base_plain_prepend", 0 },
	{ "pullup_contig", "m_pullup 40 B, already contiguous", b_pullup_contig, 1, 1, "base_plain_contig", 0 },
	{ "pullup", "m_pullup 40 B, 14 B hdr + cluster (+undo)", b_pullup, 1, 1, "base_plain_pullup", 0 },
	{ "copym3", "m_copym(M_COPYALL)+m_freem, 3 clusters", b_copym, 1, 1, "base_plain_clone", 0 },
	{ "split", "m_split in a cluster (+undo)", b_split, 1, 1, "base_plain_split", 0 },
	{ "pulldown", "m_pulldown 40 B, contiguous", b_pulldown, 1, 1, "base_plain_pulldown", 0 },
	{ "prepend", "m_prepend 14 B, new mbuf (+undo)", b_prepend, 1, 1, "base_malloc", 0 },
};

int
main(int argc, char **argv)
{
	int status;

	bench_sources_init(MCLBYTES);
	max_linkhdr = 16;
	max_protohdr = 40;
	max_hdr = 56;
	max_datalen = MHLEN - 56;

	plain_init();
	plain3 = plain_list(3, 1500);
	plain_hdr = pget();
	plain_hdr->data = plain_hdr->base = malloc(256);
	plain_hdr->len = 14;
	plain_hdr->next = plain_list(1, 1500);
	plain3->data += 64;	/* leading room for the prepend baseline */
	plain3->len -= 64;
	c1 = clusters(1, 1500);
	c3 = clusters(3, 1500);
	chain6 = small_chain(6, 250);
	lead = clusters(1, 1000);
	lead->m_data += 64;	/* leading space for M_PREPEND */
	plain_pkt = small_chain(2, 100);
	small_hdr = small_chain(1, 200);
	hdr_then_cluster = m_gethdr(M_DONTWAIT, MT_DATA);
	hdr_then_cluster->m_len = 14;
	hdr_then_cluster->m_next = clusters(1, 1500);
	hdr_then_cluster->m_next->m_flags &= ~M_PKTHDR;
	hdr_then_cluster->m_pkthdr.len = 1514;

	status = bench_main(argc, argv, rows, (int)(sizeof(rows) / sizeof(rows[0])));
	m_freem(c1);
	m_freem(c3);
	m_freem(chain6);
	m_freem(lead);
	m_freem(plain_pkt);
	m_freem(small_hdr);
	m_freem(hdr_then_cluster);
	return status;
}
