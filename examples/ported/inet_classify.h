/*
 * inet_classify: the flow of an IPv4 or IPv6 packet found anywhere in an
 * mbuf chain (see inet_classify.c).  Shared by the kernel-side code and
 * the userland programs that call it, so it uses only standard types.
 */
#ifndef _INET_CLASSIFY_H_
#define _INET_CLASSIFY_H_

#include <stdint.h>

struct mbuf;

struct inet_flow {
	int		fl_family;	/* AF_INET or AF_INET6 */
	uint8_t		fl_proto;	/* transport protocol (IPPROTO_*) */
	uint8_t		fl_fragment;	/* 1: a fragment other than the first */
	uint16_t	fl_sport;	/* TCP/UDP ports, host order, else 0 */
	uint16_t	fl_dport;
	uint8_t		fl_src[16];	/* IPv4: the first 4 bytes */
	uint8_t		fl_dst[16];
	int		fl_hlen;	/* network + extension + transport headers */
	int		fl_plen;	/* payload bytes after them */
	int		fl_nexthdrs;	/* IPv6 extension headers walked */
};

/* the families compiled in: a kernel option each, from "opt_inet.h" */
#define	INET_CLASSIFY_INET	0x1
#define	INET_CLASSIFY_INET6	0x2
int	inet_classify_families(void);

/*
 * Classify the packet that starts off bytes into the packet-header chain
 * *mp.  0 and *fl filled in; EINVAL for a malformed packet (short, bad
 * lengths, bad IPv4 header checksum, too many extension headers);
 * EAFNOSUPPORT for a family that was compiled out; ENOBUFS when
 * m_pulldown ran out of mbufs, which frees the chain and sets *mp to NULL.
 * The chain may be rearranged (m_pulldown) but its bytes stay the same.
 */
int	inet_classify(struct mbuf **mp, int off, struct inet_flow *fl);

#endif /* !_INET_CLASSIFY_H_ */
