/*
 * Consumer of an installed libmbuf found with pkg-config: a 3-mbuf chain
 * exported to an iovec and written with writev() into a pipe, read back,
 * after a piece of NetBSD-style code (kernpart.c, compiled with the
 * porting kit's kit_cflags) has measured it.
 */
#include <sys/mbuf.h>

#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

int kernpart_inet(struct mbuf *m);	/* kernpart.c, under INET */

int
main(void)
{
	struct mbuf *m, *n;
	struct iovec iov[8];
	char buf[64];
	int fds[2], cnt, i;
	ssize_t r;

	m = m_gethdr(M_DONTWAIT, MT_DATA);
	if (m == NULL)
		return 1;
	memcpy(mtod(m, char *), "pkg-", 4);
	m->m_len = 4;
	m->m_next = m_get(M_DONTWAIT, MT_DATA);
	if (m->m_next == NULL)
		return 1;
	m->m_next->m_next = m_get(M_DONTWAIT, MT_DATA);
	if (m->m_next->m_next == NULL)
		return 1;
	for (i = 0, n = m->m_next; n != NULL; n = n->m_next, i++) {
		memcpy(mtod(n, char *), i == 0 ? "con" : "fig", 3);
		n->m_len = 3;
	}
	m->m_pkthdr.len = 10;
	if (kernpart_inet(m) != 10)
		return 1;
	cnt = m_to_iovec(m, iov, 8);
	if (cnt != 3 || pipe(fds) != 0)
		return 1;
	r = writev(fds[1], iov, cnt);
	close(fds[1]);
	m_freem(m);
	if (r != 10 || read(fds[0], buf, sizeof(buf)) != 10 ||
	    memcmp(buf, "pkg-config", 10) != 0) {
		fprintf(stderr, "writev/read mismatch\n");
		return 1;
	}
	close(fds[0]);
	printf("pkg-config consumer: libmbuf %s, 3 mbufs in %d iovec, "
	    "writev'd 10 bytes: ok\n", mbuf_version(), cnt);
	return 0;
}
