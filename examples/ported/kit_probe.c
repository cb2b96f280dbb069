/*
 * kit_probe: kernel-side checks of the porting kit itself, compiled like
 * udp4_check.c (-D_KERNEL with include/netbsd) and called from
 * c_tests/test_porting.c.  Each check that fails is printed and counted.
 */
#include <sys/cdefs.h>
__KERNEL_RCSID(0, "$libmbuf: examples/ported/kit_probe.c $");

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/malloc.h>
#include <sys/mbuf.h>
#include <sys/queue.h>

#include "kit_probe.h"

MALLOC_DECLARE(M_KITPROBE);
MALLOC_DEFINE(M_KITPROBE, "kitprobe", "porting kit probe");

#define	PROBE(cond) do {						\
	if (!(cond)) {							\
		printf("kit_probe: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		failed++;						\
	}								\
} while (/* CONSTCOND */ 0)

struct item {
	TAILQ_ENTRY(item)	i_tq;
	STAILQ_ENTRY(item)	i_stq;
	SIMPLEQ_ENTRY(item)	i_sq;
	SLIST_ENTRY(item)	i_sl;
	int			i_v;
};
TAILQ_HEAD(itemtq, item);

int
kit_probe(void)
{
	TAILQ_HEAD(, item) tq = TAILQ_HEAD_INITIALIZER(tq);
	STAILQ_HEAD(, item) stq = STAILQ_HEAD_INITIALIZER(stq);
	SIMPLEQ_HEAD(, item) sq = SIMPLEQ_HEAD_INITIALIZER(sq);
	SLIST_HEAD(, item) sl = SLIST_HEAD_INITIALIZER(sl);
	struct item *it, *next, *items[4];
	u_char *p, buf[8];
	u_int16_t s16 = 0x1234;
	u_int32_t s32 = 0x01020304;
	caddr_t c;
	int failed = 0, i, s, sum;

	/* malloc(9): types count, M_ZERO zeroes, free balances */
	p = malloc(64, M_KITPROBE, M_WAITOK | M_ZERO);
	PROBE(p != NULL);
	for (i = 0, sum = 0; i < 64; i++)
		sum += p[i];
	PROBE(sum == 0);
	PROBE(M_KITPROBE->ks_inuse == 1 && M_KITPROBE->ks_calls == 1);
	p = realloc(p, 4096, M_KITPROBE, M_NOWAIT);
	PROBE(p != NULL);
	free(p, M_KITPROBE);
	PROBE(M_KITPROBE->ks_inuse == 0);
	MALLOC(c, caddr_t, 10, M_TEMP, M_NOWAIT);
	PROBE(c != NULL && M_TEMP->ks_inuse == 1);
	FREE(c, M_TEMP);
	PROBE(M_TEMP->ks_inuse == 0);
	p = kmem_zalloc(16, KM_SLEEP);
	PROBE(p != NULL && p[15] == 0);
	kmem_free(p, 16);

	/* the lists, including the macros glibc lacks */
	for (i = 0; i < 4; i++) {
		items[i] = malloc(sizeof(struct item), M_KITPROBE, M_WAITOK);
		items[i]->i_v = i;
		TAILQ_INSERT_TAIL(&tq, items[i], i_tq);
		STAILQ_INSERT_TAIL(&stq, items[i], i_stq);
		SIMPLEQ_INSERT_TAIL(&sq, items[i], i_sq);
		SLIST_INSERT_HEAD(&sl, items[i], i_sl);
	}
	PROBE(STAILQ_LAST(&stq, item, i_stq) == items[3]);
	PROBE(SIMPLEQ_LAST(&sq, item, i_sq) == items[3]);
	PROBE(SLIST_FIRST(&sl) == items[3]);
	SLIST_REMOVE_AFTER(items[3], i_sl);		/* drops items[2] */
	PROBE(SLIST_NEXT(items[3], i_sl) == items[1]);
	i = 3;
	TAILQ_FOREACH_REVERSE_SAFE(it, &tq, itemtq, i_tq, next)
		PROBE(it->i_v == i--);
	sum = 0;
	TAILQ_FOREACH_SAFE(it, &tq, i_tq, next) {
		sum += it->i_v;
		TAILQ_REMOVE(&tq, it, i_tq);
		free(it, M_KITPROBE);
	}
	PROBE(sum == 6 && TAILQ_EMPTY(&tq));
	PROBE(M_KITPROBE->ks_inuse == 0);

	/* byte order, libkern, cdefs, time, spl */
	HTONS(s16);
	HTONL(s32);
	PROBE(((u_char *)&s16)[0] == 0x12 && ((u_char *)&s32)[3] == 0x04);
	NTOHS(s16);
	PROBE(s16 == 0x1234 && ntohl(s32) == 0x01020304);
	PROBE(bswap16(0x1234) == 0x3412);
	PROBE(min(3, 9) == 3 && max(3, 9) == 9 && imin(-1, 2) == -1 &&
	    ulmax(7, 8) == 8 && MIN(4, 5) == 4 && howmany(10, 4) == 3 &&
	    roundup(10, 4) == 12);
	PROBE(__arraycount(buf) == 8);
	PROBE(__predict_true(1) && !__predict_false(0));
	PROBE(hz > 0 && time_second > 1000000000 && time_uptime >= 0);
	PROBE(copyout("abc", buf, 4) == 0 && copyin(buf, buf + 4, 4) == 0 &&
	    memcmp(buf + 4, "abc", 4) == 0);
	s = splnet();
	i = splvm();
	splx(i);
	splx(s);
	KASSERT(s == 0);
	KDASSERT(0);		/* only with DEBUG */
	failed += kit_probe_macros();
	return failed;
}

/*
 * The allocation macros as kernel code writes them: inline over the
 * thread's cache (mbuf_inline.h), with the kit's malloc, free, panic...
 * macros in scope.
 */
int
kit_probe_macros(void)
{
	struct mbuf *m, *n;
	int failed = 0;

	MGETHDR(m, M_DONTWAIT, MT_DATA);
	PROBE(m != NULL && (m->m_flags & M_PKTHDR) != 0 &&
	    m->m_data == m->m_pktdat);
	if (m == NULL)
		return failed;
	MCLGET(m, M_DONTWAIT);
	PROBE((m->m_flags & M_EXT) != 0 && m->m_ext.ext_size == MCLBYTES);
	MGET(n, M_WAIT, MT_DATA);
	PROBE(n != NULL && n->m_len == 0 && n->m_type == MT_DATA);
	m->m_next = n;
	MFREE(m, n);
	PROBE(n != NULL && n->m_type == MT_DATA);
	MFREE(n, m);
	PROBE(m == NULL);
	return failed;
}

void
kit_probe_panic(int value)
{

	panic("kit_probe_panic: value %d", value);
}

void
kit_probe_bad_malloc(void)
{
	void *p = malloc(8, M_KITPROBE, 0x80);

	free(p, M_KITPROBE);
}

void
kit_probe_kassert(int value)
{

	KASSERT(value > 0);
}

int
kit_probe_cksum(struct mbuf *m, int nxt, int off, int len)
{

	if (nxt == 0 && off == 0)
		return in_cksum(m, len);
	return in4_cksum(m, (u_int8_t)nxt, off, len);
}
