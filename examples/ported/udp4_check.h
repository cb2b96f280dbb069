/*
 * udp4_check: NetBSD-style validation of an IPv4 + UDP packet held in an
 * mbuf chain, written for libmbuf's porting kit (udp4_check.c is compiled
 * as kernel code, -D_KERNEL with include/netbsd).  This header is shared
 * with the userland callers, so it uses no kernel-only type.
 */
#ifndef _UDP4_CHECK_H_
#define _UDP4_CHECK_H_

struct mbuf;

/* verdicts, also the index of udp4_checkstat.ucs_drops[] */
#define	UDP4_OK		0	/* valid; the packet was returned */
#define	UDP4_TOOSHORT	1	/* shorter than its IP or UDP header */
#define	UDP4_BADVERS	2	/* not IP version 4 */
#define	UDP4_BADHLEN	3	/* IP header length under 20 bytes */
#define	UDP4_BADIPSUM	4	/* IP header checksum */
#define	UDP4_BADLEN	5	/* ip_len / uh_ulen do not fit the packet */
#define	UDP4_NOTUDP	6	/* ip_p is not UDP */
#define	UDP4_FRAGMENT	7	/* a fragment (no reassembly here) */
#define	UDP4_BADSUM	8	/* UDP checksum */
#define	UDP4_NOMEM	9	/* m_pullup / m_pulldown could not allocate */
#define	UDP4_NREASONS	10

struct udp4_checkstat {
	unsigned long	ucs_ipackets;		/* packets looked at */
	unsigned long	ucs_accepted;		/* returned as valid */
	unsigned long	ucs_nosum;		/* valid, without UDP checksum */
	unsigned long	ucs_hwsum;		/* checksum verdict from csum_flags */
	unsigned long	ucs_drops[UDP4_NREASONS];	/* by verdict */
};
extern struct udp4_checkstat udp4_checkstat;
extern int udp4_check_debug;	/* non-zero: log(LOG_DEBUG) every drop */

/*
 * Validate the IPv4 header that starts off bytes into packet m and the
 * UDP datagram it carries: version, header length and checksum, lengths,
 * protocol, no fragment, UDP length and checksum (over the whole chain,
 * with the pseudo header; skipped when uh_sum is 0, or taken from
 * M_CSUM_* flags a "driver" set).  Trailing bytes beyond ip_len or beyond
 * uh_ulen are trimmed off.  On success returns the packet, whose first mbuf
 * may have changed (off 0 uses m_pullup), with the IP and UDP headers
 * contiguous in one mbuf; *reasonp = UDP4_OK.  Otherwise frees the packet,
 * returns NULL and sets *reasonp to the verdict.
 */
struct mbuf	*udp4_input_check(struct mbuf *m, int off, int *reasonp);

/* fill in ip_sum and uh_sum of a packet built with its IP header at off */
void		udp4_output_cksum(struct mbuf *m, int off);

/* Internet checksum (folded, complemented) of len bytes at off in chain m */
unsigned int	udp4_chain_cksum(struct mbuf *m, int off, int len,
		    unsigned int initial);

/* per destination port counts of accepted packets (a malloc'ed list) */
unsigned long	udp4_port_packets(unsigned int port);
int		udp4_port_count(void);		/* ports in the list */
void		udp4_port_clear(void);		/* free the list */
long		udp4_check_allocated(void);	/* live M_UDPCHK allocations */

const char	*udp4_reason(int reason);

#endif /* !_UDP4_CHECK_H_ */
