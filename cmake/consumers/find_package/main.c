/*
 * Consumer of an installed libmbuf found with find_package(mbuf): builds a
 * packet, hands it to a piece of NetBSD-style code compiled with the
 * porting kit, exports it to an iovec, and checks the library version.
 */
#include <mbuf.h>

#include <stdio.h>
#include <string.h>

int kernpart_fill(struct mbuf *m, int len);	/* kernpart.c */
int kernpart_options(void);

int
main(void)
{
	struct iovec iov[4];
	struct mbuf *m;
	int n;

	if (strcmp(mbuf_version(), EXPECTED_VERSION) != 0 ||
	    strcmp(mbuf_version(), LIBMBUF_VERSION) != 0) {
		fprintf(stderr, "version: library %s, header %s, package %s\n",
		    mbuf_version(), LIBMBUF_VERSION, EXPECTED_VERSION);
		return 1;
	}
	if (kernpart_options() != 3) {	/* INET from the kit, GATEWAY ours */
		fprintf(stderr, "kernel options: %#x, want INET|GATEWAY\n",
		    kernpart_options());
		return 1;
	}
	m = m_getcl(M_DONTWAIT, MT_DATA, M_PKTHDR);
	if (m == NULL || kernpart_fill(m, 1000) != 0)
		return 1;
	n = m_to_iovec(m, iov, 4);
	if (n != 1 || iov[0].iov_len != 1000 ||
	    ((unsigned char *)iov[0].iov_base)[999] != (999 & 0xff)) {
		fprintf(stderr, "m_to_iovec: %d pieces\n", n);
		return 1;
	}
	m_freem(m);
	printf("find_package consumer: libmbuf %s, MSIZE %d, 1 packet of 1000 "
	    "bytes in %d iovec: ok\n", mbuf_version(), MSIZE, n);
	return 0;
}
