/*
 * dpdkbench: the DPDK analogue of each cbench row, timed by the same
 * driver (bench/harness.h) so that make bench can put them side by side.
 * DPDK is the peer a C programmer would pick for fast packet buffers: its
 * allocation is inline code over a per-lcore mempool cache.
 *
 * Set-up: EAL without hugepages, PCI or shared config files (the memory is plain
 * anonymous mappings, as libmbuf's arenas are); two pktmbuf pools with a
 * per-lcore cache of 256: "small" with an element of about MSIZE (the
 * m_get analogue) and "big" with a 2 KiB data room (the mbuf+cluster
 * analogue).  The main thread runs as lcore 0 but keeps the CPU affinity
 * it had (cbench is not pinned either); the threads of two-thread rows
 * register as lcores, so each has its own cache as an lcore would.
 *
 * Each row's key is the key of the cbench row it stands for (several,
 * separated by spaces, when one DPDK operation is the analogue of more
 * than one libmbuf row); m_split has no analogue.  DPDK has no
 * m_copyback or m_pullup: the rows use what a DPDK program does instead,
 * which the row names say.
 *
 *   dpdkbench [--tsv] [--quick] [--only=SUBSTR] | --instr=N
 */
#define _GNU_SOURCE 1
#include <sched.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>

#include "harness.h"

#define	SMALL_ROOM	384	/* 128 B headroom + 256 B: an element of ~MSIZE */
#define	POOL_SIZE	16383
#define	POOL_CACHE	256

static struct rte_mempool *small, *big;

/* a packet of n segments of each bytes from pool p */
static struct rte_mbuf *
packet(struct rte_mempool *p, int n, int each)
{
	struct rte_mbuf *top = NULL, *m;

	for (int i = 0; i < n; i++) {
		char *d;

		if ((m = rte_pktmbuf_alloc(p)) == NULL ||
		    (d = rte_pktmbuf_append(m, (uint16_t)each)) == NULL)
			bench_fail("rte_pktmbuf_alloc/append");
		memcpy(d, src + i * each, (size_t)each);
		if (top == NULL)
			top = m;
		else if (rte_pktmbuf_chain(top, m) != 0)
			bench_fail("rte_pktmbuf_chain");
	}
	return top;
}

static struct rte_mbuf *c1, *c3, *chain6, *hdr_then_cluster, *lead, *pkt2, *small_pkt;

/* ---- allocation --------------------------------------------------------- */

static void
b_alloc_free(struct rte_mempool *p, long n)
{
	for (long i = 0; i < n; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(p);

		if (m == NULL)
			bench_fail("rte_pktmbuf_alloc");
		SINK(m);
		rte_pktmbuf_free(m);
	}
}

static void
b_small_alloc_free(long n)
{
	b_alloc_free(small, n);
}

static void
b_big_alloc_free(long n)
{
	b_alloc_free(big, n);
}

static void
b_burst(long n)
{
	struct rte_mbuf *v[256];

	for (long i = 0; i < n; i += 256) {
		for (int k = 0; k < 256; k++)
			if ((v[k] = rte_pktmbuf_alloc(small)) == NULL)
				bench_fail("rte_pktmbuf_alloc");
		SINK(v);
		for (int k = 0; k < 256; k++)
			rte_pktmbuf_free(v[k]);
	}
}

static void
b_bulk(long n)
{
	struct rte_mbuf *v[32];

	for (long i = 0; i < n; i += 32) {
		if (rte_pktmbuf_alloc_bulk(small, v, 32) != 0)
			bench_fail("rte_pktmbuf_alloc_bulk");
		SINK(v);
		rte_pktmbuf_free_bulk(v, 32);
	}
}

static void
thread_register(void)
{
	if (rte_thread_register() != 0)
		bench_fail("rte_thread_register");
}

/* ---- data --------------------------------------------------------------- */

/* copy len bytes at off out of m, as a DPDK program reads a packet */
static inline void
read_copy(const struct rte_mbuf *m, uint32_t off, uint32_t len, void *out)
{
	const void *p = rte_pktmbuf_read(m, off, len, out);

	if (p == NULL)
		bench_fail("rte_pktmbuf_read");
	if (p != out)		/* contiguous: read returned a pointer */
		rte_memcpy(out, p, len);
}

static void
b_copydata1(long n)
{
	for (long i = 0; i < n; i++) {
		read_copy(c1, 0, 1500, dst);
		SINK(dst);
	}
}

static void
b_copydata6(long n)
{
	for (long i = 0; i < n; i++) {
		read_copy(chain6, 0, 1500, dst);
		SINK(dst);
	}
}

static void
b_write(long n)
{
	for (long i = 0; i < n; i++) {
		if (rte_pktmbuf_data_len(c1) < 1500)
			bench_fail("short packet");
		rte_memcpy(rte_pktmbuf_mtod(c1, void *), src, 1500);
		SINK(c1);
	}
}

static void
b_adj_trim(long n)
{
	for (long i = 0; i < n; i++) {
		if (rte_pktmbuf_adj(c1, 14) == NULL ||
		    rte_pktmbuf_trim(c1, 14) != 0)
			bench_fail("adj/trim");
		c1->data_off -= 14;	/* undo */
		c1->data_len += 28;
		c1->pkt_len += 28;
		SINK(c1);
	}
}

static void
b_prepend_adj(long n)
{
	for (long i = 0; i < n; i++) {
		if (rte_pktmbuf_prepend(lead, 14) == NULL ||
		    rte_pktmbuf_adj(lead, 14) == NULL)
			bench_fail("prepend/adj");
		SINK(lead);
	}
}

static void
b_read40_contig(long n)
{
	unsigned char buf[40];

	for (long i = 0; i < n; i++) {
		const void *p = rte_pktmbuf_read(pkt2, 0, 40, buf);

		SINK(p);
	}
}

static void
b_read40_split(long n)
{
	unsigned char buf[40];

	for (long i = 0; i < n; i++) {
		const void *p = rte_pktmbuf_read(hdr_then_cluster, 0, 40, buf);

		if (p != buf)
			bench_fail("rte_pktmbuf_read did not copy");
		SINK(p);
	}
}

static void
b_read40_at1600(long n)
{
	unsigned char buf[40];

	for (long i = 0; i < n; i++) {
		const void *p = rte_pktmbuf_read(c3, 1600, 40, buf);

		if (p == buf)
			bench_fail("rte_pktmbuf_read copied");
		SINK(p);
	}
}

static void
b_clone3(long n)
{
	for (long i = 0; i < n; i++) {
		struct rte_mbuf *c = rte_pktmbuf_clone(c3, small);

		if (c == NULL)
			bench_fail("rte_pktmbuf_clone");
		SINK(c);
		rte_pktmbuf_free(c);
	}
}

/* m_prepend's analogue: a new first segment holding the header */
static void
b_new_head(long n)
{
	for (long i = 0; i < n; i++) {
		struct rte_mbuf *h = rte_pktmbuf_alloc(small);

		if (h == NULL || rte_pktmbuf_append(h, 14) == NULL ||
		    rte_pktmbuf_chain(h, small_pkt) != 0)
			bench_fail("new head");
		SINK(h);
		h->next = NULL;		/* undo */
		h->nb_segs = 1;
		h->pkt_len = h->data_len;
		rte_pktmbuf_free(h);
	}
}

/* keys: see cbench.c */
static struct bench_row rows[] = {
	BENCH_BASELINE_ROWS,
	{ "get_free mget_mfree", "rte_pktmbuf_alloc+free, 384 B room", b_small_alloc_free, 1, 1, "base_malloc", 0 },
	{ "gethdr_clget_freem getcl_freem mgethdr_mclget_freem", "rte_pktmbuf_alloc+free, 2 KiB room", b_big_alloc_free, 1, 1, "base_malloc", 0 },
	{ "burst", "rte_pktmbuf_alloc burst 256 then free, per pair", b_burst, 1, 256, "base_malloc_burst", 0 },
	{ "bulk", "rte_pktmbuf_alloc_bulk(32)+free_bulk, per mbuf", b_bulk, 1, 32, "base_malloc", 0 },
	{ "get_free_2t", "2 threads: rte_pktmbuf_alloc+free, 384 B", b_small_alloc_free, 2, 1, "get_free", 0 },
	{ "gethdr_clget_freem_2t", "2 threads: rte_pktmbuf_alloc+free, 2 KiB", b_big_alloc_free, 2, 1, "gethdr_clget_freem getcl_freem", 0 },
	{ "copydata1", "rte_pktmbuf_read 1500 B + copy, 1 segment", b_copydata1, 1, 1, "base_memcpy", 0 },
	{ "copydata6", "rte_pktmbuf_read 1500 B, 6x250 B segments", b_copydata6, 1, 1, "base_memcpy", 0 },
	{ "copyback", "rte_memcpy 1500 B at mtod (length checked)", b_write, 1, 1, "base_memcpy", 0 },
	{ "adj", "rte_pktmbuf_adj(14)+trim(14) (+undo)", b_adj_trim, 1, 1, "base_malloc", 0 },
	{ "mprepend", "rte_pktmbuf_prepend(14)+adj(14)", b_prepend_adj, 1, 1, "base_malloc", 0 },
	{ "pullup_contig", "rte_pktmbuf_read 40 B, contiguous", b_read40_contig, 1, 1, "base_malloc", 0 },
	{ "pullup", "rte_pktmbuf_read 40 B, 14 B + 1500 B segs", b_read40_split, 1, 1, "base_malloc", 0 },
	{ "copym3", "rte_pktmbuf_clone+free, 3 segments", b_clone3, 1, 1, "base_malloc", 0 },
	{ "pulldown", "rte_pktmbuf_read 40 B at 1600, contiguous", b_read40_at1600, 1, 1, "base_malloc", 0 },
	{ "prepend", "alloc+append 14 B+chain (+undo)", b_new_head, 1, 1, "base_malloc", 0 },
};

int
main(int argc, char **argv)
{
	char *eal[] = { argv[0], "--no-huge", "--no-pci", "--no-shconf",
	    "--no-telemetry", "-l", "0", "-m", "256", "--log-level=error" };
	cpu_set_t affinity;
	int status, i, j;

	if (sched_getaffinity(0, sizeof(affinity), &affinity) != 0)
		bench_fail("sched_getaffinity");
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])), eal) < 0) {
		fprintf(stderr, "dpdkbench: rte_eal_init: %s\n",
		    rte_strerror(rte_errno));
		return 1;
	}
	if (sched_setaffinity(0, sizeof(affinity), &affinity) != 0)
		bench_fail("sched_setaffinity");
	bench_thread_init = thread_register;
	bench_thread_fini = rte_thread_unregister;

	small = rte_pktmbuf_pool_create("small", POOL_SIZE, POOL_CACHE, 0,
	    SMALL_ROOM, SOCKET_ID_ANY);
	big = rte_pktmbuf_pool_create("big", POOL_SIZE, POOL_CACHE, 0,
	    RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (small == NULL || big == NULL) {
		fprintf(stderr, "dpdkbench: rte_pktmbuf_pool_create: %s\n",
		    rte_strerror(rte_errno));
		return 1;
	}
	bench_sources_init(2048);	/* libmbuf's MCLBYTES */

	c1 = packet(big, 1, 1500);
	c3 = packet(big, 3, 1500);
	chain6 = packet(small, 6, 250);
	lead = packet(big, 1, 1000);
	pkt2 = packet(small, 2, 100);
	small_pkt = packet(small, 1, 200);
	hdr_then_cluster = packet(small, 1, 14);
	if (rte_pktmbuf_chain(hdr_then_cluster, packet(big, 1, 1500)) != 0)
		bench_fail("rte_pktmbuf_chain");

	/* argv without EAL's: bench_main sees only our options */
	for (i = j = 1; i < argc; i++)
		argv[j++] = argv[i];
	status = bench_main(j, argv, rows, (int)(sizeof(rows) / sizeof(rows[0])));
	rte_pktmbuf_free(c1);
	rte_pktmbuf_free(c3);
	rte_pktmbuf_free(chain6);
	rte_pktmbuf_free(lead);
	rte_pktmbuf_free(pkt2);
	rte_pktmbuf_free(small_pkt);
	rte_pktmbuf_free(hdr_then_cluster);
	rte_eal_cleanup();
	return status;
}
