/*
 * cbench: per-packet costs of libmbuf from C, each row with the ratio to a
 * baseline measured in the same run (the machine is shared and noisy):
 *   alloc rows  -> glibc malloc(256)+free (2-thread rows: the same, 2 threads)
 *   copy rows   -> memcpy of the same size (not inlined)
 *   chain rows  -> the same operation written plainly in C over a minimal
 *                  buffer list (what a hand-rolled packet library would do)
 * Every figure is the median of RUNS timed runs after a warm-up run.
 *
 *   cbench [--tsv] [--quick] [--only=SUBSTR] [--count=N]
 *
 * --count=N runs each selected row's loop once, N times, untimed: for
 * instruction counts, e.g. valgrind --tool=callgrind
 * --toggle-collect=b_adj build/cbench --only=m_adj --count=100000 gives
 * the instructions of N operations, free of the machine's noise.
 */
#define _GNU_SOURCE 1
#include <mbuf.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define	SINK(p)		__asm__ __volatile__("" : : "r"(p) : "memory")

static int runs = 7, tsv;
static double target_ns = 20e6;
static const char *only;
static long count;		/* --count=N: run each row N times, untimed */

static void *(*volatile memcpy_fn)(void *, const void *, size_t) = memcpy;
static void *(*volatile malloc_fn)(size_t) = malloc;
static void (*volatile free_fn)(void *) = free;
static unsigned char src[8192], dst[8192];
static unsigned char *csrc;	/* MCLBYTES-aligned, as a cluster is */

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void
fail(const char *what)
{
	fprintf(stderr, "cbench: %s\n", what);
	exit(1);
}

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
			fail("m_getcl");
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
b_malloc(long n)
{
	for (long i = 0; i < n; i++) {
		void *p = malloc_fn(256);

		SINK(p);
		free_fn(p);
	}
}

static void
b_malloc_burst(long n)
{
	void *v[256];

	for (long i = 0; i < n; i += 256) {
		for (int k = 0; k < 256; k++)
			v[k] = malloc_fn(256);
		SINK(v);
		for (int k = 0; k < 256; k++)
			free_fn(v[k]);
	}
}

static void
b_memcpy(long n)
{
	for (long i = 0; i < n; i++) {
		memcpy_fn(dst, csrc, 1500);
		SINK(dst);
	}
}

static void
b_get_free(long n)
{
	for (long i = 0; i < n; i++) {
		struct mbuf *m = m_get(M_DONTWAIT, MT_DATA);

		SINK(m);
		m_free(m);
	}
}

static void
b_gethdr_clget_freem(long n)
{
	for (long i = 0; i < n; i++) {
		struct mbuf *m = m_gethdr(M_DONTWAIT, MT_DATA);

		MCLGET(m, M_DONTWAIT);
		if ((m->m_flags & M_EXT) == 0)
			fail("MCLGET");
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

	for (long i = 0; i < n; i += 32) {
		if (m_get_bulk(M_DONTWAIT, MT_DATA, v, 32) != 32)
			fail("m_get_bulk");
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
			fail("M_PREPEND did not work in place");
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
			fail("m_pullup did not pull in place");
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
			fail("m_pullup moved a contiguous header");
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
			fail("plain pullup");
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
			fail("m_split");
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
			fail("m_pulldown");
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
			fail("m_prepend");
		m_move_pkthdr(m, h);	/* undo */
		h->m_next = NULL;
		m_free(h);
	}
}

/* ---- two threads ------------------------------------------------------------- */

struct thr {
	void (*fn)(long);
	long n;
	double ns;
};
static pthread_barrier_t barrier;

static void *
thr_main(void *arg)
{
	struct thr *t = arg;
	double t0;

	t->fn(t->n / 8);	/* warm this thread's cache */
	pthread_barrier_wait(&barrier);
	t0 = now();
	t->fn(t->n);
	t->ns = (now() - t0) / (double)t->n;
	return NULL;
}

static double
two_threads(void (*fn)(long), long n)
{
	pthread_t tid[2];
	struct thr t[2] = { { fn, n, 0 }, { fn, n, 0 } };

	pthread_barrier_init(&barrier, NULL, 2);
	for (int k = 0; k < 2; k++)
		pthread_create(&tid[k], NULL, thr_main, &t[k]);
	for (int k = 0; k < 2; k++)
		pthread_join(tid[k], NULL);
	pthread_barrier_destroy(&barrier);
	return (t[0].ns + t[1].ns) / 2;	/* per-thread time */
}

/* ---- driver ------------------------------------------------------------------ */

enum base { NONE, MALLOC, MALLOC_BURST, MEMCPY, MALLOC2, PLAIN_COPY6,
    PLAIN_ADJ, PLAIN_PREPEND, PLAIN_CONTIG, PLAIN_CLONE, PLAIN_SPLIT,
    PLAIN_PULLUP, PLAIN_PULLDOWN };

struct row {
	const char *name;
	void (*fn)(long);
	int threads;
	int gran;
	enum base base;		/* baseline row this one is divided by */
	enum base is;		/* this row is that baseline */
	double ns;
};

static struct row rows[] = {
	{ "malloc(256)+free [baseline]", b_malloc, 1, 1, NONE, MALLOC, 0 },
	{ "malloc(256) burst 256 [baseline]", b_malloc_burst, 1, 256, NONE, MALLOC_BURST, 0 },
	{ "memcpy 1500 B from 2 KiB-aligned [baseline]", b_memcpy, 1, 1, NONE, MEMCPY, 0 },
	{ "2 threads: malloc(256)+free [baseline]", b_malloc, 2, 1, NONE, MALLOC2, 0 },
	{ "plain C: copy 1500 B out of 6x250 [baseline]", b_plain_copydata6, 1, 1, NONE, PLAIN_COPY6, 0 },
	{ "plain C: trim head+tail [baseline]", b_plain_adj, 1, 1, NONE, PLAIN_ADJ, 0 },
	{ "plain C: prepend in place+trim [baseline]", b_plain_prepend, 1, 1, NONE, PLAIN_PREPEND, 0 },
	{ "plain C: pullup, already contiguous [baseline]", b_plain_contig, 1, 1, NONE, PLAIN_CONTIG, 0 },
	{ "plain C: pullup 40 B from next buf [baseline]", b_plain_pullup, 1, 1, NONE, PLAIN_PULLUP, 0 },
	{ "plain C: find contiguous 40 B at 1600 [baseline]", b_plain_pulldown, 1, 1, NONE, PLAIN_PULLDOWN, 0 },
	{ "plain C: clone 3 shared bufs+free [baseline]", b_plain_clone, 1, 1, NONE, PLAIN_CLONE, 0 },
	{ "plain C: split shared buf+undo [baseline]", b_plain_split, 1, 1, NONE, PLAIN_SPLIT, 0 },
	{ "m_get+m_free", b_get_free, 1, 1, MALLOC, NONE, 0 },
	{ "m_gethdr+MCLGET+m_freem", b_gethdr_clget_freem, 1, 1, MALLOC, NONE, 0 },
	{ "m_get burst 256 then m_free, per pair", b_burst, 1, 256, MALLOC_BURST, NONE, 0 },
	{ "m_get_bulk(32)+m_free_bulk, per mbuf", b_bulk, 1, 32, MALLOC, NONE, 0 },
	{ "2 threads: m_get+m_free", b_get_free, 2, 1, MALLOC2, NONE, 0 },
	{ "2 threads: m_gethdr+MCLGET+m_freem", b_gethdr_clget_freem, 2, 1, MALLOC2, NONE, 0 },
	{ "m_copydata 1500 B, 1 cluster", b_copydata1, 1, 1, MEMCPY, NONE, 0 },
	{ "m_copydata 1500 B, 6x250 B chain", b_copydata6, 1, 1, PLAIN_COPY6, NONE, 0 },
	{ "m_copyback 1500 B into 1 cluster", b_copyback, 1, 1, MEMCPY, NONE, 0 },
	{ "m_adj(+14)+m_adj(-14), 1 cluster", b_adj, 1, 1, PLAIN_ADJ, NONE, 0 },
	{ "M_PREPEND 14 B in place + m_adj(14)", b_mprepend, 1, 1, PLAIN_PREPEND, NONE, 0 },
	{ "m_pullup 40 B, already contiguous", b_pullup_contig, 1, 1, PLAIN_CONTIG, NONE, 0 },
	{ "m_pullup 40 B, 14 B hdr + cluster (+undo)", b_pullup, 1, 1, PLAIN_PULLUP, NONE, 0 },
	{ "m_copym(M_COPYALL)+m_freem, 3 clusters", b_copym, 1, 1, PLAIN_CLONE, NONE, 0 },
	{ "m_split in a cluster (+undo)", b_split, 1, 1, PLAIN_SPLIT, NONE, 0 },
	{ "m_pulldown 40 B, contiguous", b_pulldown, 1, 1, PLAIN_PULLDOWN, NONE, 0 },
	{ "m_prepend 14 B, new mbuf (+undo)", b_prepend, 1, 1, PLAIN_CLONE, NONE, 0 },
};

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
measure(struct row *r)
{
	double t[64], t0, per;
	long n = r->gran * 64;

	/* calibrate (and warm up) to about target_ns per run */
	t0 = now();
	r->fn(n);
	per = (now() - t0) / (double)n;
	n = (long)(target_ns / (per > 0.1 ? per : 0.1));
	n = n < r->gran ? r->gran : n - n % r->gran;
	for (int k = 0; k < runs; k++) {
		if (r->threads == 2)
			t[k] = two_threads(r->fn, n);
		else {
			t0 = now();
			r->fn(n);
			t[k] = (now() - t0) / (double)n;
		}
	}
	qsort(t, (size_t)runs, sizeof(t[0]), cmp);
	return t[runs / 2];
}

int
main(int argc, char **argv)
{
	double base[16] = { 0 };
	int baserow[16] = { 0 };
	int nrows = (int)(sizeof(rows) / sizeof(rows[0]));

	for (int a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--tsv") == 0)
			tsv = 1;
		else if (strcmp(argv[a], "--quick") == 0) {
			runs = 5;
			target_ns = 4e6;
		} else if (strncmp(argv[a], "--only=", 7) == 0)
			only = argv[a] + 7;
		else if (strncmp(argv[a], "--count=", 8) == 0)
			count = atol(argv[a] + 8);
		else {
			fprintf(stderr, "usage: cbench [--tsv] [--quick] "
			    "[--only=SUBSTR] [--count=N]\n");
			return 2;
		}
	}
	for (int k = 0; k < (int)sizeof(src); k++)
		src[k] = (unsigned char)(k * 131 + 7);
	csrc = aligned_alloc(MCLBYTES, MCLBYTES);
	memcpy(csrc, src, MCLBYTES);
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

	if (!tsv)
		printf("%-46s %10s %8s  %s\n", "operation", "ns/op", "ratio",
		    "baseline");
	for (int i = 0; i < nrows; i++) {
		struct row *r = &rows[i];

		if (only != NULL && r->is == NONE && strstr(r->name, only) == NULL)
			continue;
		if (count > 0) {
			if (r->is == NONE && r->threads == 1)
				r->fn(count - count % r->gran);
			continue;
		}
		r->ns = measure(r);
		if (r->is != NONE) {
			base[r->is] = r->ns;
			baserow[r->is] = i;
		}
		if (tsv)
			printf("%s\t%.2f\t%.3f\n", r->name, r->ns,
			    r->base != NONE ? r->ns / base[r->base] : 1.0);
		else if (r->base == NONE)
			printf("%-46s %10.2f %8s\n", r->name, r->ns, "");
		else
			printf("%-46s %10.2f %8.2f  %s\n", r->name, r->ns,
			    r->ns / base[r->base], rows[baserow[r->base]].name);
		fflush(stdout);
	}
	m_freem(c1);
	m_freem(c3);
	m_freem(chain6);
	m_freem(lead);
	m_freem(plain_pkt);
	m_freem(small_hdr);
	m_freem(hdr_then_cluster);
	return 0;
}
