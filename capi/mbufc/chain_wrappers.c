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

/* ---- callbacks: user code called by the core, which may call us ---- */

int
mbuf__call_apply(uintptr_t f, uintptr_t arg, uintptr_t data, unsigned int len)
{
	const char *busy = mbuf__callout_begin();
	int r = ((int (*)(void *, void *, unsigned int))f)((void *)arg,
	    (void *)data, len);

	mbuf__callout_end(busy);
	return r;
}

void
mbuf__call_devcopy(uintptr_t f, uintptr_t from, uintptr_t to, size_t len)
{
	const char *busy = mbuf__callout_begin();

	((void (*)(const void *, void *, size_t))f)((const void *)from,
	    (void *)to, len);
	mbuf__callout_end(busy);
}

void
mbuf__call_pr(uintptr_t pr, const char *line)
{
	const char *busy = mbuf__callout_begin();

	((void (*)(const char *, ...))pr)("%s\n", line);
	mbuf__callout_end(busy);
}

/* ---- the rest: the per-packet operations are in hotpath.c -------------- */

struct mbuf *
m_dup(struct mbuf *m, int off, int len, int how)
{
	struct mbuf *r;

	if (!MBUF_ENTER("m_dup"))
		return NULL;
	r = MB(mbufgo_dup((uintptr_t)m, off, len, how));
	MBUF_FLUSH();
	return r;
}

struct mbuf *
m_copypacket(struct mbuf *m, int how)
{
	struct mbuf *r;

	if (!MBUF_ENTER("m_copypacket"))
		return NULL;
	r = MB(mbufgo_copypacket((uintptr_t)m, how));
	MBUF_FLUSH();
	return r;
}

void
m_cat(struct mbuf *m, struct mbuf *n)
{
	if (!MBUF_ENTER("m_cat"))
		return;
	mbufgo_cat((uintptr_t)m, (uintptr_t)n);
	MBUF_FLUSH();
}

struct mbuf *
m_copyup(struct mbuf *n, int len, int dstoff)
{
	struct mbuf *r;

	if (!MBUF_ENTER("m_copyup"))
		return NULL;
	r = MB(mbufgo_copyup((uintptr_t)n, len, dstoff));
	MBUF_FLUSH();
	return r;
}

struct mbuf *
m_devget(char *buf, int totlen, int off0, struct ifnet *ifp,
    void (*copy)(const void *from, void *to, size_t len))
{
	struct mbuf *r;

	if (!MBUF_ENTER("m_devget"))
		return NULL;
	r = MB(mbufgo_devget((uintptr_t)buf, totlen, off0,
	    (uintptr_t)ifp, (uintptr_t)copy));
	MBUF_FLUSH();
	return r;
}

struct mbuf *
m_copyback_cow(struct mbuf *m0, int off, int len, const void *cp, int how)
{
	struct mbuf *r;

	if (!MBUF_ENTER("m_copyback_cow"))
		return NULL;
	r = MB(mbufgo_copyback_cow((uintptr_t)m0, off, len,
	    (uintptr_t)cp, how));
	MBUF_FLUSH();
	return r;
}

int
m_makewritable(struct mbuf **mp, int off, int len, int how)
{
	int r;

	if (!MBUF_ENTER("m_makewritable"))
		return EINVAL;
	r = mbufgo_makewritable((uintptr_t *)mp, off, len, how);
	if (mbuf__go_failed())
		r = EINVAL;
	MBUF_FLUSH();
	return r;
}

void
mbuf_copy_pkthdr(struct mbuf *to, struct mbuf *from)
{
	if (!MBUF_ENTER("M_COPY_PKTHDR"))
		return;
	mbufgo_copy_pkthdr((uintptr_t)to, (uintptr_t)from);
	MBUF_FLUSH();
}

int
m_apply(struct mbuf *m, int off, int len,
    int (*f)(void *arg, void *data, unsigned int len), void *arg)
{
	int r;

	if (!MBUF_ENTER("m_apply"))
		return -1;
	r = mbufgo_apply((uintptr_t)m, off, len, (uintptr_t)f,
	    (uintptr_t)arg);
	if (mbuf__go_failed())
		r = -1;
	MBUF_FLUSH();
	return r;
}

struct mbuf *
m_getptr(struct mbuf *m, int loc, int *off)
{
	struct mbuf *r;

	if (!MBUF_ENTER("m_getptr"))
		return NULL;
	r = MB(mbufgo_getptr((uintptr_t)m, loc, off));
	MBUF_FLUSH();
	return r;
}

char *
m_mapin(struct mbuf *m)
{
	char *r;

	if (!MBUF_ENTER("m_mapin"))
		return NULL;
	r = (char *)mbufgo_mapin((uintptr_t)m);
	MBUF_FLUSH();
	return r;
}

void
m_claimm(struct mbuf *m, struct mowner *mo)
{
	if (!MBUF_ENTER("m_claimm"))
		return;
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
	if (!MBUF_ENTER("m_print"))
		return;
	mbufgo_print((uintptr_t)m, chain, (uintptr_t)pr);
	MBUF_FLUSH();
}
