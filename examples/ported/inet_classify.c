/*
 * inet_classify: the flow of an IPv4 or IPv6 packet anywhere in an mbuf
 * chain -- addresses, transport protocol, ports, where the payload starts
 * -- walking IPv6 extension headers.  Written for this project in NetBSD
 * kernel style, to show how kernel options reach ported code: the IPv4
 * code sits under INET and the IPv6 code under INET6, both from
 * "opt_inet.h" (the porting kit's turns both on; -DLIBMBUF_KIT_NO_INET6
 * compiles the IPv6 code out, and IPv6 packets then get EAFNOSUPPORT).
 *
 * Headers are reached with m_pulldown and copied into aligned locals
 * before their fields are read (they may sit at any offset).
 */
#include "opt_inet.h"

#include <sys/cdefs.h>
__KERNEL_RCSID(0, "$libmbuf: examples/ported/inet_classify.c $");

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/mbuf.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/in_systm.h>
#ifdef INET
#include <netinet/ip.h>
#endif
#ifdef INET6
#include <netinet/ip6.h>
#endif
#include <netinet/tcp.h>
#include <netinet/udp.h>

#include "inet_classify.h"

#define	INET_CLASSIFY_MAXEXT	8	/* IPv6 extension headers we walk */

int
inet_classify_families(void)
{
	int families = 0;

#ifdef INET
	families |= INET_CLASSIFY_INET;
#endif
#ifdef INET6
	families |= INET_CLASSIFY_INET6;
#endif
	return families;
}

#if defined(INET) || defined(INET6)
/*
 * Copy len bytes at off of the chain into dst, making them contiguous
 * first so that the chain ends up as protocol code expects.  On failure
 * m_pulldown has freed the chain.
 */
static int
pull(struct mbuf **mp, int off, int len, void *dst)
{
	struct mbuf *n;
	int noff;

	n = m_pulldown(*mp, off, len, &noff);
	if (n == NULL) {
		*mp = NULL;
		return ENOBUFS;
	}
	memcpy(dst, mtod(n, char *) + noff, len);
	return 0;
}

/* The transport header at off, in a packet ending at end. */
static int
classify_transport(struct mbuf **mp, int start, int off, int end,
    struct inet_flow *fl)
{
	struct tcphdr th;
	struct udphdr uh;
	int error, thlen;

	if (fl->fl_fragment)
		goto done;
	switch (fl->fl_proto) {
	case IPPROTO_TCP:
		if (end - off < (int)sizeof(th))
			return EINVAL;
		if ((error = pull(mp, off, sizeof(th), &th)) != 0)
			return error;
		thlen = th.th_off << 2;
		if (thlen < (int)sizeof(th) || thlen > end - off)
			return EINVAL;
		fl->fl_sport = ntohs(th.th_sport);
		fl->fl_dport = ntohs(th.th_dport);
		off += thlen;
		break;
	case IPPROTO_UDP:
		if (end - off < (int)sizeof(uh))
			return EINVAL;
		if ((error = pull(mp, off, sizeof(uh), &uh)) != 0)
			return error;
		if (ntohs(uh.uh_ulen) != end - off)
			return EINVAL;
		fl->fl_sport = ntohs(uh.uh_sport);
		fl->fl_dport = ntohs(uh.uh_dport);
		off += sizeof(uh);
		break;
	default:
		break;
	}
done:
	fl->fl_hlen = off - start;
	fl->fl_plen = end - off;
	return 0;
}
#endif /* INET || INET6 */

#ifdef INET
static int
classify4(struct mbuf **mp, int off, struct inet_flow *fl)
{
	struct ip ip;
	int error, hlen, len;

	if ((*mp)->m_pkthdr.len - off < (int)sizeof(ip))
		return EINVAL;
	if ((error = pull(mp, off, sizeof(ip), &ip)) != 0)
		return error;
	hlen = ip.ip_hl << 2;
	len = ntohs(ip.ip_len);
	if (hlen < (int)sizeof(ip) || len < hlen ||
	    len > (*mp)->m_pkthdr.len - off)
		return EINVAL;
	if (in4_cksum(*mp, 0, off, hlen) != 0)
		return EINVAL;

	fl->fl_family = AF_INET;
	fl->fl_proto = ip.ip_p;
	fl->fl_fragment = (ntohs(ip.ip_off) & IP_OFFMASK) != 0;
	memcpy(fl->fl_src, &ip.ip_src, sizeof(ip.ip_src));
	memcpy(fl->fl_dst, &ip.ip_dst, sizeof(ip.ip_dst));
	return classify_transport(mp, off, off + hlen, off + len, fl);
}
#endif /* INET */

#ifdef INET6
static int
classify6(struct mbuf **mp, int off, struct inet_flow *fl)
{
	struct ip6_hdr ip6;
	struct ip6_ext ext;
	struct ip6_frag frag;
	int cur, end, error, nxt;

	if ((*mp)->m_pkthdr.len - off < (int)sizeof(ip6))
		return EINVAL;
	if ((error = pull(mp, off, sizeof(ip6), &ip6)) != 0)
		return error;
	end = off + (int)sizeof(ip6) + ntohs(ip6.ip6_plen);
	if (end > (*mp)->m_pkthdr.len)
		return EINVAL;		/* jumbograms are not handled either */

	fl->fl_family = AF_INET6;
	memcpy(fl->fl_src, &ip6.ip6_src, sizeof(ip6.ip6_src));
	memcpy(fl->fl_dst, &ip6.ip6_dst, sizeof(ip6.ip6_dst));
	nxt = ip6.ip6_nxt;
	cur = off + sizeof(ip6);
	for (;;) {
		switch (nxt) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			if (end - cur < (int)sizeof(ext))
				return EINVAL;
			if ((error = pull(mp, cur, sizeof(ext), &ext)) != 0)
				return error;
			nxt = ext.ip6e_nxt;
			cur += (ext.ip6e_len + 1) << 3;
			break;
		case IPPROTO_FRAGMENT:
			if (end - cur < (int)sizeof(frag))
				return EINVAL;
			if ((error = pull(mp, cur, sizeof(frag), &frag)) != 0)
				return error;
			nxt = frag.ip6f_nxt;
			cur += sizeof(frag);
			if ((frag.ip6f_offlg & IP6F_OFF_MASK) != 0)
				fl->fl_fragment = 1;
			break;
		default:
			goto transport;
		}
		if (cur > end || ++fl->fl_nexthdrs > INET_CLASSIFY_MAXEXT)
			return EINVAL;
		if (fl->fl_fragment)
			break;
	}
transport:
	fl->fl_proto = nxt;
	return classify_transport(mp, off, cur, end, fl);
}
#endif /* INET6 */

int
inet_classify(struct mbuf **mp, int off, struct inet_flow *fl)
{
	u_char vers;

	KASSERT(*mp != NULL && ((*mp)->m_flags & M_PKTHDR) != 0);
	memset(fl, 0, sizeof(*fl));
	if (off < 0 || off >= (*mp)->m_pkthdr.len)
		return EINVAL;
	m_copydata(*mp, off, 1, &vers);
	switch (vers >> 4) {
	case 4:
#ifdef INET
		return classify4(mp, off, fl);
#else
		return EAFNOSUPPORT;
#endif
	case 6:
#ifdef INET6
		return classify6(mp, off, fl);
#else
		return EAFNOSUPPORT;
#endif
	default:
		return EINVAL;
	}
}
