/*
 * The calls made for bindings (capi/mbufc/python_helpers.c), from C: building a
 * packet from bytes and reading it back in one call each, replacing
 * tags, and the Python-owned storage calls in a process without Python
 * (they must refuse cleanly).
 */
#include <errno.h>

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
	if (getenv("MBUF_TEST_UNDER_VALGRIND") == NULL)
		EXPECT_DEATH("null_buffer", "mbuf_packet_from_bytes: buf (nil), len 5");
	CHECK(tu_all_types_zero());
	return tu_finish("test_bindings");
}
