/*
 * Thread stress: THREADS threads each run a random mix of allocations,
 * frees, m_copym, m_dup, m_split, m_cat, m_adj, m_pullup and m_prepend
 * over their own packets, and hand packets to each other through a
 * shared mailbox (so packets and shared clusters are freed on threads
 * other than the one that allocated them).  Every packet's bytes follow a
 * known pattern and are checked after each operation.  The run is bounded
 * in time and in operations; the cluster limit is lowered so allocation
 * failures happen too.  At the end mbstat is zero, nothing is live, and
 * exactly nmbclusters clusters can be allocated again: no cluster lost.
 */
#include <limits.h>
#include <pthread.h>
#include <time.h>

#include "testutil.h"

#define	THREADS		4
#define	SLOTS		48
#define	MAXLEN		5000
#define	MAILBOX		64
#define	LIMIT		300	/* nmbclusters during the run */

/* a packet: byte i of its data is (uint8_t)(seed + i) */
struct pk {
	struct mbuf	*m;
	unsigned	seed;
};

static struct {
	pthread_mutex_t	lock;
	struct pk	q[MAILBOX];
	int		n;
} mailbox = { PTHREAD_MUTEX_INITIALIZER, { { NULL, 0 } }, 0 };

static long max_ops = 200000;
static double max_seconds = 2.0;
static long total_ops, failed_allocs, bad;
static const char *only_ops;	/* MBUF_STRESS_OPS: digits of the ops to run */

static unsigned
rnd(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 8) & 0xffffff;
}

static int
plen(const struct mbuf *m)
{
	return (int)m_length(m);
}

/* the whole packet matches its pattern and its header length */
static int
check(const struct pk *p)
{
	static __thread unsigned char buf[MAXLEN * 2 + MHLEN];
	const struct mbuf *n;
	int len = plen(p->m), sum = 0, i;

	for (n = p->m; n != NULL; n = n->m_next)
		sum += n->m_len;
	if (sum != len || len > (int)sizeof(buf))
		return 0;
	m_copydata(p->m, 0, len, buf);
	for (i = 0; i < len; i++)
		if (buf[i] != (unsigned char)(p->seed + (unsigned)i))
			return 0;
	return 1;
}

/* a new packet of len bytes built with m_copyback (clusters when big) */
static int
make(struct pk *p, unsigned *s)
{
	static __thread unsigned char buf[MAXLEN];
	int len = (int)(rnd(s) % MAXLEN) + 1, i;
	struct mbuf *m;

	m = rnd(s) % 2 ? m_gethdr(M_DONTWAIT, MT_DATA) :
	    m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);
	if (m == NULL)
		return 0;
	m->m_len = m->m_pkthdr.len = 0;
	p->seed = rnd(s) & 0xff;
	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)(p->seed + (unsigned)i);
	m_copyback(m, 0, len, buf);	/* may stop short when memory is out */
	p->m = m;
	return 1;
}

static void
mail_put(struct pk *p)
{
	pthread_mutex_lock(&mailbox.lock);
	if (mailbox.n < MAILBOX) {
		mailbox.q[mailbox.n++] = *p;
		p->m = NULL;
	}
	pthread_mutex_unlock(&mailbox.lock);
}

static void
mail_get(struct pk *p)
{
	pthread_mutex_lock(&mailbox.lock);
	if (mailbox.n > 0)
		*p = mailbox.q[--mailbox.n];
	pthread_mutex_unlock(&mailbox.lock);
}

static void
fail(const char *what, int op)
{
	__atomic_add_fetch(&bad, 1, __ATOMIC_RELAXED);
	fprintf(stderr, "stress: %s after op %d\n", what, op);
}

static void *
worker(void *arg)
{
	struct pk slot[SLOTS];
	unsigned s = (unsigned)(uintptr_t)arg * 7919u + 1;
	double end = tu_now() + max_seconds;
	long ops;
	int i;

	memset(slot, 0, sizeof(slot));
	for (ops = 0; ops < max_ops && (ops % 64 != 0 || tu_now() < end); ops++) {
		struct pk *p = &slot[rnd(&s) % SLOTS], *q = &slot[rnd(&s) % SLOTS];
		int op = (int)(rnd(&s) % 10), len, k;
		struct mbuf *n;

		if (p->m == NULL) {
			if (op < 7) {
				if (!make(p, &s))
					__atomic_add_fetch(&failed_allocs, 1, __ATOMIC_RELAXED);
			} else
				mail_get(p);
			continue;
		}
		len = plen(p->m);
		if (only_ops != NULL && strchr(only_ops, '0' + op) == NULL)
			continue;
		switch (op) {
		case 0:		/* free */
			m_freem(p->m);
			p->m = NULL;
			break;
		case 1:		/* copy a range (shares clusters) */
			if (q->m != NULL || len == 0)
				break;
			k = (int)(rnd(&s) % (unsigned)len);
			n = m_copym(p->m, k, rnd(&s) % 2 ? M_COPYALL :
			    (int)(rnd(&s) % (unsigned)(len - k)) + 1, M_DONTWAIT);
			if (n != NULL) {
				q->m = n;
				q->seed = p->seed + (unsigned)k;
				if ((n->m_flags & M_PKTHDR) == 0) {
					/* a copy from off > 0 has no header: give it one */
					struct mbuf *h = m_gethdr(M_DONTWAIT, MT_DATA);

					if (h == NULL) {
						m_freem(n);
						q->m = NULL;
						break;
					}
					h->m_len = 0;
					h->m_next = n;
					for (h->m_pkthdr.len = 0; n != NULL; n = n->m_next)
						h->m_pkthdr.len += n->m_len;
					q->m = h;
				}
			}
			break;
		case 2:		/* deep copy */
			if (q->m != NULL)
				break;
			if ((n = m_dup(p->m, 0, M_COPYALL, M_DONTWAIT)) != NULL) {
				q->m = n;
				q->seed = p->seed;
			}
			break;
		case 3:		/* split: the tail becomes another packet */
			if (q->m != NULL || len < 2)
				break;
			k = (int)(rnd(&s) % (unsigned)(len - 1)) + 1;
			if ((n = m_split(p->m, k, M_DONTWAIT)) != NULL) {
				q->m = n;
				q->seed = p->seed + (unsigned)k;
			}
			break;
		case 4:		/* trim the head */
			k = (int)(rnd(&s) % (unsigned)(len + 1));
			m_adj(p->m, k);
			p->seed += (unsigned)k;
			break;
		case 5:		/* pullup */
			k = (int)(rnd(&s) % 100) + 1;
			if (k <= len) {
				p->m = m_pullup(p->m, k);
				if (p->m == NULL)
					__atomic_add_fetch(&failed_allocs, 1, __ATOMIC_RELAXED);
			}
			break;
		case 6:		/* prepend one byte of the pattern */
			if (len >= MAXLEN * 2)
				break;
			M_PREPEND(p->m, 1, M_DONTWAIT);
			if (p->m != NULL) {
				p->seed--;
				mtod(p->m, unsigned char *)[0] = (unsigned char)p->seed;
			} else
				__atomic_add_fetch(&failed_allocs, 1, __ATOMIC_RELAXED);
			break;
		case 7:		/* concatenate a packet that continues the pattern */
			if (q->m == NULL || q == p ||
			    (unsigned char)(p->seed + (unsigned)len) != (unsigned char)q->seed ||
			    len + plen(q->m) > MAXLEN * 2)
				break;
			p->m->m_pkthdr.len += plen(q->m);
			q->m->m_flags &= ~M_PKTHDR;	/* no tags: nothing to drop */
			m_cat(p->m, q->m);
			q->m = NULL;
			break;
		default:	/* hand it to another thread */
			mail_put(p);
			break;
		}
		if (p->m != NULL && !check(p))
			fail("pattern broken", op);
		if (q->m != NULL && !check(q))
			fail("pattern broken (second packet)", op);
	}
	for (i = 0; i < SLOTS; i++)
		m_freem(slot[i].m);
	__atomic_add_fetch(&total_ops, ops, __ATOMIC_RELAXED);
	return NULL;
}

int
main(void)
{
	pthread_t t[THREADS];
	struct mbuf **held;
	int i, n, old = nmbclusters;
	double t0 = tu_now();

	if (getenv("MBUF_TEST_UNDER_VALGRIND") != NULL) {
		max_ops = 3000;
		max_seconds = 5.0;
	}
	/* longer runs by hand: MBUF_STRESS_SECONDS=60 MBUF_STRESS_MAX_OPS=0 */
	if (getenv("MBUF_STRESS_SECONDS") != NULL)
		max_seconds = atof(getenv("MBUF_STRESS_SECONDS"));
	if (getenv("MBUF_STRESS_MAX_OPS") != NULL)
		max_ops = atol(getenv("MBUF_STRESS_MAX_OPS")) > 0 ?
		    atol(getenv("MBUF_STRESS_MAX_OPS")) : LONG_MAX;
	only_ops = getenv("MBUF_STRESS_OPS");
	nmbclusters = LIMIT;
	for (i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)(i + 1));
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	/* packets left in the mailbox */
	for (i = 0; i < mailbox.n; i++)
		m_freem(mailbox.q[i].m);
	CHECK_EQ(bad, 0);
	CHECK(total_ops > 0);
	CHECK(tu_all_types_zero());
	CHECK_EQ(mbuf_leak_count(), 0);

	/* no cluster lost: the whole limit can be allocated again */
	if (mbuf_debug_mode() != 0)
		mbuf_debug_flush();
	held = calloc(LIMIT + 1, sizeof(*held));
	for (n = 0; n <= LIMIT; n++)
		if ((held[n] = m_getcl(M_DONTWAIT, MT_DATA, 0)) == NULL)
			break;
	CHECK_EQ(n, LIMIT);
	while (n > 0)
		m_freem(held[--n]);
	free(held);
	nmbclusters = old;
	CHECK(tu_all_types_zero());
	printf("test_stress: %d threads, %ld operations in %.1f s, %ld "
	    "allocation failures at the limit\n", THREADS, total_ops,
	    tu_now() - t0, failed_allocs);
	return tu_finish("test_stress");
}
