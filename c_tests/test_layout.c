/*
 * The ABI of include/mbuf.h against numbers worked out by hand from the
 * NetBSD 2007 LP64 definitions (8-byte pointers and longs, 4-byte int,
 * 2-byte short, natural alignment) -- written down here, not read back
 * from the header.  core/layout_test.go checks the Go mirror against the
 * same numbers.
 */
#include "testutil.h"

#define OFF(type, field, want)	CHECK_EQ(offsetof(type, field), want)

int
main(void)
{
#if defined(__LP64__)
	CHECK_EQ(MSIZE, 512);
	CHECK_EQ(MCLBYTES, 2048);
	CHECK_EQ(MLEN, 456);
	CHECK_EQ(MHLEN, 424);
	CHECK_EQ(MINCLSIZE, 881);
	CHECK_EQ(M_COPYALL, 1000000000);
	CHECK_EQ(M_DONTWAIT, 1);
	CHECK_EQ(M_WAIT, 0);
	CHECK_EQ(M_EXT_MAXPAGES, 17);

	CHECK_EQ(sizeof(struct m_hdr), 56);
	OFF(struct m_hdr, mh_next, 0);
	OFF(struct m_hdr, mh_nextpkt, 8);
	OFF(struct m_hdr, mh_data, 16);
	OFF(struct m_hdr, mh_owner, 24);
	OFF(struct m_hdr, mh_len, 32);
	OFF(struct m_hdr, mh_flags, 36);
	OFF(struct m_hdr, mh_paddr, 40);
	OFF(struct m_hdr, mh_type, 48);

	CHECK_EQ(sizeof(struct pkthdr), 32);
	OFF(struct pkthdr, rcvif, 0);
	OFF(struct pkthdr, tags, 8);
	OFF(struct pkthdr, len, 16);
	OFF(struct pkthdr, csum_flags, 20);
	OFF(struct pkthdr, csum_data, 24);
	OFF(struct pkthdr, segsz, 28);

	CHECK_EQ(sizeof(struct m_tag), 16);
	OFF(struct m_tag, m_tag_link, 0);
	OFF(struct m_tag, m_tag_id, 8);
	OFF(struct m_tag, m_tag_len, 10);

	CHECK_EQ(sizeof(struct _m_ext_storage), 192);
	OFF(struct _m_ext_storage, ext_lock, 0);
	OFF(struct _m_ext_storage, ext_refcnt, 8);
	OFF(struct _m_ext_storage, ext_flags, 12);
	OFF(struct _m_ext_storage, ext_buf, 16);
	OFF(struct _m_ext_storage, ext_free, 24);
	OFF(struct _m_ext_storage, ext_arg, 32);
	OFF(struct _m_ext_storage, ext_size, 40);
	OFF(struct _m_ext_storage, ext_type, 48);
	OFF(struct _m_ext_storage, ext_un, 56);
	CHECK_EQ(sizeof(struct _m_ext), 200);

	CHECK_EQ(sizeof(struct mbuf), 512);
	OFF(struct mbuf, m_next, 0);
	OFF(struct mbuf, m_nextpkt, 8);
	OFF(struct mbuf, m_data, 16);
	OFF(struct mbuf, m_owner, 24);
	OFF(struct mbuf, m_len, 32);
	OFF(struct mbuf, m_flags, 36);
	OFF(struct mbuf, m_paddr, 40);
	OFF(struct mbuf, m_type, 48);
	OFF(struct mbuf, m_pkthdr, 56);
	OFF(struct mbuf, m_pkthdr.len, 72);
	OFF(struct mbuf, m_dat, 56);
	OFF(struct mbuf, m_pktdat, 88);
	OFF(struct mbuf, m_ext_ref, 88);
	OFF(struct mbuf, m_ext_storage, 96);
	OFF(struct mbuf, m_ext_storage.ext_refcnt, 104);
	OFF(struct mbuf, m_ext_storage.ext_buf, 112);

	CHECK_EQ(sizeof(struct mowner), 96);
	OFF(struct mowner, mo_name, 0);
	OFF(struct mowner, mo_descr, 16);
	OFF(struct mowner, mo_link, 32);
	OFF(struct mowner, mo_claims, 48);
	OFF(struct mowner, mo_ext_releases, 88);

	CHECK_EQ(sizeof(struct mbstat), 568);
	OFF(struct mbstat, m_drops, 32);
	OFF(struct mbstat, m_wait, 40);
	OFF(struct mbstat, m_drain, 48);
	OFF(struct mbstat, m_mtypes, 56);

	/* flags and types that ported code tests bit by bit */
	CHECK_EQ(M_EXT | M_PKTHDR | M_EOR | M_PROTO1, 0xf);
	CHECK_EQ(M_BCAST, 0x100);
	CHECK_EQ(M_LINK6, 0x40000);
	CHECK_EQ((unsigned)M_EXT_FLAGS, 0xff000000u);
	CHECK_EQ(M_EXT_RW, 0x08000000);
	CHECK_EQ(M_CSUM_TSOv6, 0x200);
	CHECK_EQ((unsigned)M_CSUM_NO_PSEUDOHDR, 0x80000000u);
	CHECK_EQ(MT_OOBDATA, 7);
	CHECK_EQ(PACKET_TAG_ECO_RETRYPARMS, 27);
	CHECK_EQ(KERN_MBUF, 39);
	CHECK_EQ(MBUF_MOWNERS, 7);
	CHECK_EQ(M_COPYFLAGS & (M_LINK3 | M_PROTO1), 0);
#endif
	/* the macros over a real mbuf */
	{
		struct mbuf *m = m_gethdr(M_DONTWAIT, MT_DATA);

		CHECK(M_BUFADDR(m) == m->m_pktdat);
		CHECK_EQ(M_BUFOFFSET(m), offsetof(struct mbuf, m_pktdat));
		MH_ALIGN(m, 10);
		CHECK_EQ(m->m_data - m->m_pktdat, (MHLEN - 10) & ~7);
		MRESETDATA(m);
		CHECK(m->m_data == m->m_pktdat);
		M_SETCTX(m, &m);
		CHECK(M_GETCTX(m, void *) == (void *)&m);
		M_SETCTX(m, NULL);
		m_freem(m);
		m = m_get(M_DONTWAIT, MT_DATA);
		M_ALIGN(m, 3);
		CHECK_EQ(m->m_data - m->m_dat, (MLEN - 3) & ~7);
		m->m_len = 3;
		CHECK_EQ(M_TRAILINGSPACE(m), MLEN - ((MLEN - 3) & ~7) - 3);
		CHECK(!M_UNWRITABLE(m, 3) && M_UNWRITABLE(m, 4));
		m_freem(m);
	}
	/* MBUFQ: a queue of packets through m_nextpkt */
	{
		MBUFQ_HEAD(q) q;
		struct mbuf *a = m_gethdr(M_DONTWAIT, MT_DATA);
		struct mbuf *b = m_gethdr(M_DONTWAIT, MT_DATA);
		struct mbuf *c = m_gethdr(M_DONTWAIT, MT_DATA), *x;

		MBUFQ_INIT(&q);
		CHECK(MBUFQ_FIRST(&q) == NULL && MBUFQ_LAST(&q) == NULL);
		MBUFQ_ENQUEUE(&q, a);
		MBUFQ_ENQUEUE(&q, b);
		MBUFQ_PREPEND(&q, c);
		CHECK(MBUFQ_FIRST(&q) == c && MBUFQ_NEXT(c) == a);
		CHECK(MBUFQ_LAST(&q) == b);
		MBUFQ_DEQUEUE(&q, x);
		CHECK(x == c && x->m_nextpkt == NULL);
		m_freem(x);
		MBUFQ_DRAIN(&q);
		CHECK(MBUFQ_FIRST(&q) == NULL && MBUFQ_LAST(&q) == NULL);
	}
	CHECK(tu_all_types_zero());
	return tu_finish("test_layout");
}
