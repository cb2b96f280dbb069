/*
 * The userland I/O bridge: a chain handed to writev/sendmsg as an iovec
 * array without copying, and readv/recvmsg straight into fresh clusters
 * that become a new packet chain.  Pure C over the fast path: no call
 * into Go unless an allocation has to refill a per-thread cache.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "internal.h"
#include "checks.h"
#include "_cgo_export.h"

int
m_to_iovec(const struct mbuf *m, struct iovec *iov, int maxiov)
{
	int n = 0;

	if (MBUF_UNLIKELY(maxiov < 0 || (iov == NULL && maxiov > 0))) {
		mbuf__violation("m_to_iovec", "iov %p, maxiov %d",
		    (void *)iov, maxiov);
		errno = EINVAL;
		return -1;
	}
	if (m == NULL) {
		mbuf__violation("m_to_iovec", "NULL mbuf");
		errno = EINVAL;
		return -1;
	}
	if (MBUF_UNLIKELY(mbuf__prefix(m, MBUF_WHOLE_CHAIN) < 0)) {
		mbuf__report_chain("m_to_iovec", m);
		errno = EINVAL;
		return -1;
	}
	for (; m != NULL; m = m->m_next) {
		if (m->m_len == 0)
			continue;
		if (n == maxiov) {
			errno = EMSGSIZE;
			return -1;
		}
		iov[n].iov_base = m->m_data;
		iov[n].iov_len = (size_t)m->m_len;
		n++;
	}
	return n;
}

/*
 * A packet of room for len bytes: a header mbuf alone when it fits, else
 * a chain of clusters; iov[] describes the room.  NULL with errno set.
 */
static struct mbuf *
rx_chain(const char *func, int len, int how, struct iovec *iov, int *niov)
{
	struct mbuf *top, *m, **mp = &top;
	int left = len, n = 0;

	if (MBUF_UNLIKELY(!mbuf__how_ok(how))) {
		if (MBUF_ENTER(func)) {	/* the core words it */
			mbufgo_check_how(how, (char *)func);
			MBUF_FLUSH();
		}
		errno = EINVAL;
		return NULL;
	}
	if (MBUF_UNLIKELY(len < 0 || len > M_IOVEC_MAXLEN)) {
		mbuf__violation(func, "len %d (0..%d)", len, M_IOVEC_MAXLEN);
		errno = EINVAL;
		return NULL;
	}
	if (len <= MHLEN) {
		top = m_gethdr(how, MT_DATA);
		if (top == NULL)
			goto nobufs;
		iov[0].iov_base = top->m_data;
		iov[0].iov_len = (size_t)len;
		*niov = 1;
		return top;
	}
	do {
		m = m_getcl(how, MT_DATA, n == 0 ? M_PKTHDR : 0);
		if (m == NULL) {
			*mp = NULL;
			if (n > 0)
				m_freem(top);
			goto nobufs;
		}
		*mp = m;
		mp = &m->m_next;
		iov[n].iov_base = m->m_data;
		iov[n].iov_len = (size_t)(left < MCLBYTES ? left : MCLBYTES);
		left -= (int)iov[n].iov_len;
		n++;
	} while (left > 0);
	*niov = n;
	return top;
nobufs:
	errno = ENOBUFS;
	return NULL;
}

/* set the lengths to the r bytes received and free the mbufs left empty */
static struct mbuf *
rx_trim(struct mbuf *top, const struct iovec *iov, ssize_t r)
{
	struct mbuf *m = top, *last = top;
	ssize_t left = r;
	int i;

	for (i = 0; m != NULL; i++, m = m->m_next) {
		m->m_len = (int)((size_t)left < iov[i].iov_len ?
		    (size_t)left : iov[i].iov_len);
		left -= m->m_len;
		if (m->m_len > 0)
			last = m;
	}
	if (last->m_next != NULL) {
		m_freem(last->m_next);
		last->m_next = NULL;
	}
	top->m_pkthdr.len = (int)r;
	return top;
}

struct mbuf *
m_from_readv(int fd, int len, int how)
{
	struct iovec iov[M_IOVEC_MAX];
	struct mbuf *m;
	ssize_t r;
	int niov, err;

	m = rx_chain("m_from_readv", len, how, iov, &niov);
	if (m == NULL)
		return NULL;
	do
		r = readv(fd, iov, niov);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		err = errno;
		m_freem(m);
		errno = err;
		return NULL;
	}
	return rx_trim(m, iov, r);
}

/* a msghdr over iov, with the caller's address and control buffers */
static void
msg_setup(struct msghdr *mh, const struct msghdr *msg, struct iovec *iov,
    int niov)
{
	memset(mh, 0, sizeof(*mh));
	if (msg != NULL) {
		mh->msg_name = msg->msg_name;
		mh->msg_namelen = msg->msg_namelen;
		mh->msg_control = msg->msg_control;
		mh->msg_controllen = msg->msg_controllen;
	}
	mh->msg_iov = iov;
	mh->msg_iovlen = (size_t)niov;
}

struct mbuf *
m_recvmsg(int fd, struct msghdr *msg, int len, int flags, int how)
{
	struct iovec iov[M_IOVEC_MAX];
	struct msghdr mh;
	struct mbuf *m;
	ssize_t r;
	int niov, err;

	m = rx_chain("m_recvmsg", len, how, iov, &niov);
	if (m == NULL)
		return NULL;
	msg_setup(&mh, msg, iov, niov);
	do
		r = recvmsg(fd, &mh, flags);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		err = errno;
		m_freem(m);
		errno = err;
		return NULL;
	}
	if (msg != NULL) {
		msg->msg_namelen = mh.msg_namelen;
		msg->msg_controllen = mh.msg_controllen;
		msg->msg_flags = mh.msg_flags;
	}
	/* MSG_TRUNC (on a datagram socket) may report more than was stored */
	if (r > len)
		r = len;
	return rx_trim(m, iov, r);
}

ssize_t
m_sendmsg(int fd, const struct mbuf *m, const struct msghdr *msg, int flags)
{
	struct iovec iov[M_IOVEC_MAX];
	struct msghdr mh;
	ssize_t r;
	int n;

	n = m_to_iovec(m, iov, M_IOVEC_MAX);
	if (n < 0)
		return -1;
	msg_setup(&mh, msg, iov, n);
	do
		r = sendmsg(fd, &mh, flags);
	while (r < 0 && errno == EINTR);
	return r;
}
