/*
 * The libmbuf demo: NetBSD-style packets over a real socket.
 *
 * Builds IPv4 + UDP packets as mbuf chains (a header mbuf for the
 * headers, clusters for the payload), fills their checksums with the
 * ported NetBSD-style code (examples/ported/udp4_check.c, compiled with
 * the porting kit), sends each chain over UDP loopback straight from its
 * mbufs (m_to_iovec + sendmsg, no copy), receives it into fresh clusters
 * (m_recvmsg), validates it with udp4_input_check, and prints a report
 * with mbstat before and after.  Every 8th packet gets one payload bit
 * flipped after its checksum was computed, so it must be dropped.
 */
#include <mbuf.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "udp4_check.h"

#define	NPACKETS	64
#define	HDRLEN		28		/* IPv4 (no options) + UDP */

static void
put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

/* one packet of plen payload bytes: headers in the header mbuf, payload
 * in clusters; checksums by the ported code */
static struct mbuf *
make_packet(int seq, int plen)
{
	struct mbuf *m, *n, **mp;
	unsigned char *h, chunk[MCLBYTES];
	int left, i, k;

	m = m_gethdr(M_DONTWAIT, MT_DATA);
	if (m == NULL)
		return NULL;
	MH_ALIGN(m, HDRLEN);
	h = mtod(m, unsigned char *);
	memset(h, 0, HDRLEN);
	h[0] = 0x45;				/* IPv4, 20-byte header */
	put16(h + 2, (unsigned)(HDRLEN + plen));
	put16(h + 4, (unsigned)seq);
	h[8] = 64;				/* ttl */
	h[9] = IPPROTO_UDP;
	memcpy(h + 12, "\x7f\x00\x00\x01\x7f\x00\x00\x01", 8);
	put16(h + 20, 4000);			/* source port */
	put16(h + 22, 5000 + (unsigned)(seq % 3));	/* destination port */
	put16(h + 24, (unsigned)(8 + plen));
	m->m_len = m->m_pkthdr.len = HDRLEN;

	mp = &m->m_next;
	for (left = plen, k = 0; left > 0; left -= n->m_len) {
		n = m_getcl(M_DONTWAIT, MT_DATA, 0);
		if (n == NULL) {
			m_freem(m);
			return NULL;
		}
		n->m_len = left < MCLBYTES ? left : MCLBYTES;
		for (i = 0; i < n->m_len; i++)
			chunk[i] = (unsigned char)(seq + k++);
		memcpy(mtod(n, void *), chunk, (size_t)n->m_len);
		*mp = n;
		mp = &n->m_next;
		m->m_pkthdr.len += n->m_len;
	}
	udp4_output_cksum(m, 0);
	return m;
}

static void
print_mbstat(const char *when)
{
	mbuf_stats_sync();
	printf("  mbstat %-7s MT_DATA %u  MT_HEADER %u  drops %lu  "
	    "waits %lu  drains %lu\n", when, mbstat.m_mtypes[MT_DATA],
	    mbstat.m_mtypes[MT_HEADER], mbstat.m_drops, mbstat.m_wait,
	    mbstat.m_drain);
}

int
main(void)
{
	struct sockaddr_in addr;
	socklen_t alen = sizeof(addr);
	struct timeval tv = { 2, 0 };
	struct iovec iov[M_IOVEC_MAX];
	struct msghdr mh;
	struct mbuf *m, *r;
	long sent_bytes = 0, rcvd_bytes = 0;
	int rx, tx, seq, plen, niov, reason, pieces = 0, maxpieces = 0;
	int rcvd = 0, valid = 0, corrupted = 0;
	unsigned live_before;

	printf("libmbuf %s: IPv4/UDP packets as mbuf chains over UDP loopback\n",
	    mbuf_version());
	print_mbstat("before");
	live_before = mbstat.m_mtypes[MT_DATA];

	rx = socket(AF_INET, SOCK_DGRAM, 0);
	tx = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (rx < 0 || tx < 0 ||
	    bind(rx, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
	    getsockname(rx, (struct sockaddr *)&addr, &alen) != 0 ||
	    setsockopt(rx, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0) {
		perror("udp loopback socket");
		return 1;
	}

	for (seq = 0; seq < NPACKETS; seq++) {
		plen = (seq * 997) % 6000;		/* 0 .. 5999 bytes */
		m = make_packet(seq, plen);
		if (m == NULL) {
			fprintf(stderr, "out of mbufs at packet %d\n", seq);
			return 1;
		}
		if (seq % 8 == 7 && plen > 0) {		/* spoil one bit */
			char c;

			m_copydata(m, HDRLEN + plen / 2, 1, &c);
			c ^= 0x04;
			m_copyback(m, HDRLEN + plen / 2, 1, &c);
			corrupted++;
		}

		/* send straight from the mbufs */
		niov = m_to_iovec(m, iov, M_IOVEC_MAX);
		memset(&mh, 0, sizeof(mh));
		mh.msg_name = &addr;
		mh.msg_namelen = sizeof(addr);
		mh.msg_iov = iov;
		mh.msg_iovlen = (size_t)niov;
		if (niov < 0 || sendmsg(tx, &mh, 0) != m->m_pkthdr.len) {
			perror("sendmsg");
			return 1;
		}
		pieces += niov;
		if (niov > maxpieces)
			maxpieces = niov;
		sent_bytes += m->m_pkthdr.len;

		/* receive into clusters, check as the kernel would */
		r = m_recvmsg(rx, NULL, 8192, 0, M_DONTWAIT);	/* > any packet here */
		if (r == NULL) {
			fprintf(stderr, "m_recvmsg: %s\n", strerror(errno));
			return 1;
		}
		rcvd++;
		rcvd_bytes += r->m_pkthdr.len;
		if (seq == 5)		/* 4985 bytes: both copies alive */
			print_mbstat("during");
		m_freem(m);
		r = udp4_input_check(r, 0, &reason);
		if (r != NULL) {
			valid++;
			m_freem(r);
		}
	}
	close(rx);
	close(tx);

	printf("  sent     %d packets, %ld bytes, from %d mbufs "
	    "(m_to_iovec: %.1f pieces per packet, at most %d; no copy)\n",
	    NPACKETS, sent_bytes, pieces, (double)pieces / NPACKETS, maxpieces);
	printf("  received %d packets, %ld bytes, into clusters (m_recvmsg)\n",
	    rcvd, rcvd_bytes);
	printf("  udp4_input_check: %d valid, %lu dropped (%lu %s), "
	    "%d corrupted on purpose\n", valid,
	    udp4_checkstat.ucs_ipackets - udp4_checkstat.ucs_accepted,
	    udp4_checkstat.ucs_drops[UDP4_BADSUM], udp4_reason(UDP4_BADSUM),
	    corrupted);
	printf("  packets by destination port: 5000: %lu, 5001: %lu, "
	    "5002: %lu\n", udp4_port_packets(5000), udp4_port_packets(5001),
	    udp4_port_packets(5002));
	udp4_port_clear();
	print_mbstat("after");

	if (rcvd != NPACKETS || valid != NPACKETS - corrupted ||
	    rcvd_bytes != sent_bytes ||
	    (int)udp4_checkstat.ucs_drops[UDP4_BADSUM] != corrupted ||
	    mbstat.m_mtypes[MT_DATA] != live_before) {
		printf("  FAILED: the report does not add up\n");
		return 1;
	}
	printf("  ok: every intact packet passed, every spoiled one was "
	    "dropped, no mbuf left behind\n");
	return 0;
}
