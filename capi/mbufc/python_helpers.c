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
#include "checks.h"
#include "_cgo_export.h"

#define	CHAIN_MAX	(1 << 22)	/* bound on a chain walk: the mbuf arena */

/* the core's how rule (rules.h), the core's wording when it fails */
static int
how_ok(const char *func, int how)
{
	if (MBUF_LIKELY(mbuf__how_ok(how)))
		return 1;
	if (MBUF_ENTER(func)) {
		mbufgo_check_how(how, (char *)func);
		MBUF_FLUSH();
	}
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
	if (!MBUF_ENTER(func))
		return 0;
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
	int64_t total = 0, len;
	int n;

	if (buflen < 0 || (buf == NULL && buflen > 0)) {
		mbuf__violation(fn, "buf %p, buflen %d", buf, buflen);
		return -1;
	}
	mbuf__init();
	if (!live_or_report(m, fn))
		return -1;
	/* every mbuf is read: each live, its bytes in its buffer, no loop */
	if ((len = mbuf__prefix(m, MBUF_WHOLE_CHAIN)) < 0) {
		mbuf__report_chain(fn, m);
		return -1;
	}
	if (len > INT_MAX) {
		mbuf__violation(fn, "chain longer than INT_MAX");
		return -1;
	}
	for (; m != NULL && total < buflen; m = m->m_next) {
		n = buflen - total < m->m_len ? (int)(buflen - total) :
		    m->m_len;
		memcpy(cp + total, m->m_data, (size_t)n);
		total += n;
	}
	return (int)len;
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
	/* for the mbuf_py_* calls, which build Python objects */
	int	(*gil_check)(void);
	void	*(*bytes_new)(const char *, ssize_t);
	char	*(*bytes_data)(void *);
	void	*(*long_new)(long);
	void	*(*tuple_new)(ssize_t);
	int	(*tuple_set)(void *, ssize_t, void *);
	void	*(*err_occurred)(void);
	int	objects_ok;
	/* for mbuf_py_memoryviews: read-only exporters of the storage */
	void	*(*type_from_spec)(void *);
	void	*(*generic_alloc)(void *, ssize_t);
	void	(*object_free)(void *);
	int	(*fill_info)(struct py_buffer *, void *, void *, ssize_t, int, int);
	void	*(*memoryview_of)(void *);
	void	*(*list_new)(ssize_t);
	int	(*list_set)(void *, ssize_t, void *);
	void	*(*getattr)(void *, const char *);
	ssize_t	(*long_value)(void *);
	void	*base_object;			/* PyBaseObject_Type */
	int	views_ok;
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
	SYM(gil_check, "PyGILState_Check");
	SYM(bytes_new, "PyBytes_FromStringAndSize");
	SYM(bytes_data, "PyBytes_AsString");
	SYM(long_new, "PyLong_FromLong");
	SYM(tuple_new, "PyTuple_New");
	SYM(tuple_set, "PyTuple_SetItem");
	SYM(err_occurred, "PyErr_Occurred");
	SYM(type_from_spec, "PyType_FromSpec");
	SYM(generic_alloc, "PyType_GenericAlloc");
	SYM(object_free, "PyObject_Free");
	SYM(fill_info, "PyBuffer_FillInfo");
	SYM(memoryview_of, "PyMemoryView_FromObject");
	SYM(list_new, "PyList_New");
	SYM(list_set, "PyList_SetItem");
	SYM(getattr, "PyObject_GetAttrString");
	SYM(long_value, "PyLong_AsSsize_t");
	SYM(base_object, "PyBaseObject_Type");
#undef SYM
	py.ok = py.gil_ensure && py.gil_release && py.get_buffer &&
	    py.release_buffer && py.incref && py.decref && py.err_clear &&
	    py.is_initialized;
	py.objects_ok = py.ok && py.gil_check && py.bytes_new &&
	    py.bytes_data && py.long_new && py.tuple_new && py.tuple_set &&
	    py.err_occurred;
	py.views_ok = py.objects_ok && py.type_from_spec && py.generic_alloc &&
	    py.object_free && py.fill_info && py.memoryview_of &&
	    py.list_new && py.list_set && py.getattr && py.long_value &&
	    py.base_object;
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
 * A Python owner of external storage, what ext_arg points to: a buffer
 * export (view.obj set) or a reference to obj.  Plain C memory, no handle
 * in Go: attaching costs one crossing (MEXTADD) and releasing none beyond
 * the free that drops the last reference.  py_owner_free, the storage's
 * ext_free, releases it exactly once, with the GIL, from any thread.
 */
#define	PY_OWNER_LIVE	0x216e776f7970626dULL	/* "mbpyown!" */

struct py_owner {
	uint64_t		magic;	/* PY_OWNER_LIVE until released */
	void			*obj;	/* a reference to drop (no view) */
	struct py_buffer	view;	/* a buffer export, if view.obj */
};

static long py_owners_live;		/* made and not yet released */

static struct py_owner *
py_owner_new(void)
{
	struct py_owner *o = calloc(1, sizeof(*o));

	if (o != NULL) {
		o->magic = PY_OWNER_LIVE;
		__atomic_add_fetch(&py_owners_live, 1, __ATOMIC_RELAXED);
	}
	return o;
}

/*
 * Release the owner: PyBuffer_Release of the export or Py_DecRef of the
 * object.  Once the interpreter has begun to finalize the Python side is
 * left alone (the process is exiting and its objects go with it).
 */
static void
py_owner_release(struct py_owner *o)
{
	int g;

	o->magic = 0;
	__atomic_sub_fetch(&py_owners_live, 1, __ATOMIC_RELAXED);
	if (py.ok && py.is_initialized() &&
	    (py.is_finalizing == NULL || !py.is_finalizing())) {
		g = py.gil_ensure();
		if (o->view.obj != NULL)
			py.release_buffer(&o->view);
		else if (o->obj != NULL)
			py.decref(o->obj);
		py.gil_release(g);
	}
	free(o);
}

/* the ext_free of storage a Python object owns */
static void
py_owner_free(struct mbuf *m, void *buf, size_t size, void *arg)
{
	struct py_owner *o = arg;

	(void)buf;
	(void)size;
	if (o == NULL || o->magic != PY_OWNER_LIVE)
		mbuf__violation("m_ext_free", "ext_arg %p is not a live Python "
		    "owner (released twice?)", arg);
	else
		py_owner_release(o);
	pool_cache_put(mb_cache, m);
}

/* ext_free of storage whose owner sits behind a Go handle in ext_arg */
static void
handle_ext_free(struct mbuf *m, void *buf, size_t size, void *arg)
{
	(void)buf;
	(void)size;
	if (MBUF_ENTER("m_ext_free")) {
		mbufgo_handle_release((uintptr_t)arg);
		MBUF_FLUSH();
	}
	pool_cache_put(mb_cache, m);
}

MBUF_HIDDEN uintptr_t mbuf__handle_ext_free_fn(void);
uintptr_t
mbuf__handle_ext_free_fn(void)
{
	return (uintptr_t)handle_ext_free;
}

/* a header mbuf with data[0, len) owned by o; NULL (o released) on failure */
static struct mbuf *
attach(void *data, size_t len, int writable, int how, struct py_owner *o)
{
	struct mbuf *m = m_gethdr(how, MT_DATA);

	if (m == NULL) {
		py_owner_release(o);
		return NULL;
	}
	MEXTADD(m, data, len, NULL, py_owner_free, o);
	if ((m->m_flags & M_EXT) == 0) {	/* a violation, reported */
		py_owner_release(o);
		m_free(m);
		return NULL;
	}
	if (writable)
		m->m_flags |= M_EXT_RW;
	m->m_len = m->m_pkthdr.len = (int)len;
	return m;
}

struct mbuf *
mbuf_attach_pybuffer(void *pyobj, int writable, int how)
{
	const char *fn = "mbuf_attach_pybuffer";
	struct py_owner *o;
	int g, rc;

	if (!how_ok(fn, how) || !py_ready(fn))
		return NULL;
	if (pyobj == NULL) {
		mbuf__violation(fn, "NULL object");
		return NULL;
	}
	if ((o = py_owner_new()) == NULL)
		return NULL;
	g = py.gil_ensure();
	rc = py.get_buffer(pyobj, &o->view,
	    writable ? PY_BUF_WRITABLE : PY_BUF_SIMPLE);
	if (rc != 0)
		py.err_clear();
	py.gil_release(g);
	if (rc != 0) {
		py_owner_release(o);	/* nothing exported: frees the record */
		mbuf__violation(fn, "object %p exports no contiguous%s buffer",
		    pyobj, writable ? " writable" : "");
		return NULL;
	}
	if (o->view.len > INT_MAX) {
		mbuf__violation(fn, "buffer of %zd bytes (more than INT_MAX)",
		    o->view.len);
		py_owner_release(o);
		return NULL;
	}
	return attach(o->view.buf, (size_t)o->view.len, writable, how, o);
}

struct mbuf *
mbuf_attach_pyobject(void *data, size_t len, void *pyobj, int writable,
    int how)
{
	const char *fn = "mbuf_attach_pyobject";
	struct py_owner *o;
	int g;

	if (!how_ok(fn, how) || !py_ready(fn))
		return NULL;
	if (pyobj == NULL || (data == NULL && len > 0) || len > INT_MAX) {
		mbuf__violation(fn, "data %p, len %zu, owner %p", data, len,
		    pyobj);
		return NULL;
	}
	if ((o = py_owner_new()) == NULL)
		return NULL;
	g = py.gil_ensure();
	py.incref(pyobj);
	py.gil_release(g);
	o->obj = pyobj;
	return attach(data, len, writable, how, o);
}

long
mbuf_handles_live(void)
{
	long n;

	if (!MBUF_ENTER("mbuf_handles_live"))
		return -1;
	n = mbufgo_handles_live();
	MBUF_FLUSH();
	return n + __atomic_load_n(&py_owners_live, __ATOMIC_RELAXED);
}

/* ---- the Python Packet: one call per operation (mbuf_py_*) ------------------- */

/*
 * A Python Packet keeps its chain in a cell (a struct mbuf * that Python
 * owns) and passes the cell, not the chain: these calls read the chain
 * from it and write the new head back (NULL once freed or consumed), so
 * the Python object can never hold a stale head.  While a call works on a
 * chain its cell holds PY_BUSY: a second call on the same packet (from a
 * Python finalizer that an ext_free runs in the middle of the first) finds
 * MBUF_PY_BUSY instead of a chain halfway through a change.
 *
 * The Python layer calls these through ctypes.PyDLL, with the GIL held:
 * none of them blocks, and the only Python code they can run is an owner's
 * release (py_owner_release), which takes the GIL reentrantly.  So two
 * Python threads never work on one chain at once, and a thread stopped at
 * interpreter exit is never inside one of these calls.
 *
 * Errors never touch the message of an earlier violation left for
 * mbuf_last_error() by an unchecked call: each call notes it on entry and
 * puts it back when the call itself reported nothing.
 */
#define	PY_BUSY		((struct mbuf *)1)

struct pycall {
	struct mbuf		**mp;	/* the cell, PY_BUSY while we work */
	struct mbuf_thread	*t;
	int			had;	/* t->has_error on entry */
};

static void
py_begin(struct pycall *c)
{
	c->mp = NULL;
	c->t = mbuf__thread();
	c->had = c->t != NULL && c->t->has_error;
	if (c->t != NULL)
		c->t->has_error = 0;
}

static int
py_reported(const struct pycall *c)
{
	return c->t != NULL && c->t->has_error;
}

/* the call's result r, or MBUF_PY_VIOLATION if it reported one */
static int
py_end(struct pycall *c, int r)
{
	if (py_reported(c))
		return MBUF_PY_VIOLATION;
	if (c->t != NULL)
		c->t->has_error = c->had;
	return r;
}

/*
 * Take the chain out of cell mp: 0 and *m, or the reason there is none.
 * A head that is not a live mbuf (freed by C behind the packet's back) is
 * reported in the core's words and the cell emptied: the chain is gone.
 */
static int
py_take(struct pycall *c, struct mbuf **mp, struct mbuf **m, const char *fn)
{
	py_begin(c);
	if (mp == NULL) {
		mbuf__violation(fn, "NULL packet cell");
		return py_end(c, MBUF_PY_VIOLATION);
	}
	*m = *mp;
	if (*m == NULL)
		return py_end(c, MBUF_PY_FREED);
	if (*m == PY_BUSY)
		return py_end(c, MBUF_PY_BUSY);
	if (!live_or_report(*m, fn)) {
		*mp = NULL;
		return py_end(c, MBUF_PY_VIOLATION);
	}
	c->mp = mp;
	*mp = PY_BUSY;
	return 0;
}

/* put head m (NULL: the chain is gone) back in the cell; the result */
static int
py_put(struct pycall *c, struct mbuf *m, int r)
{
	*c->mp = m;
	return py_end(c, r);
}

/* an empty cell for a new chain, or a violation */
static int
py_empty_cell(struct mbuf **cell, const char *fn)
{
	if (cell != NULL && *cell == NULL)
		return 1;
	mbuf__violation(fn, "the cell for the new chain is %s",
	    cell == NULL ? "NULL" : "not empty");
	return 0;
}

/* the packet's length (pkthdr.len, or the sum of m_len); -1 if a member is not live */
static long
py_length(const struct mbuf *m, const char *fn)
{
	int64_t n = 0;	/* 64 bits: long is 32 on i386, and the sum may pass INT_MAX */
	int count = 0;

	if (m->m_flags & M_PKTHDR)
		return m->m_pkthdr.len;
	for (; m != NULL; m = m->m_next) {
		if (!live_or_report(m, fn))
			return -1;
		if (++count > CHAIN_MAX || (n += m->m_len) > INT_MAX) {
			mbuf__violation(fn, "chain too long (a cycle?)");
			return -1;
		}
	}
	return n;
}

/* Python slice bounds (negative: from the end) clamped to [0, len] */
static long
py_bound(long i, long len)
{
	if (i < 0 && (i += len) < 0)
		return 0;
	return i > len ? len : i;
}

/* the Python objects these calls return (the GIL is held or taken) */
static int
py_objects(void)
{
	pthread_once(&py_once, py_resolve);
	return py.objects_ok;
}

static void *
py_int(long v)
{
	int g = py.gil_ensure();
	void *o = py.long_new(v);

	py.gil_release(g);
	return o;
}

/* a new bytes object holding [off, off+len) of chain m; NULL: no memory */
static void *
py_bytes_of(struct mbuf *m, int off, int len)
{
	int g = py.gil_ensure();
	void *o = py.bytes_new(NULL, len);

	py.gil_release(g);
	if (o != NULL && len > 0)
		m_copydata(m, off, len, py.bytes_data(o));
	return o;
}

int
mbuf_py_init(void)
{
	mbuf__init();
	if (!py_objects() || !py.is_initialized())
		return -1;
	mbuf_set_panic_handler(mbuf_py_panic_handler);
	return 0;
}

void
mbuf_py_panic_handler(const char *func, const char *msg)
{
	/* the library has kept the message for mbuf_last_error() already */
	(void)func;
	(void)msg;
}

int
mbuf_py_from_bytes(struct mbuf **mp, const void *buf, int len, int how)
{
	struct pycall c;
	struct mbuf *m;

	py_begin(&c);
	if (!py_empty_cell(mp, "mbuf_py_from_bytes"))
		return py_end(&c, MBUF_PY_VIOLATION);
	m = mbuf_packet_from_bytes(buf, len, how);
	if (m == NULL)
		return py_end(&c, MBUF_PY_NOMEM);
	*mp = m;
	return py_end(&c, 0);
}

int
mbuf_py_attach(struct mbuf **mp, void *pyobj, int writable, int how)
{
	const char *fn = "mbuf_py_attach";
	struct py_owner *o;
	struct pycall c;
	struct mbuf *m;
	int g, rc, held;

	py_begin(&c);
	if (!py_empty_cell(mp, fn) || !how_ok(fn, how) || !py_ready(fn) ||
	    !py_objects())
		return py_end(&c, MBUF_PY_VIOLATION);
	if (pyobj == NULL || writable < -1 || writable > 1) {
		mbuf__violation(fn, "object %p, writable %d", pyobj, writable);
		return py_end(&c, MBUF_PY_VIOLATION);
	}
	if ((o = py_owner_new()) == NULL)
		return py_end(&c, MBUF_PY_NOMEM);
	held = py.gil_check();
	g = py.gil_ensure();
	rc = py.get_buffer(pyobj, &o->view,
	    writable == 1 ? PY_BUF_WRITABLE : PY_BUF_SIMPLE);
	/* called with the GIL (PyDLL), the caller raises Python's own error */
	if (rc != 0 && !held)
		py.err_clear();
	py.gil_release(g);
	if (rc != 0) {
		py_owner_release(o);
		if (held)
			return py_end(&c, MBUF_PY_PYERR);
		mbuf__violation(fn, "object %p exports no contiguous%s buffer",
		    pyobj, writable == 1 ? " writable" : "");
		return py_end(&c, MBUF_PY_VIOLATION);
	}
	if (o->view.len > INT_MAX) {
		mbuf__violation(fn, "buffer of %zd bytes (more than INT_MAX)",
		    o->view.len);
		py_owner_release(o);
		return py_end(&c, MBUF_PY_VIOLATION);
	}
	m = attach(o->view.buf, (size_t)o->view.len,
	    writable == -1 ? !o->view.readonly : writable, how, o);
	if (m == NULL)
		return py_end(&c, MBUF_PY_NOMEM);
	*mp = m;
	return py_end(&c, 0);
}

int
mbuf_py_adopt(struct mbuf **mp, struct mbuf *m)
{
	const char *fn = "mbuf_py_adopt";
	const struct mbuf *n;
	struct pycall c;
	int64_t total = 0;
	int count = 0;

	py_begin(&c);
	if (!py_empty_cell(mp, fn))
		return py_end(&c, MBUF_PY_VIOLATION);
	for (n = m; n != NULL || count == 0; n = n->m_next) {
		if (!live_or_report(n, fn))
			return py_end(&c, MBUF_PY_VIOLATION);
		if (++count > CHAIN_MAX || n->m_len < 0 ||
		    (total += n->m_len) > INT_MAX) {
			mbuf__violation(fn, "mbuf %p: m_len %d%s", (const void *)n,
			    n->m_len, count > CHAIN_MAX ? " (a cycle?)" : "");
			return py_end(&c, MBUF_PY_VIOLATION);
		}
		if (n != m && (n->m_flags & M_PKTHDR)) {
			mbuf__violation(fn, "mbuf %p in the middle of chain %p "
			    "has a packet header", (const void *)n, (void *)m);
			return py_end(&c, MBUF_PY_VIOLATION);
		}
	}
	if ((m->m_flags & M_PKTHDR) && m->m_pkthdr.len != total) {
		mbuf__violation(fn, "chain %p: pkthdr.len %d, but its mbufs hold "
		    "%ld bytes", (void *)m, m->m_pkthdr.len, total);
		return py_end(&c, MBUF_PY_VIOLATION);
	}
	*mp = m;
	return py_end(&c, 0);
}

int
mbuf_py_free(struct mbuf **mp)
{
	struct pycall c;
	struct mbuf *m;
	int r;

	if ((r = py_take(&c, mp, &m, "mbuf_py_free")) != 0)
		return r;
	*mp = NULL;		/* first: an ext_free's Python code sees it gone */
	m_freem(m);
	return py_end(&c, 0);
}

int
mbuf_py_len(struct mbuf **mp)
{
	struct pycall c;
	struct mbuf *m;
	long n;
	int r;

	if ((r = py_take(&c, mp, &m, "mbuf_py_len")) != 0)
		return r;
	n = py_length(m, "mbuf_py_len");
	return py_put(&c, m, n < 0 ? MBUF_PY_VIOLATION : (int)n);
}

/* [off, off+len) as bytes; off and len already checked against the chain */
static void *
py_read(struct pycall *c, struct mbuf *m, int off, int len)
{
	void *o = py_bytes_of(m, off, len);
	int r;

	*c->mp = m;
	if (o == NULL)
		return NULL;	/* Python's MemoryError is set */
	if ((r = py_end(c, 0)) != 0) {
		int g = py.gil_ensure();

		py.decref(o);
		py.gil_release(g);
		return py_int(r);
	}
	return o;
}

void *
mbuf_py_read(struct mbuf **mp, int off, int len)
{
	struct pycall c;
	struct mbuf *m;
	long plen;
	int r;

	if (!py_objects())
		return NULL;
	if ((r = py_take(&c, mp, &m, "mbuf_py_read")) != 0)
		return py_int(r);
	if ((plen = py_length(m, "mbuf_py_read")) < 0)
		return py_int(py_put(&c, m, MBUF_PY_VIOLATION));
	if (len < 0)
		return py_int(py_put(&c, m, MBUF_PY_VALUE));
	if (off < 0 || off > plen || len > plen - off)
		return py_int(py_put(&c, m, MBUF_PY_RANGE));
	return py_read(&c, m, off, len);
}

void *
mbuf_py_slice(struct mbuf **mp, int start, int stop)
{
	struct pycall c;
	struct mbuf *m;
	long plen, a, b;
	int r;

	if (!py_objects())
		return NULL;
	if ((r = py_take(&c, mp, &m, "mbuf_py_slice")) != 0)
		return py_int(r);
	if ((plen = py_length(m, "mbuf_py_slice")) < 0)
		return py_int(py_put(&c, m, MBUF_PY_VIOLATION));
	a = py_bound(start, plen);
	b = py_bound(stop, plen);
	return py_read(&c, m, (int)a, b > a ? (int)(b - a) : 0);
}

int
mbuf_py_byte(struct mbuf **mp, int i)
{
	struct pycall c;
	struct mbuf *m;
	unsigned char v = 0;
	long plen, at;
	int r;

	if ((r = py_take(&c, mp, &m, "mbuf_py_byte")) != 0)
		return r;
	if ((plen = py_length(m, "mbuf_py_byte")) < 0)
		return py_put(&c, m, MBUF_PY_VIOLATION);
	at = i < 0 ? (long)i + plen : i;
	if (at < 0 || at >= plen)
		return py_put(&c, m, MBUF_PY_RANGE);
	if (at < m->m_len && mbuf__data_ok(m))
		v = (unsigned char)m->m_data[at];
	else			/* checks what it reads: a violation sets the result */
		m_copydata(m, (int)at, 1, &v);
	return py_put(&c, m, v);
}

/* is [off, off+len) of chain m writable in place (no M_READONLY mbuf)? */
static int
py_writable(const struct mbuf *m, int off, int len)
{
	for (; m != NULL && len > 0; m = m->m_next) {
		if (!mbuf__mb_is_live(m))
			return 0;	/* m_makewritable reports it */
		if (off >= m->m_len) {
			off -= m->m_len;
			continue;
		}
		if (M_READONLY(m))
			return 0;
		len -= m->m_len - off;
		off = 0;
	}
	return 1;
}

/*
 * Write buf[0, len) at off of the chain in *mp: copy-on-write of shared or
 * read-only storage first (m_makewritable, which keeps the chain on
 * failure), then m_copyback, which extends the chain past its end when
 * extend is set.  plen: the chain's length.
 */
static int
py_write(struct pycall *c, struct mbuf **mp, long plen, long off,
    const void *buf, int len, int extend, int how)
{
	long inside;

	if (len < 0)
		return MBUF_PY_VALUE;
	if (off < 0 || (!extend && (off > plen || len > plen - off)))
		return MBUF_PY_RANGE;
	if (len == 0)
		return 0;
	if ((int64_t)off + len > INT_MAX)
		return MBUF_PY_VALUE;
	inside = off < plen ? (len < plen - off ? len : plen - off) : 0;
	if (inside > 0 && !py_writable(*mp, (int)off, (int)inside) &&
	    m_makewritable(mp, (int)off, (int)inside, how) != 0)
		return py_reported(c) ? MBUF_PY_VIOLATION : MBUF_PY_NOMEM;
	m_copyback(*mp, (int)off, len, buf);
	if (py_reported(c))
		return MBUF_PY_VIOLATION;
	if (off + len > plen && py_length(*mp, "mbuf_py_write") < off + len)
		return MBUF_PY_NOMEM;	/* m_copyback could not extend it */
	return 0;
}

int
mbuf_py_write(struct mbuf **mp, int off, const void *buf, int len, int extend,
    int how)
{
	struct pycall c;
	struct mbuf *m;
	long plen;
	int r;

	if ((r = py_take(&c, mp, &m, "mbuf_py_write")) != 0)
		return r;
	if ((plen = py_length(m, "mbuf_py_write")) < 0)
		return py_put(&c, m, MBUF_PY_VIOLATION);
	if (buf == NULL && len > 0)
		return py_put(&c, m, MBUF_PY_VALUE);
	r = py_write(&c, &m, plen, off, buf, len, extend, how);
	return py_put(&c, m, r);
}

int
mbuf_py_setbyte(struct mbuf **mp, int i, int v, int how)
{
	struct pycall c;
	struct mbuf *m;
	unsigned char b = (unsigned char)v;
	long plen, at;
	int r;

	if ((r = py_take(&c, mp, &m, "mbuf_py_setbyte")) != 0)
		return r;
	if ((plen = py_length(m, "mbuf_py_setbyte")) < 0)
		return py_put(&c, m, MBUF_PY_VIOLATION);
	if (v < 0 || v > 255)
		return py_put(&c, m, MBUF_PY_VALUE);
	at = i < 0 ? (long)i + plen : i;
	if (at < 0 || at >= plen)
		return py_put(&c, m, MBUF_PY_RANGE);
	r = py_write(&c, &m, plen, at, &b, 1, 0, how);
	return py_put(&c, m, r);
}

int
mbuf_py_setslice(struct mbuf **mp, int start, int stop, const void *buf,
    int len, int how)
{
	struct pycall c;
	struct mbuf *m;
	long plen, a, b;
	int r;

	if ((r = py_take(&c, mp, &m, "mbuf_py_setslice")) != 0)
		return r;
	if ((plen = py_length(m, "mbuf_py_setslice")) < 0)
		return py_put(&c, m, MBUF_PY_VIOLATION);
	a = py_bound(start, plen);
	b = py_bound(stop, plen);
	if ((b > a ? b - a : 0) != len || (buf == NULL && len > 0))
		return py_put(&c, m, MBUF_PY_VALUE);
	r = py_write(&c, &m, plen, a, buf, len, 0, how);
	return py_put(&c, m, r);
}

int
mbuf_py_adj(struct mbuf **mp, int n)
{
	struct pycall c;
	struct mbuf *m;
	int r;

	if ((r = py_take(&c, mp, &m, "mbuf_py_adj")) != 0)
		return r;
	m_adj(m, n == INT_MIN ? -INT_MAX : n);
	return py_put(&c, m, 0);
}

int
mbuf_py_prepend(struct mbuf **mp, const void *buf, int len, int how)
{
	struct pycall c;
	struct mbuf *m, *m0;
	int r;

	if ((r = py_take(&c, mp, &m, "mbuf_py_prepend")) != 0)
		return r;
	if (len < 0 || len > MHLEN || (buf == NULL && len > 0))
		return py_put(&c, m, MBUF_PY_VALUE);
	m0 = m;
	M_PREPEND(m, len, how);
	if (m == NULL)		/* a violation leaves the chain; ENOBUFS frees it */
		return py_put(&c, py_reported(&c) ? m0 : NULL, MBUF_PY_NOMEM);
	if (len > 0)
		memcpy(mtod(m, char *), buf, (size_t)len);
	return py_put(&c, m, 0);
}

int
mbuf_py_pullup(struct mbuf **mp, int len)
{
	struct pycall c;
	struct mbuf *m, *r0;
	long plen;
	int r;

	if ((r = py_take(&c, mp, &m, "mbuf_py_pullup")) != 0)
		return r;
	if ((plen = py_length(m, "mbuf_py_pullup")) < 0)
		return py_put(&c, m, MBUF_PY_VIOLATION);
	if (len < 0 || len > MHLEN)
		return py_put(&c, m, MBUF_PY_VALUE);
	if (len > plen)
		return py_put(&c, m, MBUF_PY_RANGE);
	if (m->m_len >= len)	/* the usual idiom: already contiguous */
		return py_put(&c, m, 0);
	if ((r0 = m_pullup(m, len)) == NULL)
		return py_put(&c, py_reported(&c) ? m : NULL, MBUF_PY_NOMEM);
	return py_put(&c, r0, 0);
}

int
mbuf_py_pulldown(struct mbuf **mp, int off, int len, struct mbuf **where)
{
	struct pycall c;
	struct mbuf *m, *r0;
	long plen;
	int r, offp = 0;

	if ((r = py_take(&c, mp, &m, "mbuf_py_pulldown")) != 0)
		return r;
	if (where == NULL) {
		mbuf__violation("mbuf_py_pulldown", "NULL result pointer");
		return py_put(&c, m, MBUF_PY_VIOLATION);
	}
	if ((plen = py_length(m, "mbuf_py_pulldown")) < 0)
		return py_put(&c, m, MBUF_PY_VIOLATION);
	if (len < 0 || len > MCLBYTES)
		return py_put(&c, m, MBUF_PY_VALUE);
	if (off < 0 || off > plen || len > plen - off)
		return py_put(&c, m, MBUF_PY_RANGE);
	if ((r0 = m_pulldown(m, off, len, &offp)) == NULL)
		return py_put(&c, py_reported(&c) ? m : NULL, MBUF_PY_NOMEM);
	*where = r0;
	return py_put(&c, m, offp);
}

int
mbuf_py_split(struct mbuf **mp, int off, int how, struct mbuf **tail)
{
	const char *fn = "mbuf_py_split";
	struct pycall c;
	struct mbuf *m, *t;
	long plen;
	int r;

	if ((r = py_take(&c, mp, &m, fn)) != 0)
		return r;
	if (!py_empty_cell(tail, fn) || (plen = py_length(m, fn)) < 0)
		return py_put(&c, m, MBUF_PY_VIOLATION);
	if (off < 0 || off > plen)
		return py_put(&c, m, MBUF_PY_RANGE);
	if (off == plen) {
		/* nothing to cut: an empty tail (m_split returns none) */
		t = mbuf_packet_from_bytes(NULL, 0, how);
		if (t != NULL && (m->m_flags & M_PKTHDR))
			t->m_pkthdr.rcvif = m->m_pkthdr.rcvif;
	} else
		t = m_split(m, off, how);
	if (t == NULL)
		return py_put(&c, m, MBUF_PY_NOMEM);
	*tail = t;
	return py_put(&c, m, 0);
}

int
mbuf_py_copy(struct mbuf **mp, int off, int len, int how, int deep,
    struct mbuf **out)
{
	const char *fn = "mbuf_py_copy";
	struct pycall c;
	struct mbuf *m, *n;
	long plen, want;
	int r;

	if ((r = py_take(&c, mp, &m, fn)) != 0)
		return r;
	if (!py_empty_cell(out, fn) || (plen = py_length(m, fn)) < 0)
		return py_put(&c, m, MBUF_PY_VIOLATION);
	if (len < 0)
		return py_put(&c, m, MBUF_PY_VALUE);
	if (off < 0 || off > plen ||
	    (len != M_COPYALL && len > plen - off))
		return py_put(&c, m, MBUF_PY_RANGE);
	want = len == M_COPYALL ? plen - off : len;
	if (want == 0) {
		/* m_copym copies nothing into no chain: an empty packet */
		n = mbuf_packet_from_bytes(NULL, 0, how);
		if (n != NULL && off == 0 && (m->m_flags & M_PKTHDR)) {
			M_COPY_PKTHDR(n, m);
			n->m_pkthdr.len = 0;
		}
	} else
		n = deep ? m_dup(m, off, len, how) : m_copym(m, off, len, how);
	if (n == NULL)
		return py_put(&c, m, MBUF_PY_NOMEM);
	*out = n;
	return py_put(&c, m, 0);
}

int
mbuf_py_cat(struct mbuf **mp, struct mbuf **np)
{
	const char *fn = "mbuf_py_cat";
	struct pycall c;
	struct mbuf *m, *n;
	long nlen;
	int r;

	if ((r = py_take(&c, mp, &m, fn)) != 0)
		return r;
	if (np == NULL) {
		mbuf__violation(fn, "NULL packet cell");
		return py_put(&c, m, MBUF_PY_VIOLATION);
	}
	if ((n = *np) == NULL || n == PY_BUSY)
		return py_put(&c, m, n == NULL ? MBUF_PY_FREED : MBUF_PY_BUSY);
	if (!live_or_report(n, fn)) {
		*np = NULL;
		return py_put(&c, m, MBUF_PY_VIOLATION);
	}
	if (n == m)
		return py_put(&c, m, MBUF_PY_VALUE);
	if ((nlen = py_length(n, fn)) < 0)
		return py_put(&c, m, MBUF_PY_VIOLATION);
	*np = PY_BUSY;
	/* the appended chain is data now: its header and tags go */
	if (n->m_flags & M_PKTHDR) {
		if (SLIST_FIRST(&n->m_pkthdr.tags) != NULL)
			m_tag_delete_chain(n, NULL);
		n->m_flags &= ~M_PKTHDR;
	}
	m_cat(m, n);
	*np = NULL;
	if (m->m_flags & M_PKTHDR)
		m->m_pkthdr.len += (int)nlen;
	return py_put(&c, m, 0);
}

int
mbuf_py_tag_set(struct mbuf **mp, int type, const void *buf, int len)
{
	struct pycall c;
	struct mbuf *m;
	int r;

	if ((r = py_take(&c, mp, &m, "mbuf_py_tag_set")) != 0)
		return r;
	r = mbuf_tag_set(m, type, buf, len);
	return py_put(&c, m, r == ENOMEM ? MBUF_PY_NOMEM :
	    r != 0 ? MBUF_PY_VIOLATION : 0);
}

/* the first tag of type on header mbuf m, or NULL (a walk in C, no crossing) */
static struct m_tag *
py_tag_find(struct mbuf *m, int type)
{
	struct m_tag *t;

	if ((m->m_flags & M_PKTHDR) == 0)
		return NULL;
	SLIST_FOREACH(t, &m->m_pkthdr.tags, m_tag_link)
		if (t->m_tag_id == type)
			return t;
	return NULL;
}

void *
mbuf_py_tag_get(struct mbuf **mp, int type)
{
	struct pycall c;
	struct mbuf *m;
	struct m_tag *t;
	void *o;
	int r, g;

	if (!py_objects())
		return NULL;
	if ((r = py_take(&c, mp, &m, "mbuf_py_tag_get")) != 0)
		return py_int(r);
	if ((t = py_tag_find(m, type)) == NULL)
		return py_int(py_put(&c, m, MBUF_PY_NOTFOUND));
	g = py.gil_ensure();
	o = py.bytes_new((const char *)(t + 1), t->m_tag_len);
	py.gil_release(g);
	py_put(&c, m, 0);
	return o;
}

int
mbuf_py_tag_delete(struct mbuf **mp, int type)
{
	struct pycall c;
	struct mbuf *m;
	struct m_tag *t;
	int r, n = 0;

	if ((r = py_take(&c, mp, &m, "mbuf_py_tag_delete")) != 0)
		return r;
	while ((t = py_tag_find(m, type)) != NULL && !py_reported(&c)) {
		m_tag_delete(m, t);
		n++;
	}
	return py_put(&c, m, n);
}

void *
mbuf_py_tags(struct mbuf **mp)
{
	struct pycall c;
	struct mbuf *m;
	struct m_tag *t;
	void *tuple, *pair, *id, *payload;
	ssize_t n = 0, i = 0;
	int r, g;

	if (!py_objects())
		return NULL;
	if ((r = py_take(&c, mp, &m, "mbuf_py_tags")) != 0)
		return py_int(r);
	if (m->m_flags & M_PKTHDR)
		SLIST_FOREACH(t, &m->m_pkthdr.tags, m_tag_link)
			n++;
	g = py.gil_ensure();
	tuple = py.tuple_new(n);
	for (t = n > 0 ? SLIST_FIRST(&m->m_pkthdr.tags) : NULL;
	    t != NULL && tuple != NULL; t = SLIST_NEXT(t, m_tag_link)) {
		pair = py.tuple_new(2);
		id = py.long_new(t->m_tag_id);
		payload = py.bytes_new((const char *)(t + 1), t->m_tag_len);
		if (pair == NULL || id == NULL || payload == NULL) {
			if (pair != NULL)
				py.decref(pair);
			if (id != NULL)
				py.decref(id);
			if (payload != NULL)
				py.decref(payload);
			py.decref(tuple);
			tuple = NULL;	/* Python's MemoryError is set */
			break;
		}
		py.tuple_set(pair, 0, id);		/* steals */
		py.tuple_set(pair, 1, payload);
		py.tuple_set(tuple, i++, pair);
	}
	py.gil_release(g);
	py_put(&c, m, 0);
	return tuple;
}

static void
py_info(const struct mbuf *m, int index, int64_t offset, struct mbuf_py_info *out)
{
	memset(out, 0, sizeof(*out));
	out->m = (void *)(uintptr_t)m;
	out->data = m->m_data;
	out->len = m->m_len;
	out->flags = m->m_flags;
	out->type = m->m_type;
	out->index = index;
	out->offset = offset > INT_MAX ? INT_MAX : (int)offset;
	out->refcount = (m->m_flags & M_EXT) ? (int)m->m_ext.ext_refcnt : 0;
	out->readonly = M_READONLY(m) != 0;
	out->leading = (int)M_LEADINGSPACE(m);
	out->trailing = (int)M_TRAILINGSPACE(m);
}

int
mbuf_py_mbufs(struct mbuf **mp, const struct mbuf *which,
    struct mbuf_py_info *out, int max)
{
	const char *fn = "mbuf_py_mbufs";
	struct pycall c;
	struct mbuf *m;
	const struct mbuf *n;
	int64_t offset = 0;
	int r, count = 0;

	if ((r = py_take(&c, mp, &m, fn)) != 0)
		return r;
	if (max < 0 || (out == NULL && max > 0)) {
		mbuf__violation(fn, "out %p, max %d", (void *)out, max);
		return py_put(&c, m, MBUF_PY_VIOLATION);
	}
	for (n = m; n != NULL; n = n->m_next) {
		if (!live_or_report(n, fn))
			return py_put(&c, m, MBUF_PY_VIOLATION);
		if (count >= CHAIN_MAX) {
			mbuf__violation(fn, "chain too long (a cycle?)");
			return py_put(&c, m, MBUF_PY_VIOLATION);
		}
		if (which == n) {
			if (max > 0)
				py_info(n, count, offset, out);
			return py_put(&c, m, count);
		}
		if (which == NULL && count < max)
			py_info(n, count, offset, &out[count]);
		offset += n->m_len;
		count++;
	}
	return py_put(&c, m, which != NULL ? MBUF_PY_NOTFOUND : count);
}

int
mbuf_py_header(struct mbuf **mp, struct mbuf_py_header *out)
{
	struct pycall c;
	struct mbuf *m;
	struct m_tag *t;
	int r;

	if ((r = py_take(&c, mp, &m, "mbuf_py_header")) != 0)
		return r;
	if (out == NULL) {
		mbuf__violation("mbuf_py_header", "NULL out");
		return py_put(&c, m, MBUF_PY_VIOLATION);
	}
	memset(out, 0, sizeof(*out));
	out->flags = m->m_flags;
	out->type = m->m_type;
	out->len = -1;
	if (m->m_flags & M_PKTHDR) {
		out->rcvif = m->m_pkthdr.rcvif;
		out->len = m->m_pkthdr.len;
		out->csum_flags = m->m_pkthdr.csum_flags;
		out->csum_data = m->m_pkthdr.csum_data;
		out->segsz = m->m_pkthdr.segsz;
		SLIST_FOREACH(t, &m->m_pkthdr.tags, m_tag_link)
			out->ntags++;
	}
	return py_put(&c, m, 0);
}

int
mbuf_py_set_header(struct mbuf **mp, int field, unsigned int value)
{
	struct pycall c;
	struct mbuf *m;
	int r;

	if ((r = py_take(&c, mp, &m, "mbuf_py_set_header")) != 0)
		return r;
	if (field == MBUF_PY_FLAGS) {
		if ((value ^ (unsigned int)m->m_flags) & ~MBUF_PY_SETTABLE_FLAGS)
			return py_put(&c, m, MBUF_PY_VALUE);
		m->m_flags = (int)value;
		return py_put(&c, m, 0);
	}
	if ((m->m_flags & M_PKTHDR) == 0)
		return py_put(&c, m, MBUF_PY_NOTFOUND);
	switch (field) {
	case MBUF_PY_CSUM_FLAGS:
		m->m_pkthdr.csum_flags = (int)value;
		break;
	case MBUF_PY_CSUM_DATA:
		m->m_pkthdr.csum_data = value;
		break;
	case MBUF_PY_SEGSZ:
		m->m_pkthdr.segsz = value;
		break;
	default:
		return py_put(&c, m, MBUF_PY_VALUE);
	}
	return py_put(&c, m, 0);
}

int
mbuf_py_views(struct mbuf **mp, int off, int len, int how, struct mbuf **keep,
    struct iovec *iov, int maxiov)
{
	const char *fn = "mbuf_py_views";
	struct pycall c;
	struct mbuf *m, *n, *k;
	long plen;
	int r, count = 0;

	if ((r = py_take(&c, mp, &m, fn)) != 0)
		return r;
	if (!py_empty_cell(keep, fn) || (plen = py_length(m, fn)) < 0)
		return py_put(&c, m, MBUF_PY_VIOLATION);
	if (maxiov < 0 || (iov == NULL && maxiov > 0)) {
		mbuf__violation(fn, "iov %p, maxiov %d", (void *)iov, maxiov);
		return py_put(&c, m, MBUF_PY_VIOLATION);
	}
	if (len < 0)
		return py_put(&c, m, MBUF_PY_VALUE);
	if (off < 0 || off > plen || (len != M_COPYALL && len > plen - off))
		return py_put(&c, m, MBUF_PY_RANGE);
	if ((len == M_COPYALL ? plen - off : len) == 0)
		return py_put(&c, m, 0);
	/* the views' own reference: a copy sharing the storage */
	if ((k = m_copym(m, off, len, how)) == NULL)
		return py_put(&c, m, MBUF_PY_NOMEM);
	for (n = k; n != NULL; n = n->m_next)
		if (n->m_len > 0)
			count++;
	if (count > maxiov) {
		m_freem(k);
		return py_put(&c, m, count);
	}
	if (m_to_iovec(k, iov, maxiov) != count) {
		m_freem(k);
		return py_put(&c, m, MBUF_PY_VIOLATION);
	}
	*keep = k;
	return py_put(&c, m, count);
}

/*
 * Read-only memoryviews of a packet's storage (Packet.view, buffers).
 *
 * A memoryview needs an object that exports the memory.  A ctypes array
 * at the address would do, but it is writable and reachable as the
 * memoryview's .obj: Python code could write through it behind
 * copy-on-write's back, or into storage lent by an immutable object
 * (from_buffer(b"...")).  So the exporter is a small type of our own whose
 * buffer is read-only, made once with PyType_FromSpec.  The first piece's
 * exporter owns the views' reference on the storage (an m_copym of the
 * range, as mbuf_py_views takes); the other pieces hold a reference on
 * that exporter, so the storage stays until the last memoryview goes.
 */
struct py_storage {			/* after the object's header */
	void		*head;		/* the piece that owns keep, or NULL */
	struct mbuf	*keep;		/* the reference on the storage */
	void		*buf;
	ssize_t		len;
};

struct py_type_slot {			/* PyType_Slot */
	int		slot;
	void		*fn;
};

struct py_type_spec {			/* PyType_Spec */
	const char		*name;
	int			basicsize;
	int			itemsize;
	unsigned int		flags;
	struct py_type_slot	*slots;
};

#define	PY_BF_GETBUFFER		1		/* typeslots.h */
#define	PY_TP_DEALLOC		52
#define	PY_TPFLAGS_DEFAULT	(1U << 18)	/* HAVE_VERSION_TAG */
#define	PY_TPFLAGS_NO_NEW	(1U << 7)	/* DISALLOW_INSTANTIATION */

static void		*py_storage_type;	/* made with the GIL held */
static ssize_t		py_object_head;		/* object.__basicsize__ */

/* our fields of exporter o: after the header, whose size differs between
 * builds of CPython (free-threaded ones have a larger one) */
static struct py_storage *
py_storage_of(void *o)
{
	return (struct py_storage *)((char *)o + py_object_head);
}

static int
py_storage_getbuffer(void *self, struct py_buffer *view, int flags)
{
	struct py_storage *s = py_storage_of(self);

	/* readonly 1: a request for a writable buffer raises BufferError */
	return py.fill_info(view, self, s->buf, s->len, 1, flags);
}

static void
py_storage_dealloc(void *self)
{
	struct py_storage *s = py_storage_of(self);

	if (s->keep != NULL)
		m_freem(s->keep);
	if (s->head != NULL)
		py.decref(s->head);
	py.object_free(self);
	py.decref(py_storage_type);	/* each instance holds a reference */
}

/* the exporter type, made at the first call; 0 or -1 (an exception set) */
static int
py_storage_ready(void)
{
	static struct py_type_slot slots[] = {
		{ PY_BF_GETBUFFER, (void *)py_storage_getbuffer },
		{ PY_TP_DEALLOC, (void *)py_storage_dealloc },
		{ 0, NULL },
	};
	static struct py_type_spec spec = {
		"mbuf.Storage", 0, 0, PY_TPFLAGS_DEFAULT | PY_TPFLAGS_NO_NEW,
		slots,
	};
	void *size;

	if (py_storage_type != NULL)
		return 0;
	if ((size = py.getattr(py.base_object, "__basicsize__")) == NULL)
		return -1;
	py_object_head = py.long_value(size);
	py.decref(size);
	if (py_object_head < 0)
		return -1;	/* PyLong_AsSsize_t set the error */
	spec.basicsize = (int)(py_object_head + sizeof(struct py_storage));
	py_storage_type = py.type_from_spec(&spec);
	return py_storage_type != NULL ? 0 : -1;
}

/* a list of read-only memoryviews of the count pieces of chain k, which
 * the list's objects own from now on; NULL: Python's exception is set */
static void *
py_storage_list(struct mbuf *k, int count)
{
	void *list, *mv, *head = NULL, *o;
	struct py_storage *s;
	struct mbuf *n;
	int i = 0;

	if (py_storage_ready() != 0 || (list = py.list_new(count)) == NULL) {
		m_freem(k);
		return NULL;
	}
	for (n = k; n != NULL && i < count; n = n->m_next) {
		if (n->m_len <= 0)
			continue;
		if ((o = py.generic_alloc(py_storage_type, 0)) == NULL)
			goto fail;
		s = py_storage_of(o);
		s->buf = mtod(n, void *);
		s->len = n->m_len;
		if (head == NULL) {
			s->keep = k;		/* o owns the storage now */
			head = o;
		} else {
			py.incref(head);
			s->head = head;
		}
		mv = py.memoryview_of(o);
		py.decref(o);			/* the memoryview holds it */
		if (mv == NULL)
			goto fail;
		py.list_set(list, i++, mv);	/* steals */
	}
	return list;
fail:
	if (head == NULL)
		m_freem(k);
	py.decref(list);	/* and the views made so far, and keep with them */
	return NULL;
}

void *
mbuf_py_memoryviews(struct mbuf **mp, int off, int len, int how, int max)
{
	const char *fn = "mbuf_py_memoryviews";
	struct pycall c;
	struct mbuf *m, *k, *n;
	long plen;
	int r, g, count = 0;
	void *list;

	if (!py_objects() || !py.views_ok)
		return NULL;
	if ((r = py_take(&c, mp, &m, fn)) != 0)
		return py_int(r);
	if ((plen = py_length(m, fn)) < 0)
		return py_int(py_put(&c, m, MBUF_PY_VIOLATION));
	if (len < 0 || max < 0)
		return py_int(py_put(&c, m, MBUF_PY_VALUE));
	if (off < 0 || off > plen || (len != M_COPYALL && len > plen - off))
		return py_int(py_put(&c, m, MBUF_PY_RANGE));
	k = NULL;
	if ((len == M_COPYALL ? plen - off : len) > 0 &&
	    (k = m_copym(m, off, len, how)) == NULL)
		return py_int(py_put(&c, m, MBUF_PY_NOMEM));
	for (n = k; n != NULL; n = n->m_next)
		if (n->m_len > 0)
			count++;
	if (max > 0 && count > max) {
		m_freem(k);
		return py_int(py_put(&c, m, count));
	}
	/* the packet goes back first: building objects can run finalizers */
	if ((r = py_put(&c, m, 0)) != 0) {
		m_freem(k);
		return py_int(r);
	}
	g = py.gil_ensure();
	list = py_storage_list(k, count);
	py.gil_release(g);
	return list;
}
