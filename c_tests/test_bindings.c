/*
 * The calls made for bindings (capi/mbufc/python_helpers.c), from C: building a
 * packet from bytes and reading it back in one call each, replacing
 * tags, and the Python-owned storage calls in a process without Python
 * (they must refuse cleanly).
 */
#include <errno.h>
#include <limits.h>

#include "testutil.h"

static int violations;
static char last[400];

static void
record(const char *func, const char *msg)
{
	violations++;
	snprintf(last, sizeof(last), "%s: %s", func, msg);
}

static void
roundtrip(int len)
{
	static unsigned char in[9000], out[9000];
	struct mbuf *m, *n;
	int i, sum = 0;

	for (i = 0; i < len; i++)
		in[i] = (unsigned char)(i * 7 + len);
	m = mbuf_packet_from_bytes(in, len, M_DONTWAIT);
	CHECK(m != NULL);
	if (m == NULL)
		return;
	CHECK(m->m_flags & M_PKTHDR);
	CHECK_EQ(m->m_pkthdr.len, len);
	for (n = m; n != NULL; n = n->m_next) {
		CHECK(n == m || !(n->m_flags & M_PKTHDR));
		/* the first mbuf is a cluster as soon as MHLEN is too small */
		if (n == m)
			CHECK_EQ((n->m_flags & M_EXT) != 0, len > MHLEN);
		sum += n->m_len;
	}
	CHECK_EQ(sum, len);
	memset(out, 0, sizeof(out));
	CHECK_EQ(mbuf_packet_to_bytes(m, out, (int)sizeof(out)), len);
	CHECK(memcmp(in, out, (size_t)len) == 0);
	/* a short buffer gets a prefix; the return value is still the length */
	if (len > 10) {
		memset(out, 0, sizeof(out));
		CHECK_EQ(mbuf_packet_to_bytes(m, out, 10), len);
		CHECK(memcmp(in, out, 10) == 0 && out[10] == 0);
	}
	m_freem(m);
}

static void
test_tags(void)
{
	struct mbuf *m = mbuf_packet_from_bytes("abc", 3, M_DONTWAIT);
	struct m_tag *t;
	int n = 0;

	CHECK_EQ(mbuf_tag_set(m, PACKET_TAG_VLAN, "\x00\x2a", 2), 0);
	CHECK_EQ(mbuf_tag_set(m, 99, "one", 3), 0);
	CHECK_EQ(mbuf_tag_set(m, 99, "second", 6), 0);	/* replaces */
	for (t = m_tag_first(m); t != NULL; t = m_tag_next(m, t))
		n++;
	CHECK_EQ(n, 2);
	t = m_tag_find(m, 99, NULL);
	CHECK(t != NULL && t->m_tag_len == 6 && memcmp(t + 1, "second", 6) == 0);
	t = m_tag_find(m, PACKET_TAG_VLAN, NULL);
	CHECK(t != NULL && t->m_tag_len == 2);
	m_freem(m);
}

static void
test_violations(void)
{
	struct mbuf *m = mbuf_packet_from_bytes("abc", 3, M_DONTWAIT);
	struct mbuf *p = m_get(M_DONTWAIT, MT_DATA);
	char buf[8];

	mbuf_set_panic_handler(record);
	violations = 0;
	CHECK(mbuf_packet_from_bytes(NULL, 5, M_DONTWAIT) == NULL);
	CHECK(strstr(last, "mbuf_packet_from_bytes") != NULL);
	CHECK(mbuf_packet_from_bytes("x", -1, M_DONTWAIT) == NULL);
	CHECK(mbuf_packet_from_bytes("x", 1, 5) == NULL);
	CHECK(strstr(last, "bad how 5") != NULL);
	CHECK_EQ(mbuf_packet_to_bytes(m, buf, -1), -1);
	CHECK_EQ(mbuf_packet_to_bytes(NULL, buf, 8), -1);
	CHECK_EQ(mbuf_tag_set(m, 1, NULL, 4), -1);
	CHECK_EQ(mbuf_tag_set(p, 1, "x", 1), -1);	/* no packet header */
	CHECK(strstr(last, "no packet header") != NULL);
	/* no Python in this process: the Python calls refuse */
	CHECK(mbuf_attach_pybuffer(buf, 0, M_DONTWAIT) == NULL);
	CHECK(strstr(last, "no Python interpreter") != NULL);
	CHECK(mbuf_attach_pyobject(buf, 8, buf, 0, M_DONTWAIT) == NULL);
	CHECK_EQ(violations, 9);
	CHECK_EQ(mbuf_handles_live(), 0);
	m_free(p);
	/* a freed chain is reported, not read */
	m_freem(m);
	violations = 0;
	CHECK_EQ(mbuf_packet_to_bytes(m, buf, 8), -1);
	CHECK_EQ(violations, 1);
	CHECK(strstr(last, "mbuf_packet_to_bytes") != NULL);
	mbuf_set_panic_handler(NULL);
}

/*
 * The Packet calls (mbuf_py_*) from C: they need no Python except where
 * they make Python objects.  A cell holds the chain; each call takes it,
 * works, and puts the new head back.
 */
static void
test_packet_cells(void)
{
	static char data[3000];
	struct mbuf *cell = NULL, *copy = NULL, *tail = NULL, *keep = NULL;
	struct mbuf *busy = (struct mbuf *)1, *where = NULL;
	struct mbuf_py_info info[4];
	struct mbuf_py_header hdr;
	struct iovec iov[4];
	int i;

	for (i = 0; i < (int)sizeof(data); i++)
		data[i] = (char)i;
	CHECK_EQ(mbuf_py_init(), -1);		/* no Python here */
	CHECK(mbuf_py_read(&cell, 0, 1) == NULL);
	mbuf_set_panic_handler(record);
	violations = 0;

	CHECK_EQ(mbuf_py_from_bytes(&cell, data, 3000, M_DONTWAIT), 0);
	CHECK_EQ(mbuf_py_len(&cell), 3000);
	CHECK_EQ(mbuf_py_byte(&cell, -1), (unsigned char)data[2999]);
	CHECK_EQ(mbuf_py_byte(&cell, 3000), MBUF_PY_RANGE);
	CHECK_EQ(mbuf_py_mbufs(&cell, NULL, info, 4), 2);
	CHECK(info[0].len == 2048 && info[1].offset == 2048 && !info[0].readonly);

	/* a shared copy: writes copy on write, the copy keeps its bytes */
	CHECK_EQ(mbuf_py_copy(&cell, 0, M_COPYALL, M_DONTWAIT, 0, &copy), 0);
	CHECK_EQ(mbuf_py_mbufs(&cell, NULL, info, 4), 2);
	CHECK(info[0].refcount == 2 && info[0].readonly);
	CHECK_EQ(mbuf_py_setbyte(&cell, 10, 0xee, M_DONTWAIT), 0);
	CHECK_EQ(mbuf_py_byte(&cell, 10), 0xee);
	CHECK_EQ(mbuf_py_byte(&copy, 10), 10);
	CHECK_EQ(mbuf_py_setslice(&cell, 0, 4, "abc", 3, M_DONTWAIT), MBUF_PY_VALUE);
	CHECK_EQ(mbuf_py_write(&cell, 3000, "end", 3, 1, M_DONTWAIT), 0);
	CHECK_EQ(mbuf_py_len(&cell), 3003);

	/* views: an m_copym of the range, one piece per mbuf */
	CHECK_EQ(mbuf_py_views(&copy, 2040, 16, M_DONTWAIT, &keep, iov, 4), 2);
	CHECK(keep != NULL && iov[0].iov_len == 8 && iov[1].iov_len == 8);
	CHECK(memcmp(iov[1].iov_base, data + 2048, 8) == 0);
	CHECK_EQ(mbuf_py_free(&copy), 0);	/* the view's reference remains */
	CHECK(copy == NULL && memcmp(iov[0].iov_base, data + 2040, 8) == 0);
	CHECK_EQ(mbuf_py_free(&keep), 0);
	CHECK_EQ(mbuf_py_views(&cell, 2040, 16, M_DONTWAIT, &keep, iov, 1), 2);
	CHECK(keep == NULL);			/* too many pieces: nothing kept */

	/* split, cat, pullup, pulldown, prepend, adj through the cells */
	CHECK_EQ(mbuf_py_split(&cell, 100, M_DONTWAIT, &tail), 0);
	CHECK_EQ(mbuf_py_len(&cell), 100);
	CHECK_EQ(mbuf_py_len(&tail), 2903);
	CHECK_EQ(mbuf_py_cat(&cell, &tail), 0);
	CHECK(tail == NULL && mbuf_py_len(&cell) == 3003);
	CHECK_EQ(mbuf_py_pullup(&cell, MHLEN + 1), MBUF_PY_VALUE);
	CHECK_EQ(mbuf_py_pulldown(&cell, 2000, 100, &where), 0);
	CHECK(where != NULL && where->m_len >= 100);
	CHECK_EQ(mbuf_py_prepend(&cell, "HDR", 3, M_DONTWAIT), 0);
	CHECK_EQ(mbuf_py_byte(&cell, 0), 'H');
	CHECK_EQ(mbuf_py_adj(&cell, 3), 0);
	CHECK_EQ(mbuf_py_tag_set(&cell, 7, "tag", 3), 0);
	CHECK_EQ(mbuf_py_tag_delete(&cell, 7), 1);
	CHECK_EQ(mbuf_py_set_header(&cell, MBUF_PY_FLAGS, M_PKTHDR | M_BCAST), 0);
	CHECK_EQ(mbuf_py_set_header(&cell, MBUF_PY_FLAGS, M_PKTHDR | M_EXT), MBUF_PY_VALUE);
	CHECK_EQ(mbuf_py_header(&cell, &hdr), 0);
	CHECK(hdr.len == 3003 && (hdr.flags & M_BCAST));
	CHECK_EQ(violations, 0);

	/* a busy cell is refused, not read; an emptied one says so */
	CHECK_EQ(mbuf_py_len(&busy), MBUF_PY_BUSY);
	CHECK_EQ(mbuf_py_free(&cell), 0);
	CHECK(cell == NULL);
	CHECK_EQ(mbuf_py_len(&cell), MBUF_PY_FREED);
	CHECK_EQ(mbuf_py_free(&cell), MBUF_PY_FREED);

	/* a chain freed behind the cell's back is reported and the cell emptied */
	mbuf_clear_error();
	cell = m_gethdr(M_DONTWAIT, MT_DATA);
	m_freem(cell);
	CHECK_EQ(mbuf_py_len(&cell), MBUF_PY_VIOLATION);
	CHECK(cell == NULL && strstr(mbuf_last_error(), "not allocated") != NULL);
	CHECK_EQ(mbuf_py_adopt(&cell, (struct mbuf *)12345), MBUF_PY_VIOLATION);
	CHECK(cell == NULL && strstr(mbuf_last_error(), "mbuf_py_adopt") != NULL);
	/* an earlier unchecked message survives calls that report nothing */
	CHECK_EQ(mbuf_py_from_bytes(&cell, "x", 1, M_DONTWAIT), 0);
	CHECK(strstr(mbuf_last_error(), "mbuf_py_adopt") != NULL);
	CHECK_EQ(mbuf_py_free(&cell), 0);
	CHECK_EQ(violations, 2);
	mbuf_clear_error();
	mbuf_set_panic_handler(NULL);
}

/* ext_free of storage that is not the heap's: the 2007 contract frees the mbuf */
static void
static_ext_free(struct mbuf *m, void *buf, size_t size, void *arg)
{
	(void)buf, (void)size, (void)arg;
	pool_cache_put(mb_cache, m);
}

/*
 * Offsets and lengths that add past INT_MAX: refused or reported, on i386
 * too, where the helpers' long is 32 bits (their sums are 64-bit).
 */
static void
test_past_int_max(void)
{
	static char storage[64];	/* claimed to be 1.5 GiB; never read */
	const int big = 0x60000000;
	struct mbuf *cell = NULL, *m, *n;

	mbuf_set_panic_handler(record);
	violations = 0;
	/* a write whose end passes INT_MAX changes nothing */
	CHECK_EQ(mbuf_py_from_bytes(&cell, "abc", 3, M_DONTWAIT), 0);
	CHECK_EQ(mbuf_py_write(&cell, INT_MAX - 1, "xyz", 3, 1, M_DONTWAIT),
	    MBUF_PY_VALUE);
	CHECK_EQ(mbuf_py_len(&cell), 3);
	CHECK_EQ(mbuf_py_free(&cell), 0);

	/* a chain of 3 GiB (two mbufs on that storage) is too long for a cell */
	m = m_get(M_DONTWAIT, MT_DATA);
	n = m_get(M_DONTWAIT, MT_DATA);
	MEXTADD(m, storage, big, NULL, static_ext_free, NULL);
	MEXTADD(n, storage, big, NULL, static_ext_free, NULL);
	m->m_len = n->m_len = big;
	m->m_next = n;
	CHECK_EQ(mbuf_py_adopt(&cell, m), MBUF_PY_VIOLATION);
	CHECK(cell == NULL && strstr(last, "mbuf_py_adopt: mbuf") != NULL);
	CHECK_EQ(mbuf_packet_to_bytes(m, NULL, 0), -1);
	CHECK(strstr(last, "chain longer than INT_MAX") != NULL);
	CHECK_EQ(violations, 2);
	m_freem(m);
	mbuf_set_panic_handler(NULL);
}

static void
die_null_buffer(void)
{
	mbuf_packet_from_bytes(NULL, 5, M_DONTWAIT);
}

static const struct tu_death_case deaths[] = {
	{ "null_buffer", die_null_buffer },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	static const int sizes[] = { 0, 1, MHLEN, MHLEN + 1, MLEN + 1,
	    MCLBYTES, MCLBYTES + 1, 5000, 9000 };
	size_t i;

	TU_DEATH_MAIN(argc, argv, deaths);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		roundtrip(sizes[i]);
	test_tags();
	test_violations();
	test_packet_cells();
	test_past_int_max();
	if (getenv("MBUF_TEST_UNDER_VALGRIND") == NULL)
		EXPECT_DEATH("null_buffer", "mbuf_packet_from_bytes: buf (nil), len 5");
	CHECK(tu_all_types_zero());
	return tu_finish("test_bindings");
}
