/*
 * udp4_check: validate an IPv4 + UDP packet held in an mbuf chain.
 *
 * Written for libmbuf as a test of its NetBSD porting kit: this file is
 * kernel code in NetBSD's style (kernel headers, malloc(9) with a type,
 * KASSERT, spl, log(9), <sys/queue.h> lists, m_pullup / m_pulldown /
 * m_apply / m_adj / mtod), compiled unchanged in userland with
 *
 *	cc -D_KERNEL -Iinclude/netbsd -Iinclude -c udp4_check.c
 *
 * and linked with libmbuf.  Nothing here is taken from NetBSD's sources.
 */
#include <sys/cdefs.h>
__KERNEL_RCSID(0, "$libmbuf: examples/ported/udp4_check.c $");

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/malloc.h>
#include <sys/mbuf.h>
#include <sys/queue.h>
#include <sys/syslog.h>

#include <netinet/in.h>
#include <netinet/in_systm.h>
#include <netinet/ip.h>
#include <netinet/udp.h>

#include "udp4_check.h"

MALLOC_DEFINE(M_UDPCHK, "udpchk", "udp4_check per-port counters");

struct udp4_checkstat udp4_checkstat;
int udp4_check_debug;

/* accepted packets by destination port, most recently new first */
struct udp4_port {
	LIST_ENTRY(udp4_port)	up_link;
	u_int16_t		up_port;	/* host order */
	u_long			up_packets;
};
static LIST_HEAD(, udp4_port) udp4_ports = LIST_HEAD_INITIALIZER(udp4_ports);
static kmutex_t udp4_lock;		/* the list and udp4_checkstat */

static const char *const udp4_reasons[UDP4_NREASONS] = {
	"ok", "too short", "bad version", "bad header length",
	"bad IP checksum", "bad length", "not UDP", "fragment",
	"bad UDP checksum", "no memory",
};

CTASSERT(__arraycount(udp4_reasons) == UDP4_NREASONS);
CTASSERT(sizeof(struct ip) == 20 && sizeof(struct udphdr) == 8);

const char *
udp4_reason(int reason)
{

	if (reason < 0 || reason >= UDP4_NREASONS)
		return "?";
	return udp4_reasons[reason];
}

/*
 * One's complement sum over the pieces m_apply hands out.  A piece may end
 * in the middle of a 16-bit word: the next piece then starts with its low
 * byte.
 */
struct cksum_state {
	u_int32_t	cs_sum;
	int		cs_odd;		/* a word's high byte is pending */
};

static int
cksum_piece(void *arg, void *data, unsigned int len)
{
	struct cksum_state *cs = arg;
	const u_char *p = data;
	u_int32_t sum = cs->cs_sum;

	if (cs->cs_odd && len > 0) {
		sum += *p++;
		len--;
		cs->cs_odd = 0;
	}
	for (; len >= 2; len -= 2, p += 2)
		sum += (u_int32_t)p[0] << 8 | p[1];
	if (len == 1) {
		sum += (u_int32_t)p[0] << 8;
		cs->cs_odd = 1;
	}
	cs->cs_sum = (sum & 0xffff) + (sum >> 16);	/* keep room to add */
	return 0;
}

unsigned int
udp4_chain_cksum(struct mbuf *m, int off, int len, unsigned int initial)
{
	struct cksum_state cs;
	u_int32_t sum;

	KASSERT(off >= 0 && len >= 0);
	cs.cs_sum = initial;
	cs.cs_odd = 0;
	if (len > 0 && m_apply(m, off, len, cksum_piece, &cs) != 0)
		panic("m_apply failed at off %d len %d", off, len);
	sum = cs.cs_sum;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* the pseudo header of RFC 768: addresses, protocol, UDP length */
static u_int32_t
udp4_pseudo(const struct ip *ip, int ulen)
{
	u_int32_t src = ntohl(ip->ip_src.s_addr);
	u_int32_t dst = ntohl(ip->ip_dst.s_addr);

	return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) +
	    IPPROTO_UDP + (u_int32_t)ulen;
}

/*
 * Make len bytes at off contiguous: m_pullup when they start the packet
 * (the first mbuf may be replaced), m_pulldown otherwise.  Returns the
 * mbuf holding them with *offp their offset in it, or NULL when the chain
 * was freed for want of memory.
 */
static struct mbuf *
udp4_contig(struct mbuf **mp, int off, int len, int *offp)
{

	if (off == 0) {
		*offp = 0;
		if ((*mp)->m_len < len)
			*mp = m_pullup(*mp, len);
		return *mp;
	}
	return m_pulldown(*mp, off, len, offp);
}

static void
udp4_count_port(u_int16_t port)
{
	struct udp4_port *up;

	LIST_FOREACH(up, &udp4_ports, up_link)
		if (up->up_port == port)
			break;
	if (up == NULL) {
		/* counters are best effort: no memory, no count */
		up = malloc(sizeof(*up), M_UDPCHK, M_NOWAIT | M_ZERO);
		if (up == NULL)
			return;
		up->up_port = port;
		LIST_INSERT_HEAD(&udp4_ports, up, up_link);
	}
	up->up_packets++;
}

struct mbuf *
udp4_input_check(struct mbuf *m, int off, int *reasonp)
{
	struct mbuf *n;
	struct ip iph, *ip = &iph;
	struct udphdr uhdr, *uh = &uhdr;
	caddr_t hp;
	int hlen, iplen, ulen, hoff, reason, s;

	KASSERT(reasonp != NULL);
	KASSERT(m != NULL && (m->m_flags & M_PKTHDR) != 0);
	KASSERT(off >= 0);

	s = splnet();
	mutex_enter(&udp4_lock);
	udp4_checkstat.ucs_ipackets++;
	mutex_exit(&udp4_lock);
	splx(s);

	/* the fixed part of the IP header */
	if (m->m_pkthdr.len < off + (int)sizeof(struct ip)) {
		reason = UDP4_TOOSHORT;
		goto bad;
	}
	if ((n = udp4_contig(&m, off, sizeof(struct ip), &hoff)) == NULL) {
		reason = UDP4_NOMEM;
		goto dropped;
	}
	/*
	 * The headers are read through aligned copies: at an odd offset (a
	 * 14-byte Ethernet header before them) struct ip is misaligned.
	 */
	memcpy(&iph, mtod(n, caddr_t) + hoff, sizeof(iph));
	if (ip->ip_v != IPVERSION) {
		reason = UDP4_BADVERS;
		goto bad;
	}
	hlen = ip->ip_hl << 2;
	if (hlen < (int)sizeof(struct ip)) {
		reason = UDP4_BADHLEN;
		goto bad;
	}

	/* options and the UDP header as well */
	if (m->m_pkthdr.len < off + hlen + (int)sizeof(struct udphdr)) {
		reason = UDP4_TOOSHORT;
		goto bad;
	}
	n = udp4_contig(&m, off, hlen + sizeof(struct udphdr), &hoff);
	if (n == NULL) {
		reason = UDP4_NOMEM;
		goto dropped;
	}
	hp = mtod(n, caddr_t) + hoff;
	memcpy(&iph, hp, sizeof(iph));
	memcpy(&uhdr, hp + hlen, sizeof(uhdr));

	if (m->m_pkthdr.csum_flags & M_CSUM_IPv4) {
		udp4_checkstat.ucs_hwsum++;
		if (m->m_pkthdr.csum_flags & M_CSUM_IPv4_BAD) {
			reason = UDP4_BADIPSUM;
			goto bad;
		}
	} else if (udp4_chain_cksum(m, off, hlen, 0) != 0) {
		reason = UDP4_BADIPSUM;
		goto bad;
	}

	iplen = ntohs(ip->ip_len);
	if (iplen < hlen + (int)sizeof(struct udphdr) ||
	    iplen > m->m_pkthdr.len - off) {
		reason = UDP4_BADLEN;
		goto bad;
	}
	if (ip->ip_p != IPPROTO_UDP) {
		reason = UDP4_NOTUDP;
		goto bad;
	}
	if (ntohs(ip->ip_off) & (IP_MF | IP_OFFMASK)) {
		reason = UDP4_FRAGMENT;
		goto bad;
	}
	ulen = ntohs(uh->uh_ulen);
	if (ulen != iplen - hlen) {
		reason = UDP4_BADLEN;
		goto bad;
	}

	/* link-level padding after the datagram */
	if (m->m_pkthdr.len > off + iplen)
		m_adj(m, off + iplen - m->m_pkthdr.len);
	KASSERT(m->m_pkthdr.len == off + iplen);

	if (uh->uh_sum == 0) {
		udp4_checkstat.ucs_nosum++;
	} else if (m->m_pkthdr.csum_flags & M_CSUM_UDPv4) {
		udp4_checkstat.ucs_hwsum++;
		if (m->m_pkthdr.csum_flags & M_CSUM_TCP_UDP_BAD) {
			reason = UDP4_BADSUM;
			goto bad;
		}
	} else if (udp4_chain_cksum(m, off + hlen, ulen,
	    udp4_pseudo(ip, ulen)) != 0) {
		reason = UDP4_BADSUM;
		goto bad;
	}

	s = splnet();
	mutex_enter(&udp4_lock);
	udp4_count_port(ntohs(uh->uh_dport));
	udp4_checkstat.ucs_accepted++;
	mutex_exit(&udp4_lock);
	splx(s);
	*reasonp = UDP4_OK;
	return m;

bad:
	m_freem(m);
dropped:
	s = splnet();
	mutex_enter(&udp4_lock);
	udp4_checkstat.ucs_drops[reason]++;
	mutex_exit(&udp4_lock);
	splx(s);
	if (__predict_false(udp4_check_debug))
		log(LOG_DEBUG, "udp4_check: dropped a packet at offset %d: %s\n",
		    off, udp4_reason(reason));
	*reasonp = reason;
	return NULL;
}

void
udp4_output_cksum(struct mbuf *m, int off)
{
	struct mbuf *n;
	struct ip iph;
	struct udphdr uhdr;
	caddr_t hp;
	int hlen, hoff, ulen;
	u_int16_t sum;

	KASSERT(m->m_flags & M_PKTHDR);
	n = m_getptr(m, off, &hoff);
	KASSERT(n != NULL && n->m_len - hoff >= (int)sizeof(struct ip));
	hp = mtod(n, caddr_t) + hoff;		/* maybe misaligned: copies */
	memcpy(&iph, hp, sizeof(iph));
	hlen = iph.ip_hl << 2;
	KASSERTMSG(n->m_len - hoff >= hlen + (int)sizeof(struct udphdr),
	    "udp4_output_cksum: headers not contiguous (%d bytes at %d)",
	    n->m_len, hoff);
	memcpy(&uhdr, hp + hlen, sizeof(uhdr));
	ulen = ntohs(uhdr.uh_ulen);

	iph.ip_sum = 0;
	memcpy(hp, &iph, sizeof(iph));
	iph.ip_sum = htons(udp4_chain_cksum(m, off, hlen, 0));
	memcpy(hp, &iph, sizeof(iph));
	uhdr.uh_sum = 0;
	memcpy(hp + hlen, &uhdr, sizeof(uhdr));
	sum = udp4_chain_cksum(m, off + hlen, ulen, udp4_pseudo(&iph, ulen));
	uhdr.uh_sum = htons(sum == 0 ? 0xffff : sum);	/* 0 means "none" */
	memcpy(hp + hlen, &uhdr, sizeof(uhdr));
}

unsigned long
udp4_port_packets(unsigned int port)
{
	struct udp4_port *up;
	unsigned long packets = 0;

	mutex_enter(&udp4_lock);
	LIST_FOREACH(up, &udp4_ports, up_link)
		if (up->up_port == port)
			packets = up->up_packets;
	mutex_exit(&udp4_lock);
	return packets;
}

int
udp4_port_count(void)
{
	struct udp4_port *up;
	int n = 0;

	mutex_enter(&udp4_lock);
	LIST_FOREACH(up, &udp4_ports, up_link)
		n++;
	mutex_exit(&udp4_lock);
	return n;
}

void
udp4_port_clear(void)
{
	struct udp4_port *up, *next;

	mutex_enter(&udp4_lock);
	LIST_FOREACH_SAFE(up, &udp4_ports, up_link, next) {
		LIST_REMOVE(up, up_link);
		free(up, M_UDPCHK);
	}
	mutex_exit(&udp4_lock);
}

long
udp4_check_allocated(void)
{

	return M_UDPCHK->ks_inuse;
}
