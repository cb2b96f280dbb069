/*
 * The misuse catalogue (docs/misuse.md), in C.
 *
 * Every case is a function that misuses the API once and then cleans up
 * what it allocated.  Each case runs:
 *   - as a death test, in a fresh copy of this program: the default panic
 *     handler must abort with "libmbuf: panic: <func>: ..." and every
 *     wanted fragment of the message;
 *   - in this process under a panic handler that returns: the call must
 *     report the same message and return its failure value, leaving the
 *     process healthy (no leak, mbstat back to zero at the end);
 * and each of these twice, with the C fast paths on and off
 * (MBUF_FASTPATH=0, mbuf_set_fastpath): the two messages must be the
 * same, addresses aside.
 * Cases that need debug mode (MBUF_DEBUG) run only as death tests, in a
 * child started with that environment.  Then: the errno cases of
 * mbuf_sysctl, the leak report (in process, and MBUF_LEAK_REPORT=1 at
 * exit in a child), and, if valgrind is installed, valgrind catching a
 * use after free through the debug mode's client requests.
 *
 */
#include <errno.h>
#include <spawn.h>

#include "testutil.h"


static char scratch[4096];

/* a packet in a cluster */
static struct mbuf *
clpkt(int len)
{
	struct mbuf *m = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);

	memset(mtod(m, char *), 7, (size_t)len);
	m->m_len = m->m_pkthdr.len = len;
	return m;
}

/* a freed mbuf (its address, for use-after-free cases) */
static struct mbuf *
freed(void)
{
	struct mbuf *m = m_gethdr(M_DONTWAIT, MT_DATA);

	m_free(m);
	return m;
}

/* ---- allocation and freeing --------------------------------------------- */

static void c_free_null(void) { m_free(NULL); }
static void c_double_free(void) { struct mbuf *m = m_get(M_DONTWAIT, MT_DATA); m_free(m); m_free(m); }
static void c_double_freem(void) { struct mbuf *m = clpkt(100); m_freem(m); m_freem(m); }
static void c_freem_foreign(void) { static struct mbuf fake; m_freem(&fake); }
static void c_free_interior(void)
{
	struct mbuf *m = m_get(M_DONTWAIT, MT_DATA);

	m_free((struct mbuf *)(void *)((char *)m + 64));
	m_free(m);
}
static void c_freem_freed_in_chain(void)
{
	struct mbuf *a = tu_pkt(10), *b = m_get(M_DONTWAIT, MT_DATA);

	a->m_next = b;
	m_free(b);		/* b is still linked from a */
	m_freem(a);
}
static void c_get_bad_how(void) { m_get(5, MT_DATA); }
static void c_gethdr_bad_type(void) { m_gethdr(M_DONTWAIT, -3); }
static void c_getcl_bad_type(void) { m_getcl(M_DONTWAIT, 256, M_PKTHDR); }
static void c_clget_null(void) { m_clget(NULL, M_DONTWAIT); }
static void c_clget_twice(void) { struct mbuf *m = clpkt(1); MCLGET(m, M_DONTWAIT); m_freem(m); }
static void c_clget_freed(void) { MCLGET(freed(), M_DONTWAIT); }
static void c_chtype_free(void) { struct mbuf *m = m_get(M_DONTWAIT, MT_DATA); MCHTYPE(m, MT_FREE); m_free(m); }
static void c_ext_free_plain(void) { struct mbuf *m = m_get(M_DONTWAIT, MT_DATA); m_ext_free(m); m_free(m); }
static void c_pool_put_live(void) { struct mbuf *m = m_get(M_DONTWAIT, MT_DATA); pool_cache_put(mb_cache, m); m_free(m); }
static void c_pool_put_cluster_cache(void) { struct mbuf *m = m_get(M_DONTWAIT, MT_DATA); pool_cache_put(mcl_cache, m); m_free(m); }
static void c_extadd_twice(void)
{
	struct mbuf *m = clpkt(1);
	void *buf = malloc(100);

	MEXTADD(m, buf, 100, M_MBUF, NULL, NULL);
	free(buf);
	m_freem(m);
}
static void c_extmalloc_freed(void) { MEXTMALLOC(freed(), 1000, M_DONTWAIT); }
static void c_drain_null(void) { mbuf_register_drain(NULL, NULL); }

/* ---- packet tags --------------------------------------------------------- */

static void c_tag_get_too_long(void) { m_tag_get(1, 70000, M_NOWAIT); }
static void c_tag_double_free(void) { struct m_tag *t = m_tag_get(1, 4, M_NOWAIT); m_tag_free(t); m_tag_free(t); }
static void c_tag_prepend_no_hdr(void)
{
	struct mbuf *m = m_get(M_DONTWAIT, MT_DATA);
	struct m_tag *t = m_tag_get(1, 4, M_NOWAIT);

	m_tag_prepend(m, t);
	m_tag_free(t);
	m_free(m);
}
static void c_tag_prepend_null(void) { struct mbuf *m = tu_pkt(0); m_tag_prepend(m, NULL); m_freem(m); }
static void c_tag_unlink_other(void)
{
	struct mbuf *m = tu_pkt(0);
	struct m_tag *t = m_tag_get(1, 4, M_NOWAIT);

	m_tag_unlink(m, t);	/* never prepended */
	m_tag_free(t);
	m_freem(m);
}
static void c_tag_find_freed(void) { m_tag_find(freed(), 1, NULL); }

/* ---- chain operations ---------------------------------------------------- */

static void c_copym_neg_off(void) { struct mbuf *m = tu_pkt(10); m_copym(m, -1, 4, M_DONTWAIT); m_freem(m); }
static void c_copym_past_end(void) { struct mbuf *m = tu_pkt(10); m_copym(m, 4, 20, M_DONTWAIT); m_freem(m); }
static void c_copym_off_past_end(void) { struct mbuf *m = tu_pkt(10); m_copym(m, 11, M_COPYALL, M_DONTWAIT); m_freem(m); }
static void c_copym_freed(void) { m_copym(freed(), 0, M_COPYALL, M_DONTWAIT); }
static void c_copym_bad_how(void) { struct mbuf *m = tu_pkt(10); m_copym(m, 0, 4, 7); m_freem(m); }
static void c_dup_neg_len(void) { struct mbuf *m = tu_pkt(10); m_dup(m, 0, -5, M_DONTWAIT); m_freem(m); }
static void c_copydata_past_end(void) { struct mbuf *m = tu_pkt(10); m_copydata(m, 0, 11, scratch); m_freem(m); }
static void c_copydata_copyall(void) { struct mbuf *m = tu_pkt(10); m_copydata(m, 2, M_COPYALL, scratch); m_freem(m); }
static void c_copydata_null_dst(void) { struct mbuf *m = tu_pkt(10); m_copydata(m, 0, 4, NULL); m_freem(m); }
static void c_copypacket_no_hdr(void) { struct mbuf *m = m_get(M_DONTWAIT, MT_DATA); m_copypacket(m, M_DONTWAIT); m_free(m); }
static void c_copyback_neg_off(void) { struct mbuf *m = tu_pkt(10); m_copyback(m, -1, 4, scratch); m_freem(m); }
static void c_copyback_readonly(void)
{
	struct mbuf *m = clpkt(100), *c = m_copym(m, 0, M_COPYALL, M_DONTWAIT);

	m_copyback(m, 10, 4, scratch);	/* the cluster is shared: read-only */
	m_freem(c);
	m_freem(m);
}
static void c_copyback_cow_past_end(void) { struct mbuf *m = tu_pkt(10); m_copyback_cow(m, 8, 4, scratch, M_DONTWAIT); m_freem(m); }
static void c_makewritable_null(void) { m_makewritable(NULL, 0, 1, M_DONTWAIT); }
static void c_pullup_neg(void) { struct mbuf *m = tu_pkt(10); m_pullup(m, -1); m_freem(m); }
static void c_copyup_bad_dstoff(void) { struct mbuf *m = tu_pkt(10); m_copyup(m, 10, -1); m_freem(m); }
static void c_prepend_too_long(void) { struct mbuf *m = tu_pkt(10); m_prepend(m, MCLBYTES, M_DONTWAIT); m_freem(m); }
static void c_pulldown_neg_off(void) { struct mbuf *m = tu_pkt(10); int o; m_pulldown(m, -1, 4, &o); m_freem(m); }
static void c_pulldown_null(void) { int o; m_pulldown(NULL, 0, 4, &o); }
static void c_split_freed(void) { m_split(freed(), 2, M_DONTWAIT); }
static void c_cat_freed(void) { struct mbuf *m = tu_pkt(10); m_cat(m, freed()); m_freem(m); }
static void c_adj_freed(void) { m_adj(freed(), 2); }
static int apply_nop(void *arg, void *data, unsigned int len) { (void)arg; (void)data; (void)len; return 0; }
static void c_apply_null_fn(void) { struct mbuf *m = tu_pkt(10); m_apply(m, 0, 4, NULL, NULL); m_freem(m); }
static void c_apply_past_end(void) { struct mbuf *m = tu_pkt(10); m_apply(m, 5, 10, apply_nop, NULL); m_freem(m); }
static void c_getptr_null_off(void) { struct mbuf *m = tu_pkt(10); m_getptr(m, 0, NULL); m_freem(m); }
static void c_prepend_neg(void) { struct mbuf *m = tu_pkt(10); m_prepend(m, -5, M_DONTWAIT); m_freem(m); }
static void c_devget_null_buf(void) { m_devget(NULL, 10, 0, NULL, NULL); }
static void c_tag_delete_other(void)
{
	struct mbuf *m = tu_pkt(0);
	struct m_tag *t = m_tag_get(1, 4, M_NOWAIT);

	m_tag_delete(m, t);	/* never prepended */
	m_tag_free(t);
	m_freem(m);
}
static void c_move_pkthdr_no_hdr(void)
{
	struct mbuf *to = m_get(M_DONTWAIT, MT_DATA), *from = m_get(M_DONTWAIT, MT_DATA);

	m_move_pkthdr(to, from);
	m_free(to);
	m_free(from);
}
static void c_makewritable_freed(void) { struct mbuf *m = freed(); m_makewritable(&m, 0, 1, M_DONTWAIT); }
static void c_claimm_freed(void) { m_claimm(freed(), NULL); }
static void c_tag_copy_null(void) { m_tag_copy(NULL); }
static void c_zombie_use(void)
{
	struct mbuf *m = clpkt(100), *c = m_copym(m, 0, M_COPYALL, M_DONTWAIT);

	m_freem(m);		/* a zombie: c still shares its cluster */
	m_copym(m, 0, 10, M_DONTWAIT);
	m_freem(c);
}
static void c_cat_self(void) { struct mbuf *m = tu_pkt(10); m_cat(m, m); m_freem(m); }
static void c_tag_prepend_twice(void)
{
	struct mbuf *m = tu_pkt(0);
	struct m_tag *t = m_tag_get(1, 4, M_NOWAIT);

	m_tag_prepend(m, t);
	m_tag_prepend(m, t);
	m_freem(m);
}
static void c_move_pkthdr_ext(void)
{
	struct mbuf *to = m_getcl(M_DONTWAIT, MT_DATA, 0), *from = tu_pkt(4);

	m_move_pkthdr(to, from);
	m_freem(to);
	m_freem(from);
}
static void c_devget_neg(void) { m_devget(scratch, -1, 0, NULL, NULL); }

/*
 * ---- broken chains and aliases (issue 11: the fast paths check these too).
 * A call checks the mbufs it uses, those holding the bytes it works on:
 * the ranges below reach the second mbuf.
 */

/* a packet of two mbufs, 10 bytes each */
static struct mbuf *
pkt2(void)
{
	struct mbuf *m = tu_pkt(10);

	m->m_next = m_get(M_DONTWAIT, MT_DATA);
	m->m_next->m_len = 10;
	m->m_pkthdr.len = 20;
	return m;
}
static void c_move_pkthdr_self(void) { struct mbuf *m = tu_pkt(10); m_move_pkthdr(m, m); m_freem(m); }
static void c_copydata_neg_m_len(void) { struct mbuf *m = pkt2(); m->m_next->m_len = -5; m_copydata(m, 5, 10, scratch); m->m_next->m_len = 0; m_freem(m); }
static void c_copyback_neg_m_len(void) { struct mbuf *m = pkt2(); m->m_next->m_len = -5; m_copyback(m, 8, 4, scratch); m->m_next->m_len = 0; m_freem(m); }
static void c_copym_neg_m_len(void) { struct mbuf *m = pkt2(); m->m_next->m_len = -5; m_copym(m, 0, M_COPYALL, M_DONTWAIT); m->m_next->m_len = 0; m_freem(m); }
static void c_split_neg_m_len(void) { struct mbuf *m = pkt2(); m->m_next->m_len = -5; m_split(m, 12, M_DONTWAIT); m->m_next->m_len = 0; m_freem(m); }
static void c_pulldown_neg_m_len(void) { struct mbuf *m = pkt2(); int o; m->m_next->m_len = -5; m_pulldown(m, 8, 4, &o); m->m_next->m_len = 0; m_freem(m); }
static void c_adj_len_too_long(void) { struct mbuf *m = tu_pkt(10); m->m_len = MLEN + 1; m_adj(m, 2); m->m_len = 10; m_freem(m); }
static void c_copydata_data_outside(void) { struct mbuf *m = tu_pkt(10); m->m_data -= 200; m_copydata(m, 0, 4, scratch); m->m_data += 200; m_freem(m); }
static void c_adj_cycle(void) { struct mbuf *m = pkt2(); m->m_next->m_next = m->m_next; m_adj(m, -5); m->m_next->m_next = NULL; m_freem(m); }
static void c_copym_cycle(void) { struct mbuf *m = pkt2(); m->m_next->m_next = m; m_copym(m, 5, 20, M_DONTWAIT); m->m_next->m_next = NULL; m_freem(m); }
static void c_copyback_null_src(void) { struct mbuf *m = tu_pkt(10); m_copyback(m, 0, 4, NULL); m_freem(m); }
static void c_pullup_freed_in_chain(void) { struct mbuf *m = pkt2(); m_free(m->m_next); m_pullup(m, 14); m->m_next = NULL; m_freem(m); }
static void c_copydata_freed_in_chain(void) { struct mbuf *m = pkt2(); m_free(m->m_next); m_copydata(m, 5, 10, scratch); m->m_next = NULL; m_freem(m); }
/*
 * A sharer of a cluster whose m_ext_ref was overwritten: freeing it must
 * not write a count through it.  Under a returning handler the free is
 * refused before anything is freed (the sharer heads its chain: m_freem
 * frees as it goes, as in 2007); the case then mends it and frees all.
 */
static void
free_wild_sharer(uintptr_t ref, int in_chain)
{
	struct mbuf *m = clpkt(100), *c = m_copym(m, 0, M_COPYALL, M_DONTWAIT);
	struct mbuf *good = c->m_ext_ref;

	if (in_chain)
		c->m_next = m_get(M_DONTWAIT, MT_DATA);
	c->m_ext_ref = (struct mbuf *)ref;
	if (in_chain)
		m_freem(c);
	else
		m_free(c);
	c->m_ext_ref = good;
	m_freem(c);
	m_freem(m);
}
static void c_free_wild_ext_ref(void) { free_wild_sharer(0x1000, 0); }
static void c_freem_wild_ext_ref(void) { free_wild_sharer(0x1000, 1); }
static void
c_free_ext_ref_inside_mbuf(void)
{
	struct mbuf *h = clpkt(1);

	free_wild_sharer((uintptr_t)h + 8, 0);
	m_freem(h);
}

/* ---- debug mode (MBUF_DEBUG, set in the child's environment) ------------ */

/*
 * Numbers in the wanted messages that depend on the ABI (docs/misuse.md
 * shows LP64's); main() checks them against the header.
 */
#if __SIZEOF_POINTER__ == 8
#define	M_LEN_OFF	"32"	/* offsetof(struct mbuf, m_len) */
#define	MLEN_PLUS_1	"457"
#else
#define	M_LEN_OFF	"16"
#define	MLEN_PLUS_1	"225"
#endif

static void c_dbg_freed_by(void) { struct mbuf *m = m_get(M_DONTWAIT, MT_DATA); m_free(m); m_freem(m); }
static void c_dbg_alloc_site(void) { struct mbuf *m = clpkt(10); m_freem(m); m_free(m); }
static void c_dbg_write_after_free(void)
{
	struct mbuf *m = m_get(M_DONTWAIT, MT_DATA);
	int i;

	m_free(m);
	m->m_len = 5;		/* through a stale pointer */
	for (i = 0; i < 2000; i++)
		m_free(m_get(M_DONTWAIT, MT_DATA));
}
static void c_dbg_cluster_write_after_free(void)
{
	struct mbuf *m = clpkt(10);
	char *buf = mtod(m, char *);
	int i;

	m_freem(m);
	buf[1000] = 1;
	for (i = 0; i < 2000; i++)
		m_freem(clpkt(1));
}
static void c_dbg_stale_storage(void)
{
	struct mbuf *m = clpkt(10), *n = m_get(M_DONTWAIT, MT_DATA);

	/* n points at m's storage without taking a reference */
	n->m_flags |= M_EXT | M_EXT_CLUSTER;
	n->m_ext_ref = m;
	m_freem(m);
	m_free(n);
}
static void c_dbg_bad_len(void) { struct mbuf *m = m_get(M_DONTWAIT, MT_DATA); m->m_len = MLEN + 1; m_free(m); }
static void c_dbg_data_outside(void)
{
	struct mbuf *m = clpkt(100);

	m->m_data += MCLBYTES - 50;	/* 100 bytes from 50 before the end */
	m_freem(m);
}

/* ---- the table ------------------------------------------------------------ */

struct mcase {
	const char *name;
	void (*fn)(void);
	const char *want;	/* '|'-separated fragments, all required */
	const char *debug;	/* MBUF_DEBUG value for the child, or NULL */
};

static const struct mcase cases[] = {
	{ "free_null", c_free_null, "m_free: NULL mbuf", NULL },
	{ "double_free", c_double_free, "m_free: mbuf 0x|is not allocated", NULL },
	{ "double_freem", c_double_freem, "m_freem: mbuf 0x|is not allocated", NULL },
	{ "freem_foreign", c_freem_foreign, "m_freem: 0x|is not an mbuf (outside the mbuf arena)", NULL },
	{ "free_interior", c_free_interior, "m_free: 0x|points inside an mbuf", NULL },
	{ "freem_freed_in_chain", c_freem_freed_in_chain, "m_freem: mbuf 0x|is not allocated", NULL },
	{ "get_bad_how", c_get_bad_how, "m_get: bad how 5", NULL },
	{ "gethdr_bad_type", c_gethdr_bad_type, "m_gethdr: bad mbuf type -3", NULL },
	{ "getcl_bad_type", c_getcl_bad_type, "m_getcl: bad mbuf type 256", NULL },
	{ "clget_null", c_clget_null, "m_clget: NULL mbuf", NULL },
	{ "clget_twice", c_clget_twice, "m_clget: mbuf 0x|already has external storage", NULL },
	{ "clget_freed", c_clget_freed, "m_clget: mbuf 0x|is not allocated", NULL },
	{ "chtype_free", c_chtype_free, "MCHTYPE: bad mbuf type 0", NULL },
	{ "ext_free_plain", c_ext_free_plain, "m_ext_free: mbuf 0x|has no external storage", NULL },
	{ "pool_put_live", c_pool_put_live, "pool_cache_put: |0x|ext_free", NULL },
	{ "pool_put_cluster_cache", c_pool_put_cluster_cache, "pool_cache_put: pool 0x|is not mb_cache", NULL },
	{ "extadd_twice", c_extadd_twice, "MEXTADD: mbuf 0x|already has external storage", NULL },
	{ "extmalloc_freed", c_extmalloc_freed, "MEXTMALLOC: mbuf 0x|is not allocated", NULL },
	{ "drain_null", c_drain_null, "mbuf_register_drain: NULL drain function", NULL },
	{ "tag_get_too_long", c_tag_get_too_long, "m_tag_get: len 70000 does not fit", NULL },
	{ "tag_double_free", c_tag_double_free, "m_tag_free: 0x|is not a live m_tag", NULL },
	{ "tag_prepend_no_hdr", c_tag_prepend_no_hdr, "m_tag_prepend: mbuf 0x|has no packet header", NULL },
	{ "tag_prepend_null", c_tag_prepend_null, "m_tag_prepend: NULL tag", NULL },
	{ "tag_unlink_other", c_tag_unlink_other, "m_tag_unlink: tag 0x|is not on mbuf", NULL },
	{ "tag_find_freed", c_tag_find_freed, "m_tag_find: mbuf 0x|is not allocated", NULL },
	{ "copym_neg_off", c_copym_neg_off, "m_copym: off -1, len 4", NULL },
	{ "copym_past_end", c_copym_past_end, "m_copym: m == 0, len 14 [!COPYALL]", NULL },
	{ "copym_off_past_end", c_copym_off_past_end, "m_copym: m == 0, off 1", NULL },
	{ "copym_freed", c_copym_freed, "m_copym: mbuf 0x|is not allocated", NULL },
	{ "copym_bad_how", c_copym_bad_how, "m_copym: bad how 7", NULL },
	{ "dup_neg_len", c_dup_neg_len, "m_dup: off 0, len -5", NULL },
	{ "copydata_past_end", c_copydata_past_end, "m_copydata: m == NULL, len 1", NULL },
	{ "copydata_copyall", c_copydata_copyall, "m_copydata: m == NULL, len|1000000000", NULL },
	{ "copydata_null_dst", c_copydata_null_dst, "m_copydata: NULL destination", NULL },
	{ "copypacket_no_hdr", c_copypacket_no_hdr, "m_copypacket: mbuf 0x|has no packet header", NULL },
	{ "copyback_neg_off", c_copyback_neg_off, "m_copyback: off -1, len 4", NULL },
	{ "copyback_readonly", c_copyback_readonly, "m_copyback0: read-only", NULL },
	{ "copyback_cow_past_end", c_copyback_cow_past_end, "m_copyback_cow: off 8 + len 4 is past the packet length 10", NULL },
	{ "makewritable_null", c_makewritable_null, "m_makewritable: NULL chain pointer", NULL },
	{ "pullup_neg", c_pullup_neg, "m_pullup: len -1", NULL },
	{ "copyup_bad_dstoff", c_copyup_bad_dstoff, "m_copyup: len 10, dstoff -1", NULL },
	{ "prepend_too_long", c_prepend_too_long, "m_prepend: len 2048", NULL },
	{ "pulldown_neg_off", c_pulldown_neg_off, "m_pulldown: off -1, len 4", NULL },
	{ "pulldown_null", c_pulldown_null, "m_pulldown: m == NULL", NULL },
	{ "split_freed", c_split_freed, "m_split: mbuf 0x|is not allocated", NULL },
	{ "cat_freed", c_cat_freed, "m_cat: mbuf 0x|is not allocated", NULL },
	{ "adj_freed", c_adj_freed, "m_adj: mbuf 0x|is not allocated", NULL },
	{ "apply_null_fn", c_apply_null_fn, "m_apply: NULL function", NULL },
	{ "apply_past_end", c_apply_past_end, "m_apply: off 5 + len 10 is past the chain of 10 bytes", NULL },
	{ "getptr_null_off", c_getptr_null_off, "m_getptr: NULL off pointer", NULL },
	{ "prepend_neg", c_prepend_neg, "m_prepend: len -5 does not fit in one mbuf", NULL },
	{ "devget_null_buf", c_devget_null_buf, "m_devget: NULL buffer for 10 bytes", NULL },
	{ "tag_delete_other", c_tag_delete_other, "m_tag_unlink: tag 0x|is not on mbuf 0x", NULL },
	{ "move_pkthdr_no_hdr", c_move_pkthdr_no_hdr, "m_move_pkthdr: mbuf 0x|has no packet header", NULL },
	{ "makewritable_freed", c_makewritable_freed, "m_makewritable: mbuf 0x|is not allocated", NULL },
	{ "claimm_freed", c_claimm_freed, "m_claimm: mbuf 0x|is not allocated", NULL },
	{ "tag_copy_null", c_tag_copy_null, "m_tag_copy: NULL tag", NULL },
	{ "zombie_use", c_zombie_use, "m_copym: mbuf 0x|was already freed (its storage is still shared)", NULL },
	{ "cat_self", c_cat_self, "m_cat: chain 0x|is already linked to chain 0x", NULL },
	{ "tag_prepend_twice", c_tag_prepend_twice, "m_tag_prepend: tag 0x|is already on this tag list", NULL },
	{ "move_pkthdr_ext", c_move_pkthdr_ext, "m_move_pkthdr: destination 0x|has external storage", NULL },
	{ "devget_neg", c_devget_neg, "m_devget: totlen -1, off0 0", NULL },
	{ "move_pkthdr_self", c_move_pkthdr_self, "m_move_pkthdr: source and destination are the same mbuf 0x", NULL },
	{ "copydata_neg_m_len", c_copydata_neg_m_len, "m_copydata: mbuf 0x|has a negative m_len -5", NULL },
	{ "copyback_neg_m_len", c_copyback_neg_m_len, "m_copyback: mbuf 0x|has a negative m_len -5", NULL },
	{ "copym_neg_m_len", c_copym_neg_m_len, "m_copym: mbuf 0x|has a negative m_len -5", NULL },
	{ "split_neg_m_len", c_split_neg_m_len, "m_split: mbuf 0x|has a negative m_len -5", NULL },
	{ "pulldown_neg_m_len", c_pulldown_neg_m_len, "m_pulldown: mbuf 0x|has a negative m_len -5", NULL },
	{ "adj_len_too_long", c_adj_len_too_long, "m_adj: mbuf 0x|has m_len " MLEN_PLUS_1 ", more than its buffer holds", NULL },
	{ "copydata_data_outside", c_copydata_data_outside, "m_copydata: mbuf 0x|+ m_len 10 lies outside its buffer", NULL },
	{ "adj_cycle", c_adj_cycle, "m_adj: chain has a cycle", NULL },
	{ "copym_cycle", c_copym_cycle, "m_copym: chain has a cycle", NULL },
	{ "copyback_null_src", c_copyback_null_src, "m_copyback: NULL source for 4 bytes", NULL },
	{ "pullup_freed_in_chain", c_pullup_freed_in_chain, "m_pullup: mbuf 0x|is not allocated", NULL },
	{ "copydata_freed_in_chain", c_copydata_freed_in_chain, "m_copydata: mbuf 0x|is not allocated", NULL },
	{ "free_wild_ext_ref", c_free_wild_ext_ref, "m_free: mbuf 0x|has a corrupt m_ext_ref 0x1000", NULL },
	{ "freem_wild_ext_ref", c_freem_wild_ext_ref, "m_freem: mbuf 0x|has a corrupt m_ext_ref 0x1000", NULL },
	{ "free_ext_ref_inside_mbuf", c_free_ext_ref_inside_mbuf, "m_free: mbuf 0x|has a corrupt m_ext_ref 0x", NULL },
	/* debug mode */
	{ "dbg_freed_by", c_dbg_freed_by, "m_freem: mbuf 0x|is not allocated|freed by m_free, owner unknown/data", "1" },
	{ "dbg_alloc_site", c_dbg_alloc_site, "m_free: mbuf 0x|freed by m_freem from |allocated by m_getcl from ", "alloc" },
	{ "dbg_write_after_free", c_dbg_write_after_free, "m_free: write after free: mbuf 0x|byte " M_LEN_OFF " is 0x00000005|freed by m_free", "1" },
	{ "dbg_cluster_write_after_free", c_dbg_cluster_write_after_free, "write after free: cluster 0x|byte 1000|freed by m_freem", "1" },
	{ "dbg_stale_storage", c_dbg_stale_storage, "m_free: mbuf 0x|uses the storage of mbuf 0x|which was freed|freed by m_freem", "1" },
	{ "dbg_bad_len", c_dbg_bad_len, "m_free: mbuf 0x|has m_len " MLEN_PLUS_1 ", more than its buffer holds", "1" },
	{ "dbg_data_outside", c_dbg_data_outside, "m_freem: mbuf 0x|m_data 0x|+ m_len 100 lies outside its buffer", "1" },
	{ NULL, NULL, NULL, NULL },
};


static int
all_fragments(const char *text, const char *want)
{
	char buf[512], *p, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", want);
	for (p = strtok_r(buf, "|", &save); p != NULL;
	    p = strtok_r(NULL, "|", &save))
		if (strstr(text, p) == NULL)
			return 0;
	return 1;
}

/*
 * Run this program again with args and extra environment settings; give
 * back its status and stderr.
 */
static int
spawn_prog(const char *prog, char *const args[], const char *env1,
    const char *env2, char *out, size_t outsz)
{
	posix_spawn_file_actions_t fa;
	char *argv[12], *envp[256];
	size_t n = 0;
	ssize_t r;
	int p[2], i, k = 0, status = 0;
	pid_t pid;

	for (i = 0; args[i] != NULL && i < 10; i++)
		argv[i] = args[i];
	argv[i] = NULL;
	for (i = 0; environ[i] != NULL && k < 250; i++)
		if (strncmp(environ[i], "MBUF_DEBUG=", 11) != 0 &&
		    strncmp(environ[i], "MBUF_FASTPATH=", 14) != 0 &&
		    strncmp(environ[i], "MBUF_LEAK_REPORT=", 17) != 0 &&
		    strncmp(environ[i], "GODEBUG=", 8) != 0)
			envp[k++] = environ[i];
	if (env1 != NULL)
		envp[k++] = (char *)env1;
	if (env2 != NULL)
		envp[k++] = (char *)env2;
	envp[k] = NULL;
	if (pipe(p) != 0) {
		perror("pipe");
		exit(2);
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	if (tu_spawn(&pid, prog, &fa, argv, envp) != 0) {
		perror("posix_spawn");
		exit(2);
	}
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	while (n < outsz - 1 && (r = read(p[0], out + n, outsz - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = '\0';
	close(p[0]);
	waitpid(pid, &status, 0);
	return status;
}

/* this program with args (argv[1]...) */
static int
spawn_self(char *const args[], const char *env1, const char *env2,
    char *out, size_t outsz)
{
	char *argv[8];
	int i;

	argv[0] = (char *)tu_self;
	for (i = 0; args[i] != NULL && i < 6; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	return spawn_prog(tu_self, argv, env1, env2, out, outsz);
}

/*
 * A message with its addresses replaced by #1, #2, ... in order of first
 * appearance: what two runs of the same case must agree on.
 */
static void
normalize(const char *msg, char *out, size_t outsz)
{
	unsigned long seen[16];
	int nseen = 0, k;
	size_t n = 0;
	char *end;

	while (*msg != '\0' && n + 8 < outsz) {
		if (msg[0] == '0' && msg[1] == 'x') {
			unsigned long v = strtoul(msg, &end, 16);

			for (k = 0; k < nseen && seen[k] != v; k++)
				;
			if (k == nseen && nseen < 16)
				seen[nseen++] = v;
			n += (size_t)snprintf(out + n, outsz - n, "#%d", k + 1);
			msg = end;
		} else
			out[n++] = *msg++;
	}
	out[n] = '\0';
}

/* the "libmbuf: panic: ..." line of a child's stderr, normalized */
static void
panic_line(const char *out, char *line, size_t linesz)
{
	const char *p = strstr(out, "libmbuf: panic: ");
	char buf[1024];
	size_t n = 0;

	while (p != NULL && *p != '\0' && *p != '\n' && n + 1 < sizeof(buf))
		buf[n++] = *p++;
	buf[n] = '\0';
	normalize(buf, line, linesz);
}

/*
 * Each case in a fresh child, with the fast paths on and (unless the case
 * needs debug mode, which turns them off anyway) again off
 * (MBUF_FASTPATH=0): both must abort with the same message.
 */
static void
death_tests(void)
{
	const struct mcase *c;
	char out[8192], env[64], line[2][1024];
	int status, k;

	for (c = cases; c->name != NULL; c++) {
		char *args[] = { (char *)"--case", (char *)c->name, NULL };

		for (k = 0; k < (c->debug != NULL ? 1 : 2); k++) {
			tu_checks++;
			if (c->debug != NULL)
				snprintf(env, sizeof(env), "MBUF_DEBUG=%s", c->debug);
			else
				snprintf(env, sizeof(env), "MBUF_FASTPATH=%d", k == 0);
			status = spawn_self(args, env, NULL, out, sizeof(out));
#if defined(__SANITIZE_ADDRESS__)
			/* AddressSanitizer sees the stale write itself, at once */
			if (strstr(c->name, "write_after_free") != NULL) {
				if (!WIFEXITED(status) || WEXITSTATUS(status) == 0 ||
				    strstr(out, "use-after-poison") == NULL) {
					tu_failures++;
					fprintf(stderr, "misuse case %s: wanted ASan's "
					    "use-after-poison; stderr:\n%s\n", c->name, out);
				}
				continue;
			}
#endif
			if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT ||
			    strstr(out, "libmbuf: panic: ") == NULL ||
			    !all_fragments(out, c->want)) {
				tu_failures++;
				fprintf(stderr, "misuse case %s (%s): wanted an abort "
				    "with \"%s\"; status %#x, stderr:\n%s\n", c->name,
				    env, c->want, status, out);
			}
			panic_line(out, line[k], sizeof(line[k]));
		}
		if (c->debug == NULL && strcmp(line[0], line[1]) != 0) {
			tu_failures++;
			fprintf(stderr, "misuse case %s: fast paths on and off "
			    "differ:\n  on:  %s\n  off: %s\n", c->name, line[0],
			    line[1]);
		}
	}
}

/* ---- the same cases under a handler that returns ------------------------ */

static char got[1024];
static int reports;

static void
returning_handler(const char *func, const char *msg)
{
	if (reports++ == 0)
		snprintf(got, sizeof(got), "libmbuf: panic: %s: %s", func, msg);
}

/*
 * In this process, the fast paths on, then off (mbuf_set_fastpath): the
 * same report, normalized, both times.
 */
static void
soft_tests(void)
{
	static char seen[2][sizeof(cases) / sizeof(cases[0])][1024];
	const struct mcase *c;
	int k, i;

	CHECK(mbuf_set_panic_handler(returning_handler) == NULL);
	for (k = 0; k < 2; k++) {
		mbuf_set_fastpath(k == 0);
		for (c = cases, i = 0; c->name != NULL; c++, i++) {
			if (c->debug != NULL)
				continue;
			reports = 0;
			got[0] = '\0';
			c->fn();
			tu_checks++;
			if (reports < 1 || !all_fragments(got, c->want)) {
				tu_failures++;
				fprintf(stderr, "soft case %s (fast paths %s): %d "
				    "reports, first \"%s\", wanted \"%s\"\n",
				    c->name, k == 0 ? "on" : "off", reports, got,
				    c->want);
			}
			normalize(got, seen[k][i], sizeof(seen[k][i]));
			CHECK(mbuf_last_error() != NULL);
			mbuf_clear_error();
		}
	}
	mbuf_set_fastpath(1);
	for (c = cases, i = 0; c->name != NULL; c++, i++)
		if (c->debug == NULL && strcmp(seen[0][i], seen[1][i]) != 0) {
			tu_failures++;
			fprintf(stderr, "soft case %s: fast paths on and off "
			    "differ:\n  on:  %s\n  off: %s\n", c->name,
			    seen[0][i], seen[1][i]);
		}
	mbuf_set_panic_handler(NULL);
	CHECK(tu_all_types_zero());
	CHECK_EQ(mbuf_leak_count(), 0);
}

/* ---- cases that are not violations: documented failure values ----------- */

static void
errno_tests(void)
{
	int name[2], v, small, big;
	size_t len = sizeof(int);
	struct mbstat st;

	/* m_tag_get with len < 0 returns NULL, as the 2007 code does */
	CHECK(m_tag_get(1, -1, M_NOWAIT) == NULL);
	/* m_split with len0 < 0: an unsigned length in 2007, longer than any chain */
	{
		struct mbuf *m = tu_pkt(10);

		CHECK(m_split(m, -1, M_DONTWAIT) == NULL);
		CHECK(mbuf_last_error() == NULL);
		CHECK_EQ(m->m_pkthdr.len, 10);
		/* m_pullup / m_copyup of more than the chain: NULL, chain freed */
		CHECK(m_pullup(m, 20) == NULL);
		CHECK(m_copyup(tu_pkt(10), 20, 0) == NULL);
		CHECK(mbuf_last_error() == NULL);
		CHECK_EQ(mbuf_leak_count(), 0);
	}

	/* nmbclusters may only grow */
	name[0] = MBUF_NMBCLUSTERS;
	CHECK_EQ(mbuf_sysctl(name, 1, &v, &len, NULL, 0), 0);
	small = v - 1;
	big = v + 1;
	CHECK_EQ(mbuf_sysctl(name, 1, NULL, NULL, &small, sizeof(int)), EINVAL);
	CHECK_EQ(nmbclusters, v);
	CHECK_EQ(mbuf_sysctl(name, 1, NULL, NULL, &big, 2), EINVAL);	/* short value */
	small = -5;
	name[0] = MBUF_MBLOWAT;
	CHECK_EQ(mbuf_sysctl(name, 1, NULL, NULL, &small, sizeof(int)), EINVAL);
	/* read-only nodes */
	name[0] = MBUF_MSIZE;
	CHECK_EQ(mbuf_sysctl(name, 1, NULL, NULL, &big, sizeof(int)), EPERM);
	name[0] = MBUF_STATS;
	CHECK_EQ(mbuf_sysctl(name, 1, NULL, NULL, &st, sizeof(st)), EPERM);
	/* short buffer */
	len = 4;
	CHECK_EQ(mbuf_sysctl(name, 1, &st, &len, NULL, 0), ENOMEM);
	/* bad names */
	name[0] = 99;
	len = sizeof(int);
	CHECK_EQ(mbuf_sysctl(name, 1, &v, &len, NULL, 0), ENOENT);
	name[0] = 0;
	CHECK_EQ(mbuf_sysctl(name, 1, &v, &len, NULL, 0), ENOENT);
	CHECK_EQ(mbuf_sysctl(NULL, 1, &v, &len, NULL, 0), EINVAL);
	CHECK_EQ(mbuf_sysctl(name, 0, &v, &len, NULL, 0), EINVAL);
	name[0] = MBUF_NMBCLUSTERS;
	name[1] = 1;
	CHECK_EQ(mbuf_sysctl(name, 2, &v, &len, NULL, 0), ENOTDIR);
	name[0] = MBUF_MOWNERS;
	CHECK_EQ(mbuf_sysctl(name, 2, NULL, &len, NULL, 0), EINVAL);
	CHECK_EQ(mbuf_sysctl(name, 1, NULL, &len, &v, sizeof(int)), EPERM);
	/* oldp without oldlenp */
	name[0] = MBUF_MSIZE;
	CHECK_EQ(mbuf_sysctl(name, 1, &v, NULL, NULL, 0), EINVAL);
	CHECK_EQ(nmbclusters, NMBCLUSTERS);
}

/* ---- leak report ---------------------------------------------------------- */

static struct mowner wm0_rx = MOWNER_INIT("wm0", "rx");

static void
leak_report_tests(void)
{
	struct mbuf *a, *b, *c;
	struct m_tag *t;
	FILE *f;
	char buf[4096];
	size_t n;

	CHECK_EQ(mbuf_leak_count(), 0);
	mowner_attach(&wm0_rx);
	a = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);
	b = m_get(M_DONTWAIT, MT_DATA);
	c = m_get(M_DONTWAIT, MT_CONTROL);
	m_claim(a, &wm0_rx);
	m_claim(b, &wm0_rx);
	t = m_tag_get(PACKET_TAG_VLAN, 4, M_NOWAIT);
	CHECK_EQ(mbuf_leak_count(), 5);	/* 3 mbufs, a cluster, a tag */
	f = tmpfile();
	CHECK_EQ(mbuf_leak_report(f), 5);
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	CHECK(strstr(buf, "3 mbufs, 0 zombie holders, 1 clusters, 1 tags") != NULL);
	if (mbuf_debug_mode() == 2)	/* grouped by allocating call too */
		CHECK(strstr(buf, "1 mbuf    MT_DATA    owner wm0/rx allocated by m_getcl") != NULL);
	else
		CHECK(strstr(buf, "2 mbuf    MT_DATA    owner wm0/rx") != NULL);
	CHECK(strstr(buf, "1 mbuf    MT_CONTROL owner unknown/control") != NULL);
	CHECK(strstr(buf, "1 cluster MT_DATA    owner wm0/rx") != NULL);
	CHECK(strstr(buf, "1 tag") != NULL);
	if (tu_failures > 0)
		fprintf(stderr, "leak report was:\n%s", buf);
	m_freem(a);
	m_free(b);
	m_free(c);
	m_tag_free(t);
	mowner_detach(&wm0_rx);
	CHECK_EQ(mbuf_leak_count(), 0);
	CHECK_EQ(mbuf_leak_report(NULL), 0);
	CHECK_EQ(mbuf_debug_mode(), getenv("MBUF_DEBUG") == NULL ? 0 :
	    strcmp(getenv("MBUF_DEBUG"), "alloc") == 0 ? 2 : 1);
}

/* a child that leaks (or not) and exits 0; MBUF_LEAK_REPORT=1 must fail it */
static int
leak_child(int leak)
{
	struct mbuf *m = m_getcl(M_DONTWAIT, MT_HEADER, M_PKTHDR);

	if (!leak)
		m_freem(m);
	return 0;
}

static void
leak_at_exit_tests(void)
{
	char out[8192];
	char *leak[] = { (char *)"--leak-child", (char *)"1", NULL };
	char *clean[] = { (char *)"--leak-child", (char *)"0", NULL };
	int st;

	st = spawn_self(leak, "MBUF_LEAK_REPORT=1", NULL, out, sizeof(out));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 97);
	CHECK(strstr(out, "libmbuf: LEAK: 2 objects still allocated at exit") != NULL);
	CHECK(strstr(out, "1 mbuf    MT_HEADER  owner unknown/header") != NULL);
	CHECK(strstr(out, "1 cluster MT_HEADER") != NULL);
	/* with allocation sites */
	st = spawn_self(leak, "MBUF_LEAK_REPORT=1", "MBUF_DEBUG=alloc", out, sizeof(out));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 97);
	/* ... naming the C caller: leak_child's code in this program */
	CHECK(strstr(out, "allocated by m_getcl from ") != NULL);
	CHECK(strstr(out, "test_misuse+0x") != NULL || strstr(out, "leak_child+0x") != NULL);
	/* without the variable, a leak is not reported */
	st = spawn_self(leak, NULL, NULL, out, sizeof(out));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(strstr(out, "LEAK") == NULL);
	/* no leak, no report */
	st = spawn_self(clean, "MBUF_LEAK_REPORT=1", NULL, out, sizeof(out));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(strstr(out, "LEAK") == NULL);
	if (tu_failures > 0)
		fprintf(stderr, "last child said:\n%s", out);
}

/* ---- valgrind sees a use after free in debug mode ------------------------ */

static int
valgrind_child(void)
{
	struct mbuf *m = m_get(M_DONTWAIT, MT_DATA);
	volatile int len;

	m->m_len = 3;
	m_free(m);
	len = m->m_len;		/* invalid read: the slot is NOACCESS */
	(void)len;
	return 0;
}

static void
valgrind_tests(void)
{
	const char *vg = "/usr/bin/valgrind";
	char out[16384];
	const char *supp = "--suppressions=c_tests/valgrind.supp";
	const char *rdtscp_off = "GODEBUG=cpu.rdtscp=off";
	char *argv[] = { (char *)vg, (char *)"-q", (char *)"--error-exitcode=99",
	    (char *)"--leak-check=no", (char *)supp, (char *)tu_self,
	    (char *)"--valgrind-child", NULL };
	int st;

#if defined(__SANITIZE_ADDRESS__)
	/* AddressSanitizer instead: debug mode poisons freed slab memory */
	{
		char *args[] = { (char *)"--valgrind-child", NULL };

		st = spawn_self(args, "MBUF_DEBUG=1", NULL, out, sizeof(out));
		CHECK(!WIFEXITED(st) || WEXITSTATUS(st) != 0);
		CHECK(strstr(out, "use-after-poison") != NULL);
		if (tu_failures > 0)
			fprintf(stderr, "asan said:\n%s", out);
		return;
	}
#endif
	/* (under an emulator, valgrind cannot start its i386 tools) */
	if (getenv("MBUF_TEST_UNDER_VALGRIND") != NULL || access(vg, X_OK) != 0 ||
	    access(supp + strlen("--suppressions="), R_OK) != 0 ||
	    getenv("MBUF_TEST_EXEC") != NULL) {
		printf("test_misuse: valgrind use-after-free check skipped\n");
		return;
	}
	/*
	 * Debug mode: valgrind reports the read of the freed mbuf.  (Go's
	 * runtime uses RDTSCP, which valgrind 3.19 intermittently rejects
	 * with SIGILL; GODEBUG turns that off.)
	 */
	st = spawn_prog(vg, argv, "MBUF_DEBUG=1", rdtscp_off, out, sizeof(out));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 99);
	CHECK(strstr(out, "Invalid read of size 4") != NULL);
	CHECK(strstr(out, "valgrind_child") != NULL);
	if (tu_failures > 0)
		fprintf(stderr, "valgrind said:\n%s", out);
	/* without debug mode the same read goes unnoticed (documented) */
	st = spawn_prog(vg, argv, NULL, rdtscp_off, out, sizeof(out));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int
main(int argc, char **argv)
{
	const struct mcase *c;

	tu_self = argv[0];
	if (argc == 3 && strcmp(argv[1], "--case") == 0) {
		for (c = cases; c->name != NULL; c++)
			if (strcmp(c->name, argv[2]) == 0) {
				c->fn();
				fprintf(stderr, "survived\n");
				return 0;
			}
		fprintf(stderr, "no case %s\n", argv[2]);
		return 3;
	}
	if (argc == 3 && strcmp(argv[1], "--leak-child") == 0)
		return leak_child(atoi(argv[2]));
	if (argc == 2 && strcmp(argv[1], "--valgrind-child") == 0)
		return valgrind_child();

	CHECK_EQ(atoi(M_LEN_OFF), (int)offsetof(struct mbuf, m_len));
	CHECK_EQ(atoi(MLEN_PLUS_1), MLEN + 1);
	death_tests();
	soft_tests();
	errno_tests();
	leak_report_tests();
	leak_at_exit_tests();
	valgrind_tests();
	{
		int n = 0, n_debug = 0;

		for (c = cases; c->name != NULL; c++) {
			n++;
			n_debug += c->debug != NULL;
		}
		printf("test_misuse: %d catalogue cases run as death tests, "
		    "%d of them with the fast paths on and off, and under a "
		    "returning handler both ways\n", n, n - n_debug);
	}
	return tu_finish("test_misuse");
}
