/*
 * Calls for bindings (section 5 of mbuf.h): whole-packet operations that
 * a scripting language makes in one call instead of one per mbuf, and
 * external storage owned by Python objects through handles.
 *
 * From Python every call costs 70-280 ns of ctypes overhead on its own
 * (PERFORMANCE.md section 5), so building, reading and tagging a packet
 * are one call each.  The copies run here in C over the core's memory.
 *
 * Python's C API is reached with dlsym() at the first attach, so the
 * library neither links against libpython nor needs it when no Python
 * object is ever attached.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "internal.h"
#include "fastpath.h"
#include "_cgo_export.h"

#define	CHAIN_MAX	(1 << 22)	/* bound on a chain walk: the mbuf arena */

static int
how_ok(const char *func, int how)
{
	if (how == M_DONTWAIT || how == M_WAIT)
		return 1;
	mbuf__violation(func, "bad how %d (want M_DONTWAIT or M_WAIT)", how);
	return 0;
}

/* 1 if m is a live mbuf; else report why (in the core's words) and 0 */
static int
live_or_report(const struct mbuf *m, const char *func)
{
	if (m == NULL) {
		mbuf__violation(func, "NULL mbuf");
		return 0;
	}
	if (mbuf__sh != NULL && mbuf__mb_is_live(m))
		return 1;
	if (mbufgo_check_mbuf((uintptr_t)m, (char *)func))
		mbuf__violation(func, "mbuf %p is not live", (const void *)m);
	MBUF_FLUSH();
	return 0;
}

/* ---- whole-packet calls ---------------------------------------------------- */

struct mbuf *
mbuf_packet_from_bytes(const void *buf, int len, int how)
{
	const char *cp = buf;
	struct mbuf *top = NULL, **mp = &top, *m;
	int left = len, room, n;

	if (len < 0 || (buf == NULL && len > 0)) {
		mbuf__violation("mbuf_packet_from_bytes", "buf %p, len %d",
		    buf, len);
		return NULL;
	}
	if (!how_ok("mbuf_packet_from_bytes", how))
		return NULL;
	do {
		if (top == NULL) {
			m = left > MHLEN ? m_getcl(how, MT_DATA, M_PKTHDR) :
			    m_gethdr(how, MT_DATA);
			room = MHLEN;
		} else {
			m = left > MLEN ? m_getcl(how, MT_DATA, 0) :
			    m_get(how, MT_DATA);
			room = MLEN;
		}
		if (m == NULL) {
			m_freem(top);
			return NULL;
		}
		if (m->m_flags & M_EXT)
			room = MCLBYTES;
		n = left < room ? left : room;
		if (n > 0)
			memcpy(mtod(m, char *), cp, (size_t)n);
		m->m_len = n;
		cp += n;
		left -= n;
		*mp = m;
		mp = &m->m_next;
	} while (left > 0);
	top->m_pkthdr.len = len;
	return top;
}

int
mbuf_packet_to_bytes(const struct mbuf *m, void *buf, int buflen)
{
	const char *fn = "mbuf_packet_to_bytes";
	char *cp = buf;
	long total = 0;
	int n, count = 0;

	if (buflen < 0 || (buf == NULL && buflen > 0)) {
		mbuf__violation(fn, "buf %p, buflen %d", buf, buflen);
		return -1;
	}
	mbuf__init();
	if (!live_or_report(m, fn))
		return -1;
	for (; m != NULL; m = m->m_next) {
		if (!live_or_report(m, fn))
			return -1;
		if (m->m_len < 0 || ++count > CHAIN_MAX) {
			mbuf__violation(fn, "mbuf %p: m_len %d%s", (const void *)m,
			    m->m_len, count > CHAIN_MAX ? " (cycle)" : "");
			return -1;
		}
		if (total < buflen) {
			n = buflen - total < m->m_len ? (int)(buflen - total) :
			    m->m_len;
			memcpy(cp + total, m->m_data, (size_t)n);
		}
		total += m->m_len;
		if (total > INT_MAX) {
			mbuf__violation(fn, "chain longer than INT_MAX");
			return -1;
		}
	}
	return (int)total;
}

int
mbuf_tag_set(struct mbuf *m, int type, const void *data, int len)
{
	const char *fn = "mbuf_tag_set";
	struct m_tag *t, *old;

	if (len < 0 || len > 0xffff || (data == NULL && len > 0) ||
	    type < 0 || type > 0xffff) {
		mbuf__violation(fn, "type %d, data %p, len %d", type, data, len);
		return -1;
	}
	mbuf__init();
	if (!live_or_report(m, fn))
		return -1;
	if ((m->m_flags & M_PKTHDR) == 0) {
		mbuf__violation(fn, "mbuf %p has no packet header", (void *)m);
		return -1;
	}
	t = m_tag_get(type, len, M_NOWAIT);
	if (t == NULL)
		return ENOMEM;
	if (len > 0)
		memcpy(t + 1, data, (size_t)len);
	while ((old = m_tag_find(m, type, NULL)) != NULL)
		m_tag_delete(m, old);
	m_tag_prepend(m, t);
	return 0;
}

/* ---- Python owners ---------------------------------------------------------- */

/* Py_buffer, as CPython defines it (unchanged since 3.3, stable ABI) */
struct py_buffer {
	void		*buf;
	void		*obj;
	ssize_t		len;
	ssize_t		itemsize;
	int		readonly;
	int		ndim;
	char		*format;
	ssize_t		*shape;
	ssize_t		*strides;
	ssize_t		*suboffsets;
	void		*internal;
};
#define	PY_BUF_SIMPLE	0
#define	PY_BUF_WRITABLE	1

static struct {
	int	(*gil_ensure)(void);
	void	(*gil_release)(int);
	int	(*get_buffer)(void *, struct py_buffer *, int);
	void	(*release_buffer)(struct py_buffer *);
	void	(*incref)(void *);
	void	(*decref)(void *);
	void	(*err_clear)(void);
	int	(*is_initialized)(void);
	int	(*is_finalizing)(void);		/* optional */
	int	ok;
} py;
static pthread_once_t py_once = PTHREAD_ONCE_INIT;

static void
py_resolve(void)
{
#define	SYM(field, name)	(*(void **)&py.field = dlsym(RTLD_DEFAULT, name))
	SYM(gil_ensure, "PyGILState_Ensure");
	SYM(gil_release, "PyGILState_Release");
	SYM(get_buffer, "PyObject_GetBuffer");
	SYM(release_buffer, "PyBuffer_Release");
	SYM(incref, "Py_IncRef");
	SYM(decref, "Py_DecRef");
	SYM(err_clear, "PyErr_Clear");
	SYM(is_initialized, "Py_IsInitialized");
	if (SYM(is_finalizing, "Py_IsFinalizing") == NULL)
		SYM(is_finalizing, "_Py_IsFinalizing");
#undef SYM
	py.ok = py.gil_ensure && py.gil_release && py.get_buffer &&
	    py.release_buffer && py.incref && py.decref && py.err_clear &&
	    py.is_initialized;
}

static int
py_ready(const char *func)
{
	pthread_once(&py_once, py_resolve);
	if (py.ok && py.is_initialized())
		return 1;
	mbuf__violation(func, "no Python interpreter in this process "
	    "(PyGILState_Ensure etc. not found by dlsym)");
	return 0;
}

/*
 * Release a Python owner: the buffer export (view) or the reference to
 * obj.  Called once per handle, from any thread; takes the GIL.  After
 * the interpreter has begun to finalize, the owner is left alone (the
 * process is exiting and its objects go with it).
 */
MBUF_HIDDEN void mbuf__py_release(uintptr_t obj, uintptr_t view);
void
mbuf__py_release(uintptr_t obj, uintptr_t view)
{
	int g;

	if (!py.ok || !py.is_initialized() ||
	    (py.is_finalizing != NULL && py.is_finalizing()))
		return;
	g = py.gil_ensure();
	if (view != 0)
		py.release_buffer((struct py_buffer *)view);
	else
		py.decref((void *)obj);
	py.gil_release(g);
	free((void *)view);
}

/* ext_free of storage whose owner sits behind a handle in ext_arg */
static void
handle_ext_free(struct mbuf *m, void *buf, size_t size, void *arg)
{
	(void)buf;
	(void)size;
	mbufgo_handle_release((uintptr_t)arg);
	MBUF_FLUSH();
	pool_cache_put(mb_cache, m);
}

MBUF_HIDDEN uintptr_t mbuf__handle_ext_free_fn(void);
uintptr_t
mbuf__handle_ext_free_fn(void)
{
	return (uintptr_t)handle_ext_free;
}

/* a header mbuf with data[0, len) owned by (obj, view); NULL on failure */
static struct mbuf *
attach(void *data, size_t len, int writable, int how, uintptr_t obj,
    uintptr_t view)
{
	struct mbuf *m = m_gethdr(how, MT_DATA);

	if (m == NULL) {
		mbuf__py_release(obj, view);
		return NULL;
	}
	/* on a violation the Go side has released the owner already */
	if (!mbufgo_attach_pyowner((uintptr_t)m, (uintptr_t)data, len,
	    writable, obj, view)) {
		MBUF_FLUSH();
		m_free(m);
		return NULL;
	}
	m->m_len = m->m_pkthdr.len = (int)len;
	return m;
}

struct mbuf *
mbuf_attach_pybuffer(void *pyobj, int writable, int how)
{
	const char *fn = "mbuf_attach_pybuffer";
	struct py_buffer *view;
	int g, rc;

	if (!how_ok(fn, how) || !py_ready(fn))
		return NULL;
	if (pyobj == NULL) {
		mbuf__violation(fn, "NULL object");
		return NULL;
	}
	if ((view = calloc(1, sizeof(*view))) == NULL)
		return NULL;
	g = py.gil_ensure();
	rc = py.get_buffer(pyobj, view,
	    writable ? PY_BUF_WRITABLE : PY_BUF_SIMPLE);
	if (rc != 0)
		py.err_clear();
	py.gil_release(g);
	if (rc != 0) {
		free(view);
		mbuf__violation(fn, "object %p exports no contiguous%s buffer",
		    pyobj, writable ? " writable" : "");
		return NULL;
	}
	if (view->len > INT_MAX) {
		mbuf__violation(fn, "buffer of %zd bytes (more than INT_MAX)",
		    view->len);
		mbuf__py_release(0, (uintptr_t)view);
		return NULL;
	}
	return attach(view->buf, (size_t)view->len, writable, how, 0,
	    (uintptr_t)view);
}

struct mbuf *
mbuf_attach_pyobject(void *data, size_t len, void *pyobj, int writable,
    int how)
{
	const char *fn = "mbuf_attach_pyobject";
	int g;

	if (!how_ok(fn, how) || !py_ready(fn))
		return NULL;
	if (pyobj == NULL || (data == NULL && len > 0) || len > INT_MAX) {
		mbuf__violation(fn, "data %p, len %zu, owner %p", data, len,
		    pyobj);
		return NULL;
	}
	g = py.gil_ensure();
	py.incref(pyobj);
	py.gil_release(g);
	return attach(data, len, writable, how, (uintptr_t)pyobj, 0);
}

long
mbuf_handles_live(void)
{
	return mbufgo_handles_live();
}
