/*
 * Dump traffic to a capture file and replay it, all on mbuf chains.
 *
 * Capture: datagrams of several shapes go over UDP loopback straight from
 * their mbufs (m_sendmsg) and are received into fresh clusters
 * (m_recvmsg); each received chain gets an IPv4 + UDP header prepended
 * (M_PREPEND, so a header mbuf in front of the clusters) and is appended
 * to a pcapng file with nanosecond timestamps, gathered from the mbufs
 * by one writev per record.
 *
 * Replay: the file is mapped and each record comes back as a packet whose
 * storage is the mapped record itself (MBUF_PCAP_ZEROCOPY, no copy); the
 * headers are stripped with m_adj and the payload is sent again, received,
 * and compared with what was captured.
 *
 *   build/examples/pcap_replay [file.pcapng]   (default: a temporary file)
 *   tcpdump -r file.pcapng -nn -tt             (the capture, as tcpdump sees it)
 */
#include <mbuf.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define	NDGRAMS		12
#define	HDRLEN		28		/* IPv4 without options, UDP */

static void
put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

/* a payload of len bytes in pieces of at most piece bytes */
static struct mbuf *
payload(int seq, int len, int piece)
{
	struct mbuf *top = NULL, **mp = &top, *m;
	int off = 0, n, i;

	do {
		n = len - off < piece ? len - off : piece;
		m = n > MLEN ? m_getcl(M_DONTWAIT, MT_DATA, top ? 0 : M_PKTHDR) :
		    top ? m_get(M_DONTWAIT, MT_DATA) :
		    m_gethdr(M_DONTWAIT, MT_DATA);
		if (m == NULL) {
			m_freem(top);
			return NULL;
		}
		for (i = 0; i < n; i++)
			mtod(m, unsigned char *)[i] = (unsigned char)(seq + off + i);
		m->m_len = n;
		off += n;
		*mp = m;
		mp = &m->m_next;
	} while (off < len);
	top->m_pkthdr.len = len;
	return top;
}

/* prepend the IPv4 and UDP headers a capture of this datagram shows */
static struct mbuf *
add_headers(struct mbuf *m, const struct sockaddr_in *from,
    const struct sockaddr_in *to, int seq)
{
	unsigned char *h;
	unsigned sum = 0;
	int len = m->m_pkthdr.len, i;

	M_PREPEND(m, HDRLEN, M_DONTWAIT);
	if (m == NULL)
		return NULL;
	h = mtod(m, unsigned char *);
	memset(h, 0, HDRLEN);
	h[0] = 0x45;
	put16(h + 2, (unsigned)(HDRLEN + len));
	put16(h + 4, (unsigned)seq);
	h[8] = 64;
	h[9] = IPPROTO_UDP;
	memcpy(h + 12, &from->sin_addr, 4);
	memcpy(h + 16, &to->sin_addr, 4);
	for (i = 0; i < 20; i += 2)
		sum += (unsigned)(h[i] << 8 | h[i + 1]);
	sum = (sum >> 16) + (sum & 0xffff);
	sum += sum >> 16;
	put16(h + 10, ~sum & 0xffff);
	memcpy(h + 20, &from->sin_port, 2);
	memcpy(h + 22, &to->sin_port, 2);
	put16(h + 24, (unsigned)(8 + len));	/* UDP checksum 0: none */
	return m;
}

/* the whole chain's bytes (at most max) */
static int
flat(const struct mbuf *m, unsigned char *buf, int max)
{
	int len = (int)m_length(m);

	if (len > max)
		return -1;
	m_copydata((struct mbuf *)(uintptr_t)m, 0, len, buf);
	return len;
}

static int
udp_pair(int *rx, int *tx, struct sockaddr_in *rxa, struct sockaddr_in *txa)
{
	socklen_t sl = sizeof(*rxa);

	*rx = socket(AF_INET, SOCK_DGRAM, 0);
	*tx = socket(AF_INET, SOCK_DGRAM, 0);
	memset(rxa, 0, sizeof(*rxa));
	rxa->sin_family = AF_INET;
	rxa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*txa = *rxa;
	if (*rx < 0 || *tx < 0 ||
	    bind(*rx, (struct sockaddr *)rxa, sizeof(*rxa)) != 0 ||
	    getsockname(*rx, (struct sockaddr *)rxa, &sl) != 0 ||
	    bind(*tx, (struct sockaddr *)txa, sizeof(*txa)) != 0 ||
	    getsockname(*tx, (struct sockaddr *)txa, &sl) != 0 ||
	    connect(*tx, (struct sockaddr *)rxa, sizeof(*rxa)) != 0) {
		perror("udp loopback");
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const int lens[NDGRAMS] = { 1, 18, 64, 200, 512, 1000, 1472,
	    3000, 4000, 7000, 9000, 20000 };
	static unsigned char a[65536], b[65536];
	char path[256], errbuf[MBUF_PCAP_ERRBUF_SIZE];
	struct sockaddr_in rxa, txa, from;
	struct mbuf_pcap_dumper *d;
	struct mbuf_pcap_reader *r;
	struct mbuf_pcap_pkthdr h;
	struct msghdr msg;
	struct mbuf *m, *got;
	long long first = 0, bytes = 0;
	int rx, tx, fd, i, n, same = 0, nrec = 0, zerocopy = 0, rc;

	if (argc > 1)
		snprintf(path, sizeof(path), "%s", argv[1]);
	else
		snprintf(path, sizeof(path), "%s/pcap_replay.XXXXXX",
		    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	fd = argc > 1 ? open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644) :
	    mkstemp(path);
	if (fd < 0 || udp_pair(&rx, &tx, &rxa, &txa) != 0) {
		perror(path);
		return 1;
	}

	/* capture: send, receive, prepend the headers, dump */
	d = mbuf_pcap_dump_fdopen(fd, MBUF_PCAP_LINKTYPE_RAW, 0,
	    MBUF_PCAP_NG | MBUF_PCAP_NSEC);
	if (d == NULL) {
		perror("mbuf_pcap_dump_fdopen");
		return 1;
	}
	for (i = 0; i < NDGRAMS; i++) {
		m = payload(i, lens[i], i % 2 ? 700 : MCLBYTES);
		if (m == NULL || m_sendmsg(tx, m, NULL, 0) != lens[i]) {
			perror("m_sendmsg");
			return 1;
		}
		m_freem(m);
		memset(&msg, 0, sizeof(msg));
		msg.msg_name = &from;
		msg.msg_namelen = sizeof(from);
		got = m_recvmsg(rx, &msg, 65536, 0, M_DONTWAIT);
		if (got == NULL || got->m_pkthdr.len != lens[i]) {
			perror("m_recvmsg");
			return 1;
		}
		got = add_headers(got, &from, &rxa, i);
		if (got == NULL || mbuf_pcap_dump(d, got, NULL) != 0) {
			perror("mbuf_pcap_dump");
			return 1;
		}
		bytes += got->m_pkthdr.len;
		m_freem(got);
	}
	if (mbuf_pcap_dump_close(d) != 0 || close(fd) != 0) {
		perror(path);
		return 1;
	}
	printf("captured %d datagrams (%lld bytes with their IPv4/UDP headers) "
	    "to %s\n", NDGRAMS, bytes, path);

	/* replay: records straight from the mapped file, payload sent again */
	r = mbuf_pcap_open_offline(path, MBUF_PCAP_ZEROCOPY, errbuf);
	if (r == NULL) {
		fprintf(stderr, "%s\n", errbuf);
		return 1;
	}
	while ((rc = mbuf_pcap_next(r, &m, &h)) == 1) {
		if (nrec == 0)
			first = h.ts_sec * 1000000000LL + h.ts_nsec;
		if ((m->m_flags & M_EXT) && M_READONLY(m))
			zerocopy++;
		m_adj(m, HDRLEN);
		if (m_sendmsg(tx, m, NULL, 0) != m->m_pkthdr.len) {
			perror("m_sendmsg (replay)");
			return 1;
		}
		got = m_recvmsg(rx, NULL, 65536, 0, M_DONTWAIT);
		n = got != NULL ? flat(got, a, sizeof(a)) : -1;
		if (n >= 0 && n == flat(m, b, sizeof(b)) && memcmp(a, b,
		    (size_t)n) == 0 && n == lens[nrec])
			same++;
		printf("  +%9.6f ms  %5u bytes on the wire  linktype %d  "
		    "replayed %5d bytes\n", (h.ts_sec * 1000000000LL + h.ts_nsec -
		    first) / 1e6, h.len, h.linktype, n);
		m_freem(got);
		m_freem(m);
		nrec++;
	}
	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", path, mbuf_pcap_geterr(r));
		return 1;
	}
	mbuf_pcap_close(r);
	printf("replayed %d records (%d of them zero copy from the mapped file):"
	    " %d/%d payloads came back identical\n", nrec, zerocopy, same,
	    NDGRAMS);
	if (argc > 1)
		printf("see it with: tcpdump -r %s -nn -tt\n", path);
	else
		unlink(path);
	close(rx);
	close(tx);
	return same == NDGRAMS && nrec == NDGRAMS && zerocopy == NDGRAMS ? 0 : 1;
}
