/*
 * NetBSD-style code compiled through mbuf::netbsd_kit (-D_KERNEL and the
 * porting kit's include directory): kernel option headers, kernel headers,
 * KASSERT, 3-argument malloc.  "opt_inet.h" is the kit's (INET on);
 * "opt_gateway.h" is this project's own (opts/), which the build puts
 * ahead of the kit's, where GATEWAY is off.
 */
#include "opt_inet.h"
#include "opt_gateway.h"

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/malloc.h>
#include <sys/mbuf.h>

__KERNEL_RCSID(0, "consumer kernpart");

MALLOC_DEFINE(M_KPART, "kpart", "consumer scratch");

int	kernpart_fill(struct mbuf *, int);
int	kernpart_options(void);

/* the kernel options this file was compiled with: INET 1, GATEWAY 2 */
int
kernpart_options(void)
{
	int opts = 0;

#ifdef INET
	opts |= 1;
#endif
#ifdef GATEWAY
	opts |= 2;
#endif
	return opts;
}

int
kernpart_fill(struct mbuf *m, int len)
{
	u_char *scratch;
	int i;

	KASSERT(m->m_flags & M_PKTHDR);
	if (__predict_false(len > MCLBYTES))
		return EINVAL;
	scratch = malloc(len, M_KPART, M_NOWAIT | M_ZERO);
	if (scratch == NULL)
		return ENOBUFS;
	for (i = 0; i < len; i++)
		scratch[i] = (u_char)i;
	memcpy(mtod(m, caddr_t), scratch, len);
	m->m_len = m->m_pkthdr.len = len;
	free(scratch, M_KPART);
	KASSERT(M_KPART->ks_inuse == 0);
	return 0;
}
