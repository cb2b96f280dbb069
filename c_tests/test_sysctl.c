/*
 * kern.mbuf as a call (mbuf_sysctl): the seed's rules for each node, and
 * MBUFTRACE owners (mowner_attach, MCLAIM, m_claimm) seen through
 * kern.mbuf.mowners.
 */
#define MBUFTRACE 1
#include <errno.h>

#include "testutil.h"

static int
get_int(int node, int *v)
{
	size_t len = sizeof(*v);

	return mbuf_sysctl(&node, 1, v, &len, NULL, 0);
}

static int
set_int(int node, int v)
{
	return mbuf_sysctl(&node, 1, NULL, NULL, &v, sizeof(v));
}

static void
test_int_nodes(void)
{
	int v = 0, node = MBUF_MSIZE, big = 1 << 30;
	size_t len = 2;

	CHECK_EQ(get_int(MBUF_MSIZE, &v), 0);
	CHECK_EQ(v, MSIZE);
	CHECK_EQ(get_int(MBUF_MCLBYTES, &v), 0);
	CHECK_EQ(v, MCLBYTES);
	CHECK_EQ(set_int(MBUF_MSIZE, 1024), EPERM);
	CHECK_EQ(set_int(MBUF_MCLBYTES, 1024), EPERM);
	CHECK_EQ(mbuf_sysctl(&node, 1, &v, &len, NULL, 0), ENOMEM);

	CHECK_EQ(get_int(MBUF_NMBCLUSTERS, &v), 0);
	CHECK_EQ(v, nmbclusters);
	CHECK_EQ(set_int(MBUF_NMBCLUSTERS, v - 1), EINVAL);	/* only grows */
	CHECK_EQ(set_int(MBUF_NMBCLUSTERS, -5), EINVAL);
	CHECK_EQ(set_int(MBUF_NMBCLUSTERS, big), EINVAL);	/* past the arena */
	CHECK_EQ(set_int(MBUF_NMBCLUSTERS, v + 100), 0);
	CHECK_EQ(nmbclusters, v + 100);

	CHECK_EQ(set_int(MBUF_MBLOWAT, -1), EINVAL);
	CHECK_EQ(set_int(MBUF_MBLOWAT, 64), 0);
	CHECK_EQ(mblowat, 64);
	CHECK_EQ(set_int(MBUF_MCLLOWAT, 32), 0);
	CHECK_EQ(get_int(MBUF_MCLLOWAT, &v), 0);
	CHECK_EQ(v, 32);
	{
		int bad = 99;
		size_t l = sizeof(v);

		CHECK_EQ(mbuf_sysctl(&bad, 1, &v, &l, NULL, 0), ENOENT);
		CHECK_EQ(mbuf_sysctl(&bad, 0, &v, &l, NULL, 0), EINVAL);
		node = MBUF_MBLOWAT;
		CHECK_EQ(mbuf_sysctl(&node, 1, NULL, NULL, &v, 2), EINVAL);
	}
}

static void
test_stats_node(void)
{
	struct mbstat st;
	size_t len = sizeof(st);
	int node = MBUF_STATS;
	struct mbuf *m = m_get(M_DONTWAIT, MT_CONTROL);

	CHECK_EQ(mbuf_sysctl(&node, 1, &st, &len, NULL, 0), 0);
	CHECK_EQ(len, sizeof(struct mbstat));
	CHECK_EQ(st.m_mtypes[MT_CONTROL], 1);
	CHECK_EQ(mbuf_sysctl(&node, 1, NULL, NULL, &st, sizeof(st)), EPERM);
	len = 0;
	CHECK_EQ(mbuf_sysctl(&node, 1, NULL, &len, NULL, 0), 0);
	CHECK_EQ(len, sizeof(struct mbstat));
	m_free(m);
	{
		unsigned long d = mbstat.m_drain;

		m_reclaim(NULL, 0);
		CHECK_EQ(mbstat.m_drain, d + 1);
	}
}

static struct mowner my_owner = MOWNER_INIT("wm0", "rx");

static void
test_mowners(void)
{
	int node = MBUF_MOWNERS, sub[2] = { MBUF_MOWNERS, 1 };
	struct mowner buf[32];
	size_t len = 0, n, i;
	int found = 0;
	struct mbuf *m, *c;

	MOWNER_ATTACH(&my_owner);
	CHECK_EQ(mbuf_sysctl(&node, 1, NULL, &len, NULL, 0), 0);
	n = len / sizeof(struct mowner);
	CHECK(n >= 10);			/* 8 unknown, revoked, ours */
	CHECK(n <= 32);
	len = sizeof(struct mowner);
	CHECK_EQ(mbuf_sysctl(&node, 1, buf, &len, NULL, 0), ENOMEM);
	CHECK_EQ(mbuf_sysctl(sub, 2, NULL, &len, NULL, 0), EINVAL);
	CHECK_EQ(mbuf_sysctl(&node, 1, NULL, NULL, buf, 8), EPERM);

	m = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);
	m->m_len = m->m_pkthdr.len = 100;
	m->m_next = m_get(M_DONTWAIT, MT_DATA);
	MCLAIM(m, &my_owner);
	CHECK(m->m_owner == &my_owner);
	m_claimm(m, &my_owner);
	CHECK(m->m_next->m_owner == &my_owner);
	c = m_copym(m, 0, M_COPYALL, M_DONTWAIT);

	len = sizeof(buf);
	CHECK_EQ(mbuf_sysctl(&node, 1, buf, &len, NULL, 0), 0);
	for (i = 0; i < len / sizeof(struct mowner); i++)
		if (strcmp(buf[i].mo_name, "wm0") == 0 &&
		    strcmp(buf[i].mo_descr, "rx") == 0) {
			found = 1;
			CHECK(buf[i].mo_claims >= 2);
			CHECK(buf[i].mo_cluster_claims >= 1);
		}
	CHECK(found);
	m_freem(c);
	m_freem(m);
	MOWNER_DETACH(&my_owner);
	len = 0;
	CHECK_EQ(mbuf_sysctl(&node, 1, NULL, &len, NULL, 0), 0);
	CHECK_EQ(len / sizeof(struct mowner), n - 1);
}

int
main(void)
{
	test_int_nodes();
	test_stats_node();
	test_mowners();
	CHECK(tu_all_types_zero());
	return tu_finish("test_sysctl");
}
