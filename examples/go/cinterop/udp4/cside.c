/*
 * C code of package udp4 that makes packets in the pool Go shares: kernel
 * style, like the ported code, through the ordinary ABI of <sys/mbuf.h>.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/mbuf.h>

#include "cside.h"

/* a packet holding a copy of len bytes of data; NULL when short of memory */
struct mbuf *
cside_build(const void *data, int len)
{
	struct mbuf *m;

	MGETHDR(m, M_DONTWAIT, MT_DATA);
	if (m == NULL)
		return NULL;
	m->m_len = m->m_pkthdr.len = 0;
	if (len > 0) {
		m_copyback(m, 0, len, data);
		if (m->m_pkthdr.len != len) {	/* the chain could not grow */
			m_freem(m);
			return NULL;
		}
	}
	return m;
}

int
cside_live_data_mbufs(void)
{
	mbuf_stats_sync();
	return mbstat.m_mtypes[MT_DATA];
}

int
cside_set_nmbclusters(int n)
{
	int old = nmbclusters;

	nmbclusters = n;
	return old;
}
