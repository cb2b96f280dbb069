/*
 * The chain operations through the C ABI: what the differential oracle
 * does not reach.  The callbacks of m_apply, m_devget and m_print go C ->
 * Go -> C; NULL offp, M_COPY_PKTHDR, m_claimm and m_mapin; the failure
 * values of int-returning calls under a panic handler that returns.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>

#include "testutil.h"

/* a chain: header mbuf with 10 bytes, then a cluster with 100 */
static struct mbuf *
chain(void)
{
	struct mbuf *m = m_gethdr(M_DONTWAIT, MT_DATA);
	struct mbuf *n = m_getcl(M_DONTWAIT, MT_DATA, 0);
	int i;

	for (i = 0; i < 10; i++)
		mtod(m, unsigned char *)[i] = (unsigned char)i;
	for (i = 0; i < 100; i++)
		mtod(n, unsigned char *)[i] = (unsigned char)(10 + i);
	m->m_len = 10;
	n->m_len = 100;
	m->m_next = n;
	m->m_pkthdr.len = 110;
	return m;
}

struct sum {
	int calls, bytes, stop;
	unsigned sum;
};

static int
apply_fn(void *arg, void *data, unsigned int len)
{
	struct sum *s = arg;
	unsigned int i;

	s->calls++;
	s->bytes += (int)len;
	for (i = 0; i < len; i++)
		s->sum += ((unsigned char *)data)[i];
	return s->stop && s->bytes >= s->stop ? 42 : 0;
}

static void
test_apply(void)
{
	struct mbuf *m = chain();
	struct sum s = { 0, 0, 0, 0 };
	unsigned want = 0;
	int i;

	for (i = 5; i < 105; i++)
		want += (unsigned)i;
	CHECK_EQ(m_apply(m, 5, 100, apply_fn, &s), 0);
	CHECK_EQ(s.calls, 2);
	CHECK_EQ(s.bytes, 100);
	CHECK_EQ(s.sum, want);
	memset(&s, 0, sizeof(s));
	s.stop = 3;
	CHECK_EQ(m_apply(m, 0, 110, apply_fn, &s), 42);
	CHECK_EQ(s.calls, 1);
	m_freem(m);
}

static int devcopies;

static void
devcopy(const void *from, void *to, size_t len)
{
	devcopies++;
	memcpy(to, from, len);
}

static void
test_devget(void)
{
	static char buf[3000];
	char out[3000];
	struct mbuf *m;
	int i;

	for (i = 0; i < (int)sizeof(buf); i++)
		buf[i] = (char)(i * 3);
	m = m_devget(buf, 3000, 0, NULL, devcopy);
	CHECK(m != NULL);
	CHECK_EQ(devcopies, 2);		/* two clusters */
	CHECK_EQ(m->m_pkthdr.len, 3000);
	m_copydata(m, 0, 3000, out);
	CHECK(memcmp(out, buf, 3000) == 0);
	m_freem(m);
	/* trailer encapsulation: data after off0 + 4, then the first off0 */
	m = m_devget(buf, 20, 6, NULL, NULL);
	CHECK_EQ(m->m_pkthdr.len, 16);
	m_copydata(m, 0, 16, out);
	CHECK(memcmp(out, buf + 10, 10) == 0 && memcmp(out + 10, buf, 6) == 0);
	m_freem(m);
	CHECK(m_devget(buf, 0, 0, NULL, NULL) == NULL);
}

static void
test_getptr_pulldown(void)
{
	struct mbuf *m = chain(), *n;
	int off = -1;

	n = m_getptr(m, 10, &off);
	CHECK(n == m->m_next && off == 0);
	n = m_getptr(m, 110, &off);
	CHECK(n == m->m_next && off == 100);
	off = -7;
	CHECK(m_getptr(m, 111, &off) == NULL && off == -7);
	/* NULL offp: the region must start at offset 0 of the result */
	n = m_pulldown(m, 3, 20, NULL);
	CHECK(n != NULL && n->m_len >= 20);
	CHECK(n != NULL && mtod(n, unsigned char *)[0] == 3);
	n = m_pulldown(m, 2, 4, &off);
	CHECK(n == m && off == 2);
	m_freem(m);
}

static char printed[4096];

static void
pr(const char *fmt, ...)
{
	va_list ap;
	size_t l = strlen(printed);

	va_start(ap, fmt);
	vsnprintf(printed + l, sizeof(printed) - l, fmt, ap);
	va_end(ap);
}

static void
test_print(void)
{
	struct mbuf *m = chain();
	char want[512];

	m->m_flags |= M_BCAST;
	printed[0] = '\0';
	m_print(m, "", pr);
	snprintf(want, sizeof(want), "MBUF %p\n  data=%p, len=10, type=1, "
	    "flags=0x102<PKTHDR,BCAST>\n", (void *)m, (void *)m->m_data);
	CHECK(strncmp(printed, want, strlen(want)) == 0);
	CHECK(strstr(printed, "  pktlen=110, rcvif=(nil), csum_flags=0x0, "
	    "csum_data=0x0, segsz=0\n") != NULL);
	CHECK(strstr(printed, "MBUF ") == printed);
	CHECK(strstr(printed + 1, "MBUF ") == NULL);	/* no "c": one mbuf */
	printed[0] = '\0';
	m_print(m, "c", pr);
	CHECK(strstr(printed + 1, "MBUF ") != NULL);
	CHECK(strstr(printed, "ext_refcnt=1, ext_buf=") != NULL);
	CHECK(strstr(printed, "flags=0x9000001<EXT,EXT_CLUSTER,EXT_RW>") != NULL);
	m_freem(m);
}

static void
test_pkthdr_owner_mapin(void)
{
	struct mbuf *m = chain(), *n = m_get(M_DONTWAIT, MT_DATA);
	struct m_tag *t = m_tag_get(PACKET_TAG_VLAN, 4, M_NOWAIT);
	static struct mowner mo = MOWNER_INIT("test", "chain");

	memcpy(t + 1, "vlan", 4);
	m_tag_prepend(m, t);
	M_COPY_PKTHDR(n, m);
	CHECK((n->m_flags & M_PKTHDR) != 0 && n->m_pkthdr.len == 110);
	t = m_tag_first(n);
	CHECK(t != NULL && t != m_tag_first(m) && memcmp(t + 1, "vlan", 4) == 0);
	CHECK(n->m_data == n->m_pktdat);
	m_freem(n);

	m_claimm(m, &mo);
	CHECK(m->m_owner == &mo && m->m_next->m_owner == &mo);
	CHECK_EQ(mo.mo_claims, 2);
	CHECK_EQ(mo.mo_cluster_claims, 1);
	CHECK(m_mapin(m->m_next) == m->m_next->m_data);
	m_freem(m);
}

static char lastmsg[512];

static void
soft_handler(const char *func, const char *msg)
{
	snprintf(lastmsg, sizeof(lastmsg), "%s: %s", func, msg);
}

static void
test_failure_values(void)
{
	struct mbuf *m = chain(), *c;
	struct sum s = { 0, 0, 0, 0 };
	char b[4];

	mbuf_set_panic_handler(soft_handler);
	CHECK_EQ(m_makewritable(NULL, 0, 1, M_DONTWAIT), EINVAL);
	CHECK(strstr(lastmsg, "m_makewritable: NULL chain pointer") != NULL);
	CHECK_EQ(m_apply(m, 0, 111, apply_fn, &s), -1);
	CHECK_EQ(s.calls, 0);
	CHECK(m_copym(m, 0, 111, M_DONTWAIT) == NULL);
	m_copydata(m, 108, 4, b);
	CHECK(strstr(lastmsg, "m_copydata: m == NULL, len 2") != NULL);
	c = m_copym(m, 0, M_COPYALL, M_DONTWAIT);
	lastmsg[0] = '\0';
	m_copyback(c, 50, 4, b);	/* shared cluster: read-only */
	CHECK(strstr(lastmsg, "m_copyback0: read-only") != NULL);
	CHECK(m_makewritable(&c, 50, 4, M_DONTWAIT) == 0);
	m_copyback(c, 50, 4, "abcd");
	m_copydata(m, 50, 4, b);
	CHECK(memcmp(b, "abcd", 4) != 0);	/* the original never changes */
	m_freem(c);
	mbuf_set_panic_handler(NULL);
	m_freem(m);
}

int
main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	test_apply();
	test_devget();
	test_getptr_pulldown();
	test_print();
	test_pkthdr_owner_mapin();
	test_failure_values();
	CHECK(tu_all_types_zero());
	return tu_finish("test_chain");
}
