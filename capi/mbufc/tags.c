/*
 * Packet tags: the ABI functions of uipc_mbuf2.c over the core.  Tags are
 * not on the per-packet path of plain forwarding, so every call goes to
 * Go; m_tag_first / m_tag_next are inline-cheap and walk the list here.
 * Foreign tags (not from m_tag_get) are the core's business too
 * (core/tags.go); their free hook is called back through
 * mbuf__call_tag_free.
 */
#include "internal.h"
#include "fastpath.h"
#include "_cgo_export.h"

#define	TAG(x)		((struct m_tag *)(x))

struct m_tag *
m_tag_get(int type, int len, int wait)
{
	struct m_tag *t;

	if (!MBUF_ENTER("m_tag_get"))
		return NULL;
	t = TAG(mbufgo_tag_get(type, len, wait));
	MBUF_FLUSH();
	return t;
}

void
m_tag_free(struct m_tag *t)
{
	if (!MBUF_ENTER("m_tag_free"))
		return;
	mbufgo_tag_free((uintptr_t)t);
	MBUF_FLUSH();
}

void
m_tag_prepend(struct mbuf *m, struct m_tag *t)
{
	if (!MBUF_ENTER("m_tag_prepend"))
		return;
	mbufgo_tag_prepend((uintptr_t)m, (uintptr_t)t);
	MBUF_FLUSH();
}

void
m_tag_unlink(struct mbuf *m, struct m_tag *t)
{
	if (!MBUF_ENTER("m_tag_unlink"))
		return;
	mbufgo_tag_unlink((uintptr_t)m, (uintptr_t)t);
	MBUF_FLUSH();
}

void
m_tag_delete(struct mbuf *m, struct m_tag *t)
{
	if (!MBUF_ENTER("m_tag_delete"))
		return;
	mbufgo_tag_delete((uintptr_t)m, (uintptr_t)t);
	MBUF_FLUSH();
}

void
m_tag_delete_chain(struct mbuf *m, struct m_tag *t)
{
	if (!MBUF_ENTER("m_tag_delete_chain"))
		return;
	mbufgo_tag_delete_chain((uintptr_t)m, (uintptr_t)t);
	MBUF_FLUSH();
}

void
m_tag_delete_nonpersistent(struct mbuf *m)
{
	/* 2007: no tag is persistent */
	if (!MBUF_ENTER("m_tag_delete_nonpersistent"))
		return;
	mbufgo_tag_delete_chain((uintptr_t)m, 0);
	MBUF_FLUSH();
}

struct m_tag *
m_tag_find(const struct mbuf *m, int type, struct m_tag *t)
{
	struct m_tag *r;

	if (!MBUF_ENTER("m_tag_find"))
		return NULL;
	r = TAG(mbufgo_tag_find((uintptr_t)m, type, (uintptr_t)t));
	MBUF_FLUSH();
	return r;
}

struct m_tag *
m_tag_copy(struct m_tag *t)
{
	struct m_tag *r;

	if (!MBUF_ENTER("m_tag_copy"))
		return NULL;
	r = TAG(mbufgo_tag_copy((uintptr_t)t));
	MBUF_FLUSH();
	return r;
}

int
m_tag_copy_chain(struct mbuf *to, struct mbuf *from)
{
	int r;

	if (!MBUF_ENTER("m_tag_copy_chain"))
		return 0;
	r = mbufgo_tag_copy_chain((uintptr_t)to, (uintptr_t)from);
	MBUF_FLUSH();
	return r;
}

void
m_tag_init(struct mbuf *m)
{
	if (!MBUF_ENTER("m_tag_init"))
		return;
	mbufgo_tag_init((uintptr_t)m);
	MBUF_FLUSH();
}

struct m_tag *
m_tag_first(struct mbuf *m)
{
	if (MBUF_LIKELY(m != NULL && mbuf__fast_ok() &&
	    mbuf__mb_is_live(m) && (m->m_flags & M_PKTHDR) != 0))
		return SLIST_FIRST(&m->m_pkthdr.tags);
	{
		struct m_tag *r;

		if (!MBUF_ENTER("m_tag_first"))
			return NULL;
		r = TAG(mbufgo_tag_first((uintptr_t)m));
		MBUF_FLUSH();
		return r;
	}
}

struct m_tag *
m_tag_next(struct mbuf *m, struct m_tag *t)
{
	(void)m;
	if (MBUF_LIKELY(t != NULL))
		return SLIST_NEXT(t, m_tag_link);
	{
		struct m_tag *r;

		if (!MBUF_ENTER("m_tag_next"))
			return NULL;
		r = TAG(mbufgo_tag_next((uintptr_t)m, 0));
		MBUF_FLUSH();
		return r;
	}
}

mbuf_tag_free_t
mbuf_set_foreign_tag_free(mbuf_tag_free_t fn)
{
	mbuf_tag_free_t old;

	if (!MBUF_ENTER("mbuf_set_foreign_tag_free"))
		return NULL;
	old = (mbuf_tag_free_t)mbufgo_set_foreign_tag_free((uintptr_t)fn);
	MBUF_FLUSH();
	return old;
}

/* the user's hook, called by the core: user code, which may call us */
void
mbuf__call_tag_free(uintptr_t fn, uintptr_t t)
{
	const char *busy = mbuf__callout_begin();

	((mbuf_tag_free_t)fn)((struct m_tag *)t);
	mbuf__callout_end(busy);
}
