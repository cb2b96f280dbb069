/*
 * The userland I/O bridge: m_to_iovec points at the mbufs' own data (no
 * copy) and stops at maxiov; m_from_readv / m_recvmsg receive into fresh
 * storage and return a trimmed packet chain; m_sendmsg sends a chain.
 * Over a stream socketpair, a datagram socketpair and UDP loopback, with
 * errors from the system and contract violations.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "testutil.h"

/* a packet of n mbufs holding len[i] bytes each, bytes counting from seed */
static struct mbuf *
chain_of(const int *len, int n, unsigned char seed)
{
	struct mbuf *top = NULL, **mp = &top, *m;
	int i, j, total = 0;

	for (i = 0; i < n; i++) {
		CHECK(len[i] <= MCLBYTES);
		m = len[i] > MLEN ? m_getcl(M_DONTWAIT, MT_DATA, i ? 0 : M_PKTHDR)
		    : i == 0 ? m_gethdr(M_DONTWAIT, MT_DATA)
		    : m_get(M_DONTWAIT, MT_DATA);
		CHECK(m != NULL);
		if (m == NULL)
			break;
		for (j = 0; j < len[i]; j++)
			mtod(m, unsigned char *)[j] = (unsigned char)(seed + total + j);
		m->m_len = len[i];
		total += len[i];
		*mp = m;
		mp = &m->m_next;
	}
	if (top != NULL)
		top->m_pkthdr.len = total;
	return top;
}

/* the packet holds total bytes counting from seed, and its lengths add up */
static int
chain_is(const struct mbuf *m, int total, unsigned char seed)
{
	const struct mbuf *n;
	int i, k = 0, sum = 0;

	if (m == NULL || !(m->m_flags & M_PKTHDR) || m->m_pkthdr.len != total)
		return 0;
	for (n = m; n != NULL; n = n->m_next) {
		for (i = 0; i < n->m_len; i++, k++)
			if (mtod(n, const unsigned char *)[i] !=
			    (unsigned char)(seed + k))
				return 0;
		sum += n->m_len;
	}
	return sum == total;
}

static int
nmbufs(const struct mbuf *m)
{
	int n = 0;

	for (; m != NULL; m = m->m_next)
		n++;
	return n;
}

static void
test_to_iovec(void)
{
	static const int lens[] = { 100, 0, 2000, 7 };
	struct iovec iov[8];
	struct mbuf *m = chain_of(lens, 4, 1), *n;
	int cnt;

	cnt = m_to_iovec(m, iov, 8);
	CHECK_EQ(cnt, 3);			/* the empty mbuf is skipped */
	CHECK(iov[0].iov_base == m->m_data);	/* no copy: the mbufs' data */
	CHECK_EQ(iov[0].iov_len, 100);
	n = m->m_next->m_next;
	CHECK(iov[1].iov_base == n->m_data && iov[1].iov_len == 2000);
	CHECK(iov[2].iov_base == n->m_next->m_data && iov[2].iov_len == 7);
	CHECK_EQ(m_to_iovec(m, iov, 3), 3);	/* exactly enough */
	errno = 0;
	CHECK_EQ(m_to_iovec(m, iov, 2), -1);	/* one short */
	CHECK_EQ(errno, EMSGSIZE);
	CHECK_EQ(m_to_iovec(m, NULL, 0), -1);
	m_freem(m);

	/* a single empty mbuf: zero entries, not an error */
	m = m_gethdr(M_DONTWAIT, MT_DATA);
	CHECK_EQ(m_to_iovec(m, iov, 8), 0);
	CHECK_EQ(m_to_iovec(m, NULL, 0), 0);
	m_freem(m);
	CHECK(tu_all_types_zero());
}

/* writev of a chain into a stream socket, m_from_readv on the other end */
static void
test_stream(void)
{
	static const int lens[] = { 300, 2000, 1700, 1000 };	/* 5000 bytes */
	struct iovec iov[8];
	struct mbuf *m, *r;
	int sv[2], cnt;

	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	m = chain_of(lens, 4, 7);
	cnt = m_to_iovec(m, iov, 8);
	CHECK_EQ(cnt, 4);
	CHECK_EQ(writev(sv[0], iov, cnt), 5000);
	m_freem(m);

	/* room for 6000: 3 clusters, trimmed to the 5000 that arrived */
	r = m_from_readv(sv[1], 6000, M_DONTWAIT);
	CHECK(chain_is(r, 5000, 7));
	CHECK_EQ(nmbufs(r), 3);
	CHECK(r != NULL && (r->m_flags & M_EXT) && r->m_len == MCLBYTES);
	m_freem(r);

	/* a short read into a big buffer frees the clusters it did not use */
	CHECK_EQ(write(sv[0], "\x03\x04\x05", 3), 3);
	r = m_from_readv(sv[1], 20000, M_WAIT);
	CHECK(chain_is(r, 3, 3));
	CHECK_EQ(nmbufs(r), 1);
	m_freem(r);
	CHECK(tu_all_types_zero());

	/* small reads land in a header mbuf, no cluster */
	CHECK_EQ(write(sv[0], "\x09\x0a", 2), 2);
	r = m_from_readv(sv[1], MHLEN, M_DONTWAIT);
	CHECK(chain_is(r, 2, 9));
	CHECK(r != NULL && (r->m_flags & M_EXT) == 0);
	m_freem(r);

	/* end of file: an empty packet */
	close(sv[0]);
	r = m_from_readv(sv[1], 100, M_DONTWAIT);
	CHECK(r != NULL && r->m_pkthdr.len == 0 && r->m_len == 0 &&
	    r->m_next == NULL);
	m_freem(r);
	close(sv[1]);

	/* a system error: NULL, errno kept, nothing leaked */
	errno = 0;
	CHECK(m_from_readv(sv[1], 100, M_DONTWAIT) == NULL);
	CHECK_EQ(errno, EBADF);
	CHECK(tu_all_types_zero());
}

/* datagrams: m_sendmsg / m_recvmsg, truncation, would-block */
static void
test_datagram(void)
{
	static const int lens[] = { 40, 1460, 1500 };	/* 3000 bytes */
	struct msghdr mh;
	struct mbuf *m, *r;
	int sv[2];

	CHECK_EQ(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	m = chain_of(lens, 3, 11);
	CHECK_EQ(m_sendmsg(sv[0], m, NULL, 0), 3000);
	CHECK_EQ(m_sendmsg(sv[0], m, NULL, 0), 3000);
	m_freem(m);

	r = m_recvmsg(sv[1], NULL, M_IOVEC_MAXLEN, 0, M_DONTWAIT);
	CHECK(chain_is(r, 3000, 11));
	CHECK_EQ(nmbufs(r), 2);
	m_freem(r);

	/* a buffer smaller than the datagram: MSG_TRUNC, 1000 bytes kept */
	memset(&mh, 0, sizeof(mh));
	r = m_recvmsg(sv[1], &mh, 1000, 0, M_DONTWAIT);
	CHECK(chain_is(r, 1000, 11));
	CHECK((mh.msg_flags & MSG_TRUNC) != 0);
	m_freem(r);

	/* nothing queued */
	errno = 0;
	CHECK(m_recvmsg(sv[1], NULL, 100, MSG_DONTWAIT, M_DONTWAIT) == NULL);
	CHECK(errno == EAGAIN || errno == EWOULDBLOCK);

	/* an empty datagram is an empty packet */
	CHECK_EQ(send(sv[0], "", 0, 0), 0);
	r = m_recvmsg(sv[1], NULL, 100, 0, M_DONTWAIT);
	CHECK(r != NULL && r->m_pkthdr.len == 0);
	m_freem(r);
	close(sv[0]);
	close(sv[1]);
	CHECK(tu_all_types_zero());
}

/* UDP over loopback: the sender's address comes back through msg_name */
static void
test_udp_loopback(void)
{
	static const int lens[] = { 8, 500, 700 };
	struct sockaddr_in a, from;
	socklen_t alen = sizeof(a);
	struct msghdr mh;
	struct mbuf *m, *r;
	int rx, tx;

	rx = socket(AF_INET, SOCK_DGRAM, 0);
	tx = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(rx >= 0 && tx >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK_EQ(bind(rx, (struct sockaddr *)&a, sizeof(a)), 0);
	CHECK_EQ(getsockname(rx, (struct sockaddr *)&a, &alen), 0);

	m = chain_of(lens, 3, 21);
	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &a;
	mh.msg_namelen = sizeof(a);
	CHECK_EQ(m_sendmsg(tx, m, &mh, 0), 1208);
	m_freem(m);

	memset(&mh, 0, sizeof(mh));
	memset(&from, 0, sizeof(from));
	mh.msg_name = &from;
	mh.msg_namelen = sizeof(from);
	r = m_recvmsg(rx, &mh, 2048, 0, M_DONTWAIT);
	CHECK(chain_is(r, 1208, 21));
	CHECK_EQ(mh.msg_namelen, sizeof(from));
	CHECK_EQ(from.sin_family, AF_INET);
	CHECK_EQ(ntohl(from.sin_addr.s_addr), INADDR_LOOPBACK);
	CHECK_EQ(mh.msg_flags & MSG_TRUNC, 0);
	m_freem(r);
	close(rx);
	close(tx);
	CHECK(tu_all_types_zero());
}

/* contract violations with a handler that returns: failure values */
static int handler_calls;
static char handler_msg[400];

static void
returning_handler(const char *func, const char *msg)
{
	handler_calls++;
	snprintf(handler_msg, sizeof(handler_msg), "%s: %s", func, msg);
}

static void
test_violations(void)
{
	struct iovec iov[2];
	struct mbuf *m;

	mbuf_set_panic_handler(returning_handler);
	errno = 0;
	CHECK_EQ(m_to_iovec(NULL, iov, 2), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK(strstr(handler_msg, "m_to_iovec: NULL mbuf") != NULL);

	m = m_gethdr(M_DONTWAIT, MT_DATA);
	CHECK_EQ(m_to_iovec(m, iov, -1), -1);
	CHECK(strstr(handler_msg, "maxiov -1") != NULL);
	m->m_len = -5;
	CHECK_EQ(m_to_iovec(m, iov, 2), -1);
	CHECK(strstr(handler_msg, "m_len -5") != NULL);
	m->m_len = 0;
	m_freem(m);
	CHECK_EQ(m_to_iovec(m, iov, 2), -1);	/* freed */
	CHECK(strstr(handler_msg, "is not allocated") != NULL);

	CHECK(m_from_readv(0, -1, M_DONTWAIT) == NULL);
	CHECK(strstr(handler_msg, "m_from_readv: len -1") != NULL);
	CHECK(m_from_readv(0, M_IOVEC_MAXLEN + 1, M_DONTWAIT) == NULL);
	CHECK(m_recvmsg(0, NULL, 10, 0, 7) == NULL);
	CHECK(strstr(handler_msg, "m_recvmsg: bad how 7") != NULL);
	CHECK(m_sendmsg(1, NULL, NULL, 0) == -1);
	CHECK_EQ(handler_calls, 8);
	CHECK(mbuf_last_error() != NULL);
	mbuf_set_panic_handler(NULL);
	mbuf_clear_error();
	CHECK(tu_all_types_zero());
}

static void
die_null_chain(void)
{
	struct iovec iov[1];

	m_to_iovec(NULL, iov, 1);
}

static void
die_bad_len(void)
{
	m_recvmsg(0, NULL, -3, 0, M_DONTWAIT);
}

static const struct tu_death_case deaths[] = {
	{ "null_chain", die_null_chain },
	{ "bad_len", die_bad_len },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	TU_DEATH_MAIN(argc, argv, deaths);
	test_to_iovec();
	test_stream();
	test_datagram();
	test_udp_loopback();
	test_violations();
	EXPECT_DEATH("null_chain", "m_to_iovec: NULL mbuf");
	EXPECT_DEATH("bad_len", "m_recvmsg: len -3");
	return tu_finish("test_iovec");
}
