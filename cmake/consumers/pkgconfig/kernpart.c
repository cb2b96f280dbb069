/*
 * NetBSD-style code compiled with `pkg-config --variable=kit_cflags mbuf`:
 * the kit's "opt_inet.h" must be found and must turn INET on, or this
 * file has no kernpart_inet and the consumer does not link.
 */
#include "opt_inet.h"

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/mbuf.h>

__KERNEL_RCSID(0, "pkg-config consumer kernpart");

#ifdef INET
int	kernpart_inet(struct mbuf *);

/* the packet's length, checked the kernel way */
int
kernpart_inet(struct mbuf *m)
{
	KASSERT((m->m_flags & M_PKTHDR) != 0);
	return m->m_pkthdr.len;
}
#endif /* INET */
