/* C helpers of package udp4: C code working on the shared pool. */
#ifndef UDP4_CSIDE_H
#define UDP4_CSIDE_H

struct mbuf;

struct mbuf	*cside_build(const void *data, int len);
int		cside_live_data_mbufs(void);
int		cside_set_nmbclusters(int n);

#endif
