/*
 * Foreign packet tags (issue 11 item 6): a struct m_tag the library did not
 * allocate, either from a port's own m_tag_get or embedded in a structure.
 * As in NetBSD, the list operations take any tag: prepend, find, first,
 * next, unlink.  The library never frees a foreign tag itself: freeing one
 * (m_tag_free, m_tag_delete, m_tag_delete_chain, m_free/m_freem of its
 * packet) goes to the hook of mbuf_set_foreign_tag_free(), or is a
 * violation, reported before anything changes, when no hook is set.
 */
#include <stdint.h>

#include "testutil.h"

/* a tag embedded in a structure, as ported code keeps per-packet state */
struct flow_state {
	int		flow_id;
	struct m_tag	tag;		/* not the first member on purpose */
	uint32_t	payload[2];	/* the tag's m_tag_len bytes */
};

static struct mbuf *
pkt(void)
{
	struct mbuf *m = m_gethdr(M_DONTWAIT, MT_DATA);

	m->m_len = m->m_pkthdr.len = 0;
	return m;
}

/* a port's own tag allocator (uipc_mbuf2.c style, over malloc) */
static int port_frees;

static struct m_tag *
port_tag_get(int type, int len)
{
	struct m_tag *t = malloc(sizeof(*t) + (size_t)len);

	/* like NetBSD's: the link is left as malloc returned it */
	memset(t, 0xa5, sizeof(*t) + (size_t)len);
	t->m_tag_id = (uint16_t)type;
	t->m_tag_len = (uint16_t)len;
	return t;
}

static void
port_tag_free(struct m_tag *t)
{
	port_frees++;
	free(t);
}

static int
tags_on(struct mbuf *m)
{
	struct m_tag *t;
	int n = 0;

	for (t = m_tag_first(m); t != NULL; t = m_tag_next(m, t))
		n++;
	return n;
}

/* the list operations on an embedded tag, among the library's own */
static void
test_embedded_tag(void)
{
	struct flow_state fs;
	struct mbuf *m = pkt();
	struct m_tag *lib1 = m_tag_get(10, 4, M_NOWAIT);
	struct m_tag *lib2 = m_tag_get(12, 0, M_NOWAIT);
	struct m_tag *t;

	memset(&fs, 0x5a, sizeof(fs));	/* link garbage: never read */
	fs.flow_id = 7;
	fs.tag.m_tag_id = 11;
	fs.tag.m_tag_len = sizeof(fs.payload);
	fs.payload[0] = 0xfeedface;
	m_tag_prepend(m, lib1);
	m_tag_prepend(m, &fs.tag);
	m_tag_prepend(m, lib2);
	CHECK_EQ(tags_on(m), 3);
	CHECK(m_tag_first(m) == lib2);
	CHECK(m_tag_next(m, lib2) == &fs.tag);
	CHECK(m_tag_next(m, &fs.tag) == lib1);
	t = m_tag_find(m, 11, NULL);
	CHECK(t == &fs.tag);
	CHECK(t != NULL && ((struct flow_state *)(void *)((char *)t -
	    offsetof(struct flow_state, tag)))->flow_id == 7);
	CHECK(m_tag_find(m, 10, &fs.tag) == lib1);	/* searching after it */
	CHECK(m_tag_find(m, 11, &fs.tag) == NULL);
	/* a copy of a foreign tag is the library's own */
	t = m_tag_copy(&fs.tag);
	CHECK(t != NULL && t != &fs.tag && t->m_tag_id == 11 &&
	    t->m_tag_len == sizeof(fs.payload) &&
	    memcmp(t + 1, fs.payload, sizeof(fs.payload)) == 0);
	m_tag_free(t);
	/* m_tag_copy_chain copies it as a library tag too */
	{
		struct mbuf *n = pkt();

		CHECK_EQ(m_tag_copy_chain(n, m), 1);
		CHECK_EQ(tags_on(n), 3);
		t = m_tag_find(n, 11, NULL);
		CHECK(t != NULL && t != &fs.tag);
		m_freem(n);		/* all the library's: freed */
	}
	m_tag_unlink(m, &fs.tag);	/* was: "is not a live m_tag" */
	CHECK_EQ(tags_on(m), 2);
	CHECK(m_tag_find(m, 11, NULL) == NULL);
	CHECK(fs.tag.m_tag_link.sle_next == NULL);
	/* prepend it again, unlink from the head */
	m_tag_prepend(m, &fs.tag);
	CHECK(m_tag_first(m) == &fs.tag);
	m_tag_unlink(m, &fs.tag);
	m_freem(m);			/* frees lib1 and lib2 */
	CHECK_EQ(mbuf_leak_count(), 0);
	CHECK_EQ(fs.flow_id, 7);	/* untouched */
}

/* with the port's free as the hook, every way of freeing reaches it */
static void
test_free_hook(void)
{
	struct mbuf *m = pkt(), *n;
	struct m_tag *a, *b, *c;
	mbuf_tag_free_t old;

	old = mbuf_set_foreign_tag_free(port_tag_free);
	CHECK(old == NULL);
	port_frees = 0;

	/* m_freem of the packet */
	m_tag_prepend(m, port_tag_get(1, 8));
	m_tag_prepend(m, m_tag_get(2, 8, M_NOWAIT));
	m_tag_prepend(m, port_tag_get(3, 0));
	m_freem(m);
	CHECK_EQ(port_frees, 2);

	/* m_tag_delete, m_tag_delete_chain, m_tag_free */
	m = pkt();
	a = port_tag_get(1, 4);
	b = port_tag_get(2, 4);
	c = port_tag_get(3, 4);
	m_tag_prepend(m, a);
	m_tag_prepend(m, b);
	m_tag_prepend(m, m_tag_get(9, 0, M_NOWAIT));
	m_tag_prepend(m, c);
	m_tag_delete(m, c);
	CHECK_EQ(port_frees, 3);
	m_tag_delete_chain(m, b);	/* b and a */
	CHECK_EQ(port_frees, 5);
	CHECK_EQ(tags_on(m), 1);
	m_tag_free(port_tag_get(4, 4));
	CHECK_EQ(port_frees, 6);

	/* m_tag_copy_chain deletes the destination's old tags first */
	n = pkt();
	m_tag_prepend(n, port_tag_get(5, 2));
	CHECK_EQ(m_tag_copy_chain(n, m), 1);
	CHECK_EQ(port_frees, 7);
	CHECK_EQ(tags_on(n), 1);
	m_freem(n);
	/* m_tag_delete_nonpersistent */
	m_tag_prepend(m, port_tag_get(6, 2));
	m_tag_delete_nonpersistent(m);
	CHECK_EQ(port_frees, 8);
	CHECK_EQ(tags_on(m), 0);
	m_freem(m);
	CHECK(mbuf_set_foreign_tag_free(NULL) == port_tag_free);
	CHECK_EQ(mbuf_leak_count(), 0);
}

/* ---- no hook: violations that change nothing ---------------------------- */

static char last_msg[512];

static void
keep_message(const char *func, const char *msg)
{
	snprintf(last_msg, sizeof(last_msg), "%s: %s", func, msg);
}

static void
test_no_hook_is_a_violation(void)
{
	struct flow_state fs;
	struct mbuf *m = pkt();
	struct m_tag *mine = m_tag_get(3, 0, M_NOWAIT);

	memset(&fs, 0, sizeof(fs));
	fs.tag.m_tag_id = 11;
	mbuf_set_panic_handler(keep_message);
	m_tag_prepend(m, mine);
	m_tag_prepend(m, &fs.tag);

	last_msg[0] = '\0';
	m_freem(m);
	CHECK(strstr(last_msg, "m_freem: tag 0x") != NULL);
	CHECK(strstr(last_msg, "is a foreign m_tag (not from m_tag_get)") != NULL);
	CHECK(strstr(last_msg, "mbuf_set_foreign_tag_free") != NULL);
	/* nothing changed: the packet and both tags are still there */
	CHECK_EQ(tags_on(m), 2);
	CHECK_EQ(mbuf_leak_count(), 2);

	last_msg[0] = '\0';
	m_tag_delete(m, &fs.tag);
	CHECK(strstr(last_msg, "m_tag_delete: tag 0x") != NULL);
	CHECK_EQ(tags_on(m), 2);

	last_msg[0] = '\0';
	m_tag_delete_chain(m, NULL);
	CHECK(strstr(last_msg, "m_tag_delete_chain: tag 0x") != NULL);
	CHECK_EQ(tags_on(m), 2);	/* not even the library's tag went */

	last_msg[0] = '\0';
	m_tag_free(&fs.tag);
	CHECK(strstr(last_msg, "m_tag_free: tag 0x") != NULL);

	/* the cure: unlink it, then free the packet */
	m_tag_unlink(m, &fs.tag);
	m_freem(m);
	CHECK_EQ(mbuf_leak_count(), 0);
	mbuf_set_panic_handler(NULL);
	if (tu_failures > 0)
		fprintf(stderr, "last message: %s\n", last_msg);
}

/* ---- what is still not a tag: death cases ------------------------------- */

static void
d_freed_library_tag(void)
{
	struct mbuf *m = pkt();
	struct m_tag *t = m_tag_get(1, 4, M_NOWAIT);

	m_tag_free(t);
	m_tag_prepend(m, t);	/* a freed tag of ours is not "foreign" */
}

static void
d_small_integer(void)
{
	m_tag_prepend(pkt(), (struct m_tag *)0x10);
}

static void
d_misaligned(void)
{
	static uint64_t mem[8];

	/* half its alignment off: 4 on LP64, 2 on ILP32 (alignment 4) */
	m_tag_prepend(pkt(), (struct m_tag *)(void *)((char *)mem +
	    _Alignof(struct m_tag) / 2));
}

static void
d_mbuf_as_tag(void)
{
	m_tag_prepend(pkt(), (struct m_tag *)(void *)m_get(M_DONTWAIT, MT_DATA));
}

static void
d_foreign_freem(void)
{
	static struct m_tag t;
	struct mbuf *m = pkt();

	m_tag_prepend(m, &t);
	m_freem(m);
}

static void
d_interior_library_tag(void)
{
	struct m_tag *t = m_tag_get(1, 64, M_NOWAIT);

	m_tag_unlink(pkt(), (struct m_tag *)(void *)((char *)t + 16));
}

static const struct tu_death_case deaths[] = {
	{ "freed_library_tag", d_freed_library_tag },
	{ "small_integer", d_small_integer },
	{ "misaligned", d_misaligned },
	{ "mbuf_as_tag", d_mbuf_as_tag },
	{ "foreign_freem", d_foreign_freem },
	{ "interior_library_tag", d_interior_library_tag },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	TU_DEATH_MAIN(argc, argv, deaths);
	test_embedded_tag();
	test_free_hook();
	test_no_hook_is_a_violation();
	EXPECT_DEATH("freed_library_tag", "m_tag_prepend: 0x");
	EXPECT_DEATH("freed_library_tag", "is not a live m_tag");
	EXPECT_DEATH("small_integer", "m_tag_prepend: 0x10 is not an m_tag");
	EXPECT_DEATH("misaligned", "is misaligned");
	EXPECT_DEATH("mbuf_as_tag", "is inside an mbuf or cluster, not an m_tag");
	EXPECT_DEATH("foreign_freem", "m_freem: tag 0x");
	EXPECT_DEATH("interior_library_tag", "is not a live m_tag");
	return tu_finish("test_foreign_tags");
}
