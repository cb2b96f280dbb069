/*
 * The porting kit, proven on NetBSD-style code: examples/ported/ is
 * compiled as kernel code (-D_KERNEL, include/netbsd) and linked here.
 * udp4_input_check validates IPv4 + UDP packets over chains cut in every
 * which way (m_pullup / m_pulldown / m_apply underneath) against a flat
 * reference checksum written here; kit_probe checks the kit's pieces
 * (malloc(9), lists, byte order, spl...); panic and KASSERT go through
 * libmbuf's panic handler.  inet_classify, whose IPv4 and IPv6 halves
 * sit under the kernel options INET and INET6 of the kit's "opt_inet.h",
 * is checked against packets whose flow the generator knows.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <syslog.h>

#include "testutil.h"
#include "udp4_check.h"
#include "kit_probe.h"
#include "inet_classify.h"

/* the kit's log(9) hook (a weak definition in the kernel-side objects) */
extern void (*netbsd_log_hook)(int level, const char *msg);

#define	ETHLEN	14

/* Internet checksum of a flat buffer, the textbook way */
static uint16_t
ref_cksum(const uint8_t *p, int len, uint32_t sum)
{
	int i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * A frame at buf: off bytes of link header, an IPv4 header of optlen
 * option bytes, UDP to dport, payload bytes from seed.  Returns its length.
 */
static int
build(uint8_t *buf, int off, int optlen, int payload, unsigned dport,
    unsigned seed)
{
	uint8_t *ip = buf + off, *uh;
	int hlen = 20 + optlen, i;
	uint32_t ph;

	memset(buf, 0xee, (size_t)off);
	memset(ip, 0, (size_t)hlen);
	ip[0] = (uint8_t)(0x40 | (hlen >> 2));
	put16(ip + 2, (unsigned)(hlen + 8 + payload));
	put16(ip + 4, seed & 0xffff);
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, "\x0a\x00\x00\x01\xc0\xa8\x01\x02", 8);
	for (i = 20; i < hlen; i++)
		ip[i] = 1;			/* NOP options */
	put16(ip + 10, ref_cksum(ip, hlen, 0));
	uh = ip + hlen;
	put16(uh, 5353);
	put16(uh + 2, dport);
	put16(uh + 4, (unsigned)(8 + payload));
	put16(uh + 6, 0);
	for (i = 0; i < payload; i++)
		uh[8 + i] = (uint8_t)(seed * 7 + (unsigned)i);
	ph = 0x0a00 + 0x0001 + 0xc0a8 + 0x0102 + 17 + (uint32_t)(8 + payload);
	put16(uh + 6, ref_cksum(uh, 8 + payload, ph) ?
	    ref_cksum(uh, 8 + payload, ph) : 0xffff);
	return off + hlen + 8 + payload;
}

/* the same bytes as a packet cut into pieces of cut[0], cut[1], ... bytes */
static struct mbuf *
chain(const uint8_t *buf, int len, const int *cut, int ncut)
{
	struct mbuf *top = NULL, **mp = &top, *m;
	int done = 0, i = 0, n;

	while (done < len || top == NULL) {
		n = i < ncut ? cut[i] : len - done;
		if (n > len - done)
			n = len - done;
		if (n > MCLBYTES)
			n = MCLBYTES;
		if (top == NULL)
			m = n > MHLEN ? m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR) :
			    m_gethdr(M_DONTWAIT, MT_DATA);
		else
			m = n > MLEN ? m_getcl(M_DONTWAIT, MT_DATA, 0) :
			    m_get(M_DONTWAIT, MT_DATA);
		CHECK(m != NULL);
		if (m == NULL)
			break;
		memcpy(mtod(m, uint8_t *), buf + done, (size_t)n);
		m->m_len = n;
		done += n;
		*mp = m;
		mp = &m->m_next;
		i++;
	}
	top->m_pkthdr.len = len;
	return top;
}

/* the packet holds exactly buf[0..len) */
static int
same(struct mbuf *m, const uint8_t *buf, int len)
{
	static uint8_t out[70000];
	struct mbuf *n;
	int sum = 0;

	for (n = m; n != NULL; n = n->m_next)
		sum += n->m_len;
	if (m->m_pkthdr.len != len || sum != len)
		return 0;
	m_copydata(m, 0, len, out);
	return memcmp(out, buf, (size_t)len) == 0;
}

/* run the check on a fresh chain of buf; returns the verdict */
static int
verdict(const uint8_t *buf, int len, const int *cut, int ncut, int off,
    int csum_flags)
{
	struct mbuf *m = chain(buf, len, cut, ncut), *r;
	int reason = -1;

	m->m_pkthdr.csum_flags = csum_flags;
	r = udp4_input_check(m, off, &reason);
	CHECK((r != NULL) == (reason == UDP4_OK));
	m_freem(r);
	return reason;
}

static void
test_valid(void)
{
	static uint8_t buf[4096];
	static const int odd_cuts[] = { 3, 1, 7, 9, 5, 1, 13, 2, 300, 1 };
	struct mbuf *m, *r;
	int len, reason;

	/* one cluster, IP at 0: the same mbuf comes back */
	len = build(buf, 0, 0, 1000, 9, 1);
	m = chain(buf, len, NULL, 0);
	r = udp4_input_check(m, 0, &reason);
	CHECK_EQ(reason, UDP4_OK);
	CHECK(r == m && same(r, buf, len));
	m_freem(r);

	/* behind an Ethernet header, with IP options */
	len = build(buf, ETHLEN, 8, 1400, 9, 2);
	m = chain(buf, len, NULL, 0);
	r = udp4_input_check(m, ETHLEN, &reason);
	CHECK_EQ(reason, UDP4_OK);
	CHECK(r == m && same(r, buf, len));
	m_freem(r);

	/* headers cut into small odd pieces: m_pullup gathers them (off 0) */
	len = build(buf, 0, 4, 777, 10, 3);
	m = chain(buf, len, odd_cuts, 10);
	r = udp4_input_check(m, 0, &reason);
	CHECK_EQ(reason, UDP4_OK);
	CHECK(r != NULL && r->m_len >= 24 + 8 && same(r, buf, len));
	m_freem(r);

	/* ... and m_pulldown (off 14): the head stays, the bytes too */
	len = build(buf, ETHLEN, 4, 777, 10, 4);
	m = chain(buf, len, odd_cuts, 10);
	r = udp4_input_check(m, ETHLEN, &reason);
	CHECK_EQ(reason, UDP4_OK);
	CHECK(r == m && same(r, buf, len));
	m_freem(r);

	/* an empty datagram and an odd-sized one */
	len = build(buf, 0, 0, 0, 11, 5);
	CHECK_EQ(verdict(buf, len, NULL, 0, 0, 0), UDP4_OK);
	len = build(buf, 0, 0, 1, 11, 6);
	CHECK_EQ(verdict(buf, len, odd_cuts, 4, 0, 0), UDP4_OK);

	/* link padding after the datagram is trimmed off */
	len = build(buf, ETHLEN, 0, 50, 12, 7);
	memset(buf + len, 0, 6);
	m = chain(buf, len + 6, odd_cuts, 3);
	r = udp4_input_check(m, ETHLEN, &reason);
	CHECK_EQ(reason, UDP4_OK);
	CHECK(r != NULL && same(r, buf, len));
	m_freem(r);
	CHECK(tu_all_types_zero());
}

/* one corruption at a time; the packet is freed each time */
static void
test_invalid(void)
{
	static uint8_t buf[2048];
	static const int cuts[] = { 5, 11, 17 };
	int len;
	uint8_t *ip = buf + ETHLEN;

#define	CORRUPT(stmt, want) do {					\
	len = build(buf, ETHLEN, 0, 200, 13, 8);			\
	stmt;								\
	CHECK_EQ(verdict(buf, len, cuts, 3, ETHLEN, 0), (want));	\
} while (0)
#define	REIPSUM()	(put16(ip + 10, 0), put16(ip + 10, ref_cksum(ip, 20, 0)))

	CORRUPT((void)0, UDP4_OK);
	CORRUPT(buf[len - 1] ^= 0x10, UDP4_BADSUM);
	CORRUPT(ip[8] ^= 1, UDP4_BADIPSUM);
	CORRUPT((ip[0] = 0x65, REIPSUM()), UDP4_BADVERS);
	CORRUPT((ip[0] = 0x44, REIPSUM()), UDP4_BADHLEN);
	CORRUPT((put16(ip + 2, 300), REIPSUM()), UDP4_BADLEN);	/* > packet */
	CORRUPT((put16(ip + 2, 20), REIPSUM()), UDP4_BADLEN);	/* < headers */
	CORRUPT((ip[9] = 6, REIPSUM()), UDP4_NOTUDP);
	CORRUPT((put16(ip + 6, 0x2000), REIPSUM()), UDP4_FRAGMENT);
	CORRUPT((put16(ip + 6, 0x0010), REIPSUM()), UDP4_FRAGMENT);
	CORRUPT(put16(ip + 24, 100), UDP4_BADLEN);		/* uh_ulen */
	CORRUPT(len = ETHLEN + 19, UDP4_TOOSHORT);
	CORRUPT(len = ETHLEN + 24, UDP4_TOOSHORT);
	/* no UDP checksum: the payload is not checked */
	CORRUPT((put16(ip + 26, 0), buf[len - 1] ^= 0x10), UDP4_OK);

	/* the "hardware" verdicts of csum_flags are believed */
	len = build(buf, ETHLEN, 0, 200, 13, 9);
	CHECK_EQ(verdict(buf, len, NULL, 0, ETHLEN,
	    M_CSUM_UDPv4 | M_CSUM_TCP_UDP_BAD), UDP4_BADSUM);
	CHECK_EQ(verdict(buf, len, NULL, 0, ETHLEN,
	    M_CSUM_IPv4 | M_CSUM_IPv4_BAD), UDP4_BADIPSUM);
	buf[len - 1] ^= 0x10;
	CHECK_EQ(verdict(buf, len, NULL, 0, ETHLEN, M_CSUM_UDPv4 | M_CSUM_IPv4),
	    UDP4_OK);
	CHECK_EQ(verdict(buf, len, NULL, 0, ETHLEN, 0), UDP4_BADSUM);
	CHECK(tu_all_types_zero());
#undef CORRUPT
#undef REIPSUM
}

/* random payloads, cuts and offsets; half of them with one bit flipped */
static void
test_random(void)
{
	static uint8_t buf[4200];
	unsigned rnd = 12345;
	int i, j, len, off, payload, optlen, dport, ncut, cut[12], flip;
	int bad = 0, rounds;

	/* fewer under valgrind, where time spent in the Go runtime is costly */
	rounds = getenv("MBUF_TEST_UNDER_VALGRIND") != NULL ? 40 : 300;
	for (i = 0; i < rounds; i++) {
#define	RND(n)	((rnd = rnd * 1103515245u + 12345u), (int)((rnd >> 8) % (unsigned)(n)))
		off = RND(3) == 0 ? 0 : RND(40);
		payload = RND(4000);
		optlen = 4 * RND(3);
		dport = 2000 + RND(4);
		len = build(buf, off, optlen, payload, (unsigned)dport,
		    (unsigned)i);
		ncut = RND(12);
		for (j = 0; j < ncut; j++)
			cut[j] = 1 + RND(j < 4 ? 20 : 900);
		flip = RND(2) ? off + 28 + 12 + RND(payload + 1) : -1;
		if (flip >= len)
			flip = -1;
		if (flip >= 0)
			buf[flip] ^= (uint8_t)(1 << RND(8));
		if (verdict(buf, len, cut, ncut, off, 0) !=
		    (flip >= 0 ? UDP4_BADSUM : UDP4_OK))
			bad++;
#undef RND
	}
	CHECK_EQ(bad, 0);
	CHECK(tu_all_types_zero());
}

/* the kit's in_cksum / in4_cksum over chains cut at random */
static void
test_kit_cksum(void)
{
	static uint8_t buf[3100];
	unsigned rnd = 777;
	int i, j, len, payload, ncut, cut[10], bad = 0, rounds;
	struct mbuf *m;
	uint16_t want;

	rounds = getenv("MBUF_TEST_UNDER_VALGRIND") != NULL ? 30 : 100;
	for (i = 0; i < rounds; i++) {
#define	RND(n)	((rnd = rnd * 1103515245u + 12345u), (int)((rnd >> 8) % (unsigned)(n)))
		payload = RND(3000);
		len = build(buf, 0, 0, payload, 9, (unsigned)i);
		ncut = RND(10);
		for (j = 0; j < ncut; j++)
			cut[j] = 1 + RND(j < 3 ? 30 : 700);
#undef RND
		m = chain(buf, len, cut, ncut);
		if (m->m_len < 20)
			m = m_pullup(m, 20);	/* in4_cksum reads the addresses there */
		bad += kit_probe_cksum(m, 0, 0, 20) != 0;
		bad += kit_probe_cksum(m, 17, 20, 8 + payload) != 0;
		/* with the stored sum spoiled, the result is the right sum */
		m_copyback(m, 26, 2, "\0\0");
		want = (uint16_t)(buf[26] << 8 | buf[27]);	/* build()'s */
		bad += kit_probe_cksum(m, 17, 20, 8 + payload) != htons(want);
		m_freem(m);
	}
	CHECK_EQ(bad, 0);
	CHECK(tu_all_types_zero());
}

/* udp4_output_cksum agrees with the flat reference, across a chain */
static void
test_output(void)
{
	static uint8_t buf[3000], mine[3000];
	static const int cuts[] = { 60, 1, 999, 3 };
	struct mbuf *m;
	int len;

	len = build(buf, ETHLEN, 0, 2500, 53, 10);
	m = chain(buf, len, cuts, 4);
	m_copyback(m, ETHLEN + 10, 2, "\x12\x34");	/* spoil both sums */
	m_copyback(m, ETHLEN + 26, 2, "\x56\x78");
	udp4_output_cksum(m, ETHLEN);
	m_copydata(m, 0, len, mine);
	CHECK(memcmp(mine, buf, (size_t)len) == 0);
	CHECK_EQ(udp4_chain_cksum(m, ETHLEN, 20, 0), 0);
	m_freem(m);
}

/* ---- inet_classify: random IPv4 / IPv6 packets of known flow ------------ */

/* what the generator put in, i.e. what inet_classify must find */
struct gen_flow {
	struct inet_flow fl;
	int		len;	/* bytes of the whole frame, link header included */
};

#define	GRND(n)	((*rnd = *rnd * 1103515245u + 12345u), (int)((*rnd >> 8) % (unsigned)(n)))

/* the transport header and payload at p; returns their length */
static int
gen_transport(uint8_t *p, struct gen_flow *g, int payload, unsigned *rnd)
{
	int thlen = 0, i;

	g->fl.fl_proto = (uint8_t)(GRND(3) == 0 ? 58 : GRND(2) ? 6 : 17);
	if (!g->fl.fl_fragment) {
		if (g->fl.fl_proto == 6) {
			thlen = 20 + 4 * GRND(11);
			memset(p, 0, (size_t)thlen);
			p[12] = (uint8_t)((thlen >> 2) << 4);
		} else if (g->fl.fl_proto == 17) {
			thlen = 8;
			put16(p + 4, (unsigned)(8 + payload));
			put16(p + 6, 0);
		}
		if (thlen != 0) {
			g->fl.fl_sport = (uint16_t)(1 + GRND(65535));
			g->fl.fl_dport = (uint16_t)(1 + GRND(65535));
			put16(p, g->fl.fl_sport);
			put16(p + 2, g->fl.fl_dport);
		}
	}
	for (i = 0; i < payload; i++)
		p[thlen + i] = (uint8_t)GRND(256);
	g->fl.fl_plen = payload;
	return thlen + payload;
}

static int
gen_inet4(uint8_t *ip, struct gen_flow *g, unsigned *rnd)
{
	int hlen = 20 + 4 * GRND(11), i, n;

	memset(ip, 0, (size_t)hlen);
	ip[0] = (uint8_t)(0x40 | (hlen >> 2));
	ip[8] = 64;
	for (i = 20; i < hlen; i++)
		ip[i] = 1;				/* NOP options */
	g->fl.fl_family = AF_INET;
	g->fl.fl_fragment = GRND(4) == 0;
	put16(ip + 6, g->fl.fl_fragment ? (unsigned)(1 + GRND(0x1fff)) :
	    GRND(2) ? 0x2000 : 0);			/* MF on a first one */
	for (i = 0; i < 4; i++) {
		ip[12 + i] = g->fl.fl_src[i] = (uint8_t)GRND(256);
		ip[16 + i] = g->fl.fl_dst[i] = (uint8_t)GRND(256);
	}
	n = gen_transport(ip + hlen, g, GRND(3000), rnd);
	ip[9] = g->fl.fl_proto;
	put16(ip + 2, (unsigned)(hlen + n));
	put16(ip + 10, ref_cksum(ip, hlen, 0));
	g->fl.fl_hlen = hlen + n - g->fl.fl_plen;
	return hlen + n;
}

static int
gen_inet6(uint8_t *ip6, struct gen_flow *g, unsigned *rnd)
{
	static const uint8_t exts[] = { 0, 43, 60 };	/* hop, routing, dst */
	uint8_t *nxtp = ip6 + 6, *p = ip6 + 40;
	int next, i, len, n, stop = 0;

	memset(ip6, 0, 40);
	ip6[0] = 0x60;
	ip6[7] = 64;
	g->fl.fl_family = AF_INET6;
	for (i = 0; i < 16; i++) {
		ip6[8 + i] = g->fl.fl_src[i] = (uint8_t)GRND(256);
		ip6[24 + i] = g->fl.fl_dst[i] = (uint8_t)GRND(256);
	}
	n = GRND(5);
	for (i = 0; i < n && !stop; i++) {
		if (GRND(4) == 0) {			/* a fragment header */
			*nxtp = 44;
			memset(p, 0, 8);
			g->fl.fl_fragment = GRND(2);
			put16(p + 2, g->fl.fl_fragment ?
			    (unsigned)(8 * (1 + GRND(100))) : 1);
			nxtp = p;
			p += 8;
			stop = g->fl.fl_fragment;	/* nothing more is read */
		} else {
			*nxtp = exts[GRND(3)];
			len = 8 * (1 + GRND(4));
			memset(p, 0, (size_t)len);
			p[1] = (uint8_t)(len / 8 - 1);
			nxtp = p;
			p += len;
		}
		g->fl.fl_nexthdrs++;
	}
	next = gen_transport(p, g, GRND(3000), rnd);
	*nxtp = g->fl.fl_proto;
	len = (int)(p - ip6) + next;
	put16(ip6 + 4, (unsigned)(len - 40));
	g->fl.fl_hlen = len - g->fl.fl_plen;
	return len;
}
#undef GRND

static int
same_flow(const struct inet_flow *a, const struct inet_flow *b)
{
	return a->fl_family == b->fl_family && a->fl_proto == b->fl_proto &&
	    a->fl_fragment == b->fl_fragment && a->fl_sport == b->fl_sport &&
	    a->fl_dport == b->fl_dport && a->fl_hlen == b->fl_hlen &&
	    a->fl_plen == b->fl_plen && a->fl_nexthdrs == b->fl_nexthdrs &&
	    memcmp(a->fl_src, b->fl_src, 16) == 0 &&
	    memcmp(a->fl_dst, b->fl_dst, 16) == 0;
}

/* classify buf[0..len) cut as given, at off; the chain must keep its bytes */
static int
classify(const uint8_t *buf, int len, const int *cut, int ncut, int off,
    struct inet_flow *fl)
{
	struct mbuf *m = chain(buf, len, cut, ncut);
	int error;

	error = inet_classify(&m, off, fl);
	CHECK(m != NULL);
	if (m != NULL) {
		CHECK(same(m, buf, len));
		m_freem(m);
	}
	return error;
}

static void
test_inet_classify(void)
{
	static uint8_t buf[4200];
	struct gen_flow g;
	struct inet_flow fl;
	unsigned rnd = 4242;
	int i, j, off, len, ncut, cut[12], bad = 0, rounds;

	/* "opt_inet.h" of the kit turned both families on */
	CHECK_EQ(inet_classify_families(),
	    INET_CLASSIFY_INET | INET_CLASSIFY_INET6);

	rounds = getenv("MBUF_TEST_UNDER_VALGRIND") != NULL ? 40 : 400;
	for (i = 0; i < rounds; i++) {
#define	RND(n)	((rnd = rnd * 1103515245u + 12345u), (int)((rnd >> 8) % (unsigned)(n)))
		memset(&g, 0, sizeof(g));
		off = RND(3) == 0 ? 0 : RND(24);
		memset(buf, 0xee, (size_t)off);
		len = off + (RND(2) ? gen_inet4(buf + off, &g, &rnd) :
		    gen_inet6(buf + off, &g, &rnd));
		ncut = RND(12);
		for (j = 0; j < ncut; j++)
			cut[j] = 1 + RND(j < 6 ? 16 : 900);
		if (RND(4) == 0) {			/* link trailer */
			memset(buf + len, 0xdd, 4);
			len += 4;
		}
#undef RND
		if (classify(buf, len, cut, ncut, off, &fl) != 0 ||
		    !same_flow(&fl, &g.fl)) {
			fprintf(stderr, "inet_classify: packet %d (family %d "
			    "proto %u, %d ext, off %d) misread\n", i,
			    g.fl.fl_family, g.fl.fl_proto, g.fl.fl_nexthdrs,
			    off);
			bad++;
		}
	}
	CHECK_EQ(bad, 0);
	CHECK(tu_all_types_zero());
}

/* malformed packets, each made from a good one by one change */
static void
test_inet_classify_invalid(void)
{
	static uint8_t buf[4200];
	static const int cuts[] = { 7, 13, 3, 50 };
	struct gen_flow g;
	struct inet_flow fl;
	unsigned rnd;
	int len, hlen, ext;

	/* IPv4 + TCP, then spoiled */
	for (rnd = 1;; rnd++) {		/* a first-fragment TCP packet */
		memset(&g, 0, sizeof(g));
		len = gen_inet4(buf, &g, &rnd);
		if (g.fl.fl_proto == 6 && !g.fl.fl_fragment)
			break;
	}
	hlen = (buf[0] & 0xf) << 2;
	CHECK_EQ(classify(buf, len, cuts, 4, 0, &fl), 0);
	CHECK_EQ(classify(buf, len, cuts, 4, len, &fl), EINVAL);	/* off */
	CHECK_EQ(classify(buf, len, cuts, 4, -1, &fl), EINVAL);
	CHECK_EQ(classify(buf, len - 1, cuts, 4, 0, &fl), EINVAL);	/* short */
	CHECK_EQ(classify(buf, 19, cuts, 4, 0, &fl), EINVAL);
	buf[10] ^= 1;						/* checksum */
	CHECK_EQ(classify(buf, len, cuts, 4, 0, &fl), EINVAL);
	buf[10] ^= 1;
	buf[hlen + 12] = 4 << 4;				/* th_off 4 */
	CHECK_EQ(classify(buf, len, cuts, 4, 0, &fl), EINVAL);
	buf[hlen + 12] = 15 << 4;				/* past the end? */
	CHECK_EQ(classify(buf, len, cuts, 4, 0, &fl),
	    len - hlen >= 60 ? 0 : EINVAL);
	buf[0] = 0x55;						/* version 5 */
	CHECK_EQ(classify(buf, len, cuts, 4, 0, &fl), EINVAL);

	/* IPv6 + UDP with a wrong UDP length, then too many extensions */
	for (rnd = 1;; rnd++) {
		memset(&g, 0, sizeof(g));
		len = gen_inet6(buf, &g, &rnd);
		if (g.fl.fl_proto == 17 && g.fl.fl_nexthdrs == 0 &&
		    g.fl.fl_plen < 1000)
			break;
	}
	CHECK_EQ(classify(buf, len, cuts, 4, 0, &fl), 0);
	CHECK_EQ(fl.fl_hlen, 48);
	buf[40 + 5] ^= 1;					/* uh_ulen */
	CHECK_EQ(classify(buf, len, cuts, 4, 0, &fl), EINVAL);
	buf[40 + 5] ^= 1;
	memmove(buf + 40 + 9 * 8, buf + 40, (size_t)(len - 40));
	for (ext = 0; ext < 9; ext++) {				/* 9 dst options */
		memset(buf + 40 + 8 * ext, 0, 8);
		buf[40 + 8 * ext] = ext < 8 ? 60 : 17;
	}
	buf[6] = 60;
	len += 9 * 8;
	put16(buf + 4, (unsigned)(len - 40));
	CHECK_EQ(classify(buf, len, cuts, 4, 0, &fl), EINVAL);
	buf[40 + 8 * 7] = 17;					/* 8: the limit */
	memmove(buf + 40 + 8 * 8, buf + 40 + 9 * 8, (size_t)(len - 40 - 72));
	len -= 8;
	put16(buf + 4, (unsigned)(len - 40));
	CHECK_EQ(classify(buf, len, cuts, 4, 0, &fl), 0);
	CHECK_EQ(fl.fl_nexthdrs, 8);
	buf[40 + 1] = 200;				/* runs past the end */
	CHECK_EQ(classify(buf, len, cuts, 4, 0, &fl), EINVAL);
	CHECK(tu_all_types_zero());
}

static int log_calls;
static char log_last[256];

static void
log_hook(int level, const char *msg)
{
	log_calls += level == LOG_DEBUG;
	snprintf(log_last, sizeof(log_last), "%s", msg);
}

static void
test_stats_and_kit(void)
{
	static uint8_t buf[600];
	int len, i;

	udp4_port_clear();
	memset(&udp4_checkstat, 0, sizeof(udp4_checkstat));
	for (i = 0; i < 5; i++) {
		len = build(buf, 0, 0, 100, 7000 + (unsigned)(i % 2), (unsigned)i);
		CHECK_EQ(verdict(buf, len, NULL, 0, 0, 0), UDP4_OK);
	}
	CHECK_EQ(udp4_port_count(), 2);
	CHECK_EQ(udp4_port_packets(7000), 3);
	CHECK_EQ(udp4_port_packets(7001), 2);
	CHECK_EQ(udp4_port_packets(7002), 0);
	CHECK_EQ(udp4_check_allocated(), 2);		/* malloc(9) counts */
	udp4_port_clear();
	CHECK_EQ(udp4_check_allocated(), 0);
	CHECK_EQ(udp4_port_count(), 0);

	/* log(9) through the kit's hook */
	netbsd_log_hook = log_hook;
	udp4_check_debug = 1;
	buf[len - 1] ^= 1;
	CHECK_EQ(verdict(buf, len, NULL, 0, 0, 0), UDP4_BADSUM);
	CHECK_EQ(log_calls, 1);
	CHECK(strstr(log_last, "bad UDP checksum") != NULL);
	udp4_check_debug = 0;
	netbsd_log_hook = NULL;
	CHECK_EQ(udp4_checkstat.ucs_ipackets, 6);
	CHECK_EQ(udp4_checkstat.ucs_accepted, 5);
	CHECK_EQ(udp4_checkstat.ucs_drops[UDP4_BADSUM], 1);
	CHECK(strcmp(udp4_reason(UDP4_FRAGMENT), "fragment") == 0);

	CHECK_EQ(kit_probe(), 0);
	CHECK(tu_all_types_zero());
}

static void
die_kassert(void)
{
	struct mbuf *m = m_gethdr(M_DONTWAIT, MT_DATA);
	int reason;

	udp4_input_check(m, -1, &reason);
}

static void
die_panic(void)
{
	kit_probe_panic(42);
}

static void
die_malloc_flags(void)
{
	kit_probe_bad_malloc();
}

static void
die_kassert_plain(void)
{
	kit_probe_kassert(0);
}

/* a handler that returns cannot resume code after panic(): still aborts */
static void
quiet(const char *func, const char *msg)
{
	fprintf(stderr, "libmbuf: panic: %s: %s (handler returned)\n", func, msg);
}

static void
die_panic_handler_returns(void)
{
	mbuf_set_panic_handler(quiet);
	kit_probe_panic(7);
}

static void
die_output_not_contiguous(void)
{
	static uint8_t buf[200];
	static const int cuts[] = { 24 };
	int len = build(buf, 0, 0, 20, 1, 1);

	udp4_output_cksum(chain(buf, len, cuts, 1), 0);
}

static const struct tu_death_case deaths[] = {
	{ "kassert", die_kassert },
	{ "panic", die_panic },
	{ "malloc_flags", die_malloc_flags },
	{ "kassert_plain", die_kassert_plain },
	{ "panic_handler_returns", die_panic_handler_returns },
	{ "output_not_contiguous", die_output_not_contiguous },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	TU_DEATH_MAIN(argc, argv, deaths);
	test_valid();
	test_invalid();
	test_random();
	test_output();
	test_kit_cksum();
	test_inet_classify();
	test_inet_classify_invalid();
	test_stats_and_kit();
	EXPECT_DEATH("kassert",
	    "udp4_input_check: kernel assertion \"off >= 0\" failed");
	EXPECT_DEATH("panic", "kit_probe_panic: kit_probe_panic: value 42");
	EXPECT_DEATH("malloc_flags", "malloc: type");
	EXPECT_DEATH("kassert_plain", "\"value > 0\" failed: file");
	EXPECT_DEATH("panic_handler_returns", "value 7 (handler returned)");
	EXPECT_DEATH("output_not_contiguous", "headers not contiguous");
	return tu_finish("test_porting");
}
