/*
 * The chain operations of uipc_mbuf.c and uipc_mbuf2.c: the ABI functions
 * with their NetBSD signatures over the core (capi/mbufc/exports_chain.go), and
 * the trampolines through which the core calls the user's callbacks.
 *
 * The per-packet ones (m_copydata, m_adj, m_move_pkthdr, m_pullup,
 * m_copyback, m_copym, m_prepend, m_split, m_pulldown) live in hotpath.c,
 * which runs their common case in C and calls the same exports otherwise.
 */
#include <errno.h>

#include "internal.h"
#include "_cgo_export.h"

#define	MB(x)	((struct mbuf *)(x))

/* ---- callbacks -------------------------------------------------------- */

int
mbuf__call_apply(uintptr_t f, uintptr_t arg, uintptr_t data, unsigned int len)
{
	return ((int (*)(void *, void *, unsigned int))f)((void *)arg,
	    (void *)data, len);
}

void
mbuf__call_devcopy(uintptr_t f, uintptr_t from, uintptr_t to, size_t len)
{
	((void (*)(const void *, void *, size_t))f)((const void *)from,
	    (void *)to, len);
}

void
mbuf__call_pr(uintptr_t pr, const char *line)
{
	((void (*)(const char *, ...))pr)("%s\n", line);
}

/* ---- the rest: the per-packet operations are in hotpath.c -------------- */

struct mbuf *
m_dup(struct mbuf *m, int off, int len, int how)
{
	struct mbuf *r = MB(mbufgo_dup((uintptr_t)m, off, len, how));

	MBUF_FLUSH();
	return r;
}

struct mbuf *
m_copypacket(struct mbuf *m, int how)
{
	struct mbuf *r = MB(mbufgo_copypacket((uintptr_t)m, how));

	MBUF_FLUSH();
	return r;
}

void
m_cat(struct mbuf *m, struct mbuf *n)
{
	mbufgo_cat((uintptr_t)m, (uintptr_t)n);
	MBUF_FLUSH();
}

struct mbuf *
m_copyup(struct mbuf *n, int len, int dstoff)
{
	struct mbuf *r = MB(mbufgo_copyup((uintptr_t)n, len, dstoff));

	MBUF_FLUSH();
	return r;
}

struct mbuf *
m_devget(char *buf, int totlen, int off0, struct ifnet *ifp,
    void (*copy)(const void *from, void *to, size_t len))
{
	struct mbuf *r = MB(mbufgo_devget((uintptr_t)buf, totlen, off0,
	    (uintptr_t)ifp, (uintptr_t)copy));

	MBUF_FLUSH();
	return r;
}

struct mbuf *
m_copyback_cow(struct mbuf *m0, int off, int len, const void *cp, int how)
{
	struct mbuf *r = MB(mbufgo_copyback_cow((uintptr_t)m0, off, len,
	    (uintptr_t)cp, how));

	MBUF_FLUSH();
	return r;
}

int
m_makewritable(struct mbuf **mp, int off, int len, int how)
{
	int r = mbufgo_makewritable((uintptr_t *)mp, off, len, how);

	if (mbuf__go_failed())
		r = EINVAL;
	MBUF_FLUSH();
	return r;
}

void
mbuf_copy_pkthdr(struct mbuf *to, struct mbuf *from)
{
	mbufgo_copy_pkthdr((uintptr_t)to, (uintptr_t)from);
	MBUF_FLUSH();
}

int
m_apply(struct mbuf *m, int off, int len,
    int (*f)(void *arg, void *data, unsigned int len), void *arg)
{
	int r = mbufgo_apply((uintptr_t)m, off, len, (uintptr_t)f,
	    (uintptr_t)arg);

	if (mbuf__go_failed())
		r = -1;
	MBUF_FLUSH();
	return r;
}

struct mbuf *
m_getptr(struct mbuf *m, int loc, int *off)
{
	struct mbuf *r = MB(mbufgo_getptr((uintptr_t)m, loc, off));

	MBUF_FLUSH();
	return r;
}

char *
m_mapin(struct mbuf *m)
{
	char *r = (char *)mbufgo_mapin((uintptr_t)m);

	MBUF_FLUSH();
	return r;
}

void
m_claimm(struct mbuf *m, struct mowner *mo)
{
	mbufgo_claimm((uintptr_t)m, (uintptr_t)mo);
	MBUF_FLUSH();
}

void
m_print(const struct mbuf *m, const char *modif,
    void (*pr)(const char *, ...))
{
	int chain = 0;

	for (; modif != NULL && *modif != '\0'; modif++)
		if (*modif == 'c')
			chain = 1;
	mbufgo_print((uintptr_t)m, chain, (uintptr_t)pr);
	MBUF_FLUSH();
}
