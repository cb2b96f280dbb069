/*
 * The smallest libmbuf program: build a packet, prepend a header, share
 * it with m_copym, look at it, free everything, and show mbstat.
 */
#include <mbuf.h>

#include <stdio.h>
#include <string.h>

int
main(void)
{
	static const char payload[] = "hello, mbufs";
	struct mbuf *m;

	m = m_gethdr(M_DONTWAIT, MT_DATA);
	if (m == NULL)
		return 1;
	MH_ALIGN(m, sizeof(payload));
	memcpy(mtod(m, char *), payload, sizeof(payload));
	m->m_len = m->m_pkthdr.len = sizeof(payload);
	M_PREPEND(m, 4, M_DONTWAIT);		/* room was left by MH_ALIGN */
	memcpy(mtod(m, char *), "HDR:", 4);
	printf("packet of %u bytes: %.4s %s\n", m_length(m), mtod(m, char *),
	    mtod(m, char *) + 4);

	mbuf_stats_sync();
	printf("live MT_DATA mbufs: %u\n", mbstat.m_mtypes[MT_DATA]);
	m_freem(m);
	mbuf_stats_sync();
	printf("after m_freem:      %u\n", mbstat.m_mtypes[MT_DATA]);
	return 0;
}
