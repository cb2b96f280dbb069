/*
 * The foundation's acceptance run: 1 000 000 mixed allocations (plain
 * mbufs, packet headers, clusters, m_getcl), a fraction of the clusters
 * shared with m_copym and freed in random order (holder first or sharer
 * first), with a bounded working set; at the end every mbstat type count
 * is zero and valgrind sees nothing lost.
 */
#include "testutil.h"

#define	TOTAL	1000000
#define	LIVE	512		/* working set */

static unsigned long long rng = 0x9e3779b97f4a7c15ULL;

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

int
main(int argc, char **argv)
{
	static struct mbuf *slot[LIVE];
	long made = 0, shared = 0;
	int i, types[] = { MT_DATA, MT_HEADER, MT_CONTROL, MT_OOBDATA };
	int total = TOTAL;

	(void)argc;
	(void)argv;
	while (made < total) {
		int k = (int)rnd(LIVE);
		struct mbuf *m = NULL;

		if (slot[k] != NULL) {
			m_freem(slot[k]);
			slot[k] = NULL;
			continue;
		}
		switch (rnd(5)) {
		case 0:
			m = m_get(M_DONTWAIT, types[rnd(4)]);
			break;
		case 1:
			m = m_gethdr(M_DONTWAIT, types[rnd(4)]);
			break;
		case 2:
			m = m_gethdr(M_DONTWAIT, MT_DATA);
			if (m != NULL)
				MCLGET(m, M_DONTWAIT);
			break;
		case 3:
			m = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);
			break;
		case 4: {
			/* share a cluster: the copy goes to another slot */
			int j = (int)rnd(LIVE);

			m = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);
			if (m == NULL)
				break;
			m->m_len = m->m_pkthdr.len = 100 + (int)rnd(1900);
			if (slot[j] == NULL && j != k) {
				slot[j] = m_copym(m, (int)rnd(50), M_COPYALL,
				    M_DONTWAIT);
				CHECK(slot[j] != NULL && M_READONLY(slot[j]));
				shared++;
				made++;
			}
			break;
		}
		}
		CHECK(m != NULL);
		if (m != NULL && (m->m_flags & M_PKTHDR) && m->m_len == 0)
			m->m_len = m->m_pkthdr.len = 0;
		slot[k] = m;
		made++;
	}
	for (i = 0; i < LIVE; i++)
		m_freem(slot[i]);
	CHECK(tu_all_types_zero());
	printf("test_million: %ld allocations, %ld shared copies\n", made, shared);
	return tu_finish("test_million");
}
