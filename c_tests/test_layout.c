/*
 * The ABI of include/mbuf.h against numbers worked out by hand from the
 * NetBSD 2007 definitions -- written down here, not read back from the
 * header: LP64 (amd64: 8-byte pointers and longs, 4-byte int, 2-byte
 * short, natural alignment) and ILP32 (i386: 4-byte pointers and longs,
 * nothing aligned beyond 4).  ABI(lp64, ilp32) picks the column of the
 * ABI this test is compiled for (make ARCH=386 builds it -m32).
 * core/layout_test.go checks the Go mirror against the same numbers.
 */
#include "testutil.h"

#define OFF(type, field, want)	CHECK_EQ(offsetof(type, field), want)
#if defined(__LP64__)
#define	ABI(lp64, ilp32)	(lp64)
#else
#define	ABI(lp64, ilp32)	(ilp32)
#endif

int
main(void)
{
	CHECK_EQ(sizeof(void *), ABI(8, 4));
	CHECK_EQ(MSIZE, ABI(512, 256));
	CHECK_EQ(MCLBYTES, 2048);
	CHECK_EQ(MLEN, ABI(456, 224));
	CHECK_EQ(MHLEN, ABI(424, 200));
	CHECK_EQ(MINCLSIZE, ABI(881, 425));
	CHECK_EQ(M_MAXCOMPRESS, ABI(212, 100));
	CHECK_EQ(M_COPYALL, 1000000000);
	CHECK_EQ(M_DONTWAIT, 1);
	CHECK_EQ(M_WAIT, 0);
	CHECK_EQ(M_EXT_MAXPAGES, 17);
	CHECK_EQ(msize, MSIZE);
	CHECK_EQ(mclbytes, MCLBYTES);

	CHECK_EQ(sizeof(struct m_hdr), ABI(56, 32));
	OFF(struct m_hdr, mh_next, 0);
	OFF(struct m_hdr, mh_nextpkt, ABI(8, 4));
	OFF(struct m_hdr, mh_data, ABI(16, 8));
	OFF(struct m_hdr, mh_owner, ABI(24, 12));
	OFF(struct m_hdr, mh_len, ABI(32, 16));
	OFF(struct m_hdr, mh_flags, ABI(36, 20));
	OFF(struct m_hdr, mh_paddr, ABI(40, 24));
	OFF(struct m_hdr, mh_type, ABI(48, 28));

	CHECK_EQ(sizeof(struct pkthdr), ABI(32, 24));
	OFF(struct pkthdr, rcvif, 0);
	OFF(struct pkthdr, tags, ABI(8, 4));
	OFF(struct pkthdr, len, ABI(16, 8));
	OFF(struct pkthdr, csum_flags, ABI(20, 12));
	OFF(struct pkthdr, csum_data, ABI(24, 16));
	OFF(struct pkthdr, segsz, ABI(28, 20));

	CHECK_EQ(sizeof(struct m_tag), ABI(16, 8));
	OFF(struct m_tag, m_tag_link, 0);
	OFF(struct m_tag, m_tag_id, ABI(8, 4));
	OFF(struct m_tag, m_tag_len, ABI(10, 6));

	CHECK_EQ(sizeof(struct _m_ext_storage), ABI(192, 100));
	OFF(struct _m_ext_storage, ext_lock, 0);
	OFF(struct _m_ext_storage, ext_refcnt, ABI(8, 4));
	OFF(struct _m_ext_storage, ext_flags, ABI(12, 8));
	OFF(struct _m_ext_storage, ext_buf, ABI(16, 12));
	OFF(struct _m_ext_storage, ext_free, ABI(24, 16));
	OFF(struct _m_ext_storage, ext_arg, ABI(32, 20));
	OFF(struct _m_ext_storage, ext_size, ABI(40, 24));
	OFF(struct _m_ext_storage, ext_type, ABI(48, 28));
	OFF(struct _m_ext_storage, ext_un, ABI(56, 32));
	CHECK_EQ(sizeof(struct _m_ext), ABI(200, 104));

	CHECK_EQ(sizeof(struct mbuf), ABI(512, 256));
	OFF(struct mbuf, m_next, 0);
	OFF(struct mbuf, m_nextpkt, ABI(8, 4));
	OFF(struct mbuf, m_data, ABI(16, 8));
	OFF(struct mbuf, m_owner, ABI(24, 12));
	OFF(struct mbuf, m_len, ABI(32, 16));
	OFF(struct mbuf, m_flags, ABI(36, 20));
	OFF(struct mbuf, m_paddr, ABI(40, 24));
	OFF(struct mbuf, m_type, ABI(48, 28));
	OFF(struct mbuf, m_pkthdr, ABI(56, 32));
	OFF(struct mbuf, m_pkthdr.len, ABI(72, 40));
	OFF(struct mbuf, m_dat, ABI(56, 32));
	OFF(struct mbuf, m_pktdat, ABI(88, 56));
	OFF(struct mbuf, m_ext_ref, ABI(88, 56));
	OFF(struct mbuf, m_ext_storage, ABI(96, 60));
	OFF(struct mbuf, m_ext_storage.ext_refcnt, ABI(104, 64));
	OFF(struct mbuf, m_ext_storage.ext_buf, ABI(112, 72));

	CHECK_EQ(sizeof(struct mowner), ABI(96, 64));
	OFF(struct mowner, mo_name, 0);
	OFF(struct mowner, mo_descr, 16);
	OFF(struct mowner, mo_link, 32);
	OFF(struct mowner, mo_claims, ABI(48, 40));
	OFF(struct mowner, mo_ext_releases, ABI(88, 60));

	CHECK_EQ(sizeof(struct mbstat), ABI(568, 540));
	OFF(struct mbstat, m_drops, ABI(32, 16));
	OFF(struct mbstat, m_wait, ABI(40, 20));
	OFF(struct mbstat, m_drain, ABI(48, 24));
	OFF(struct mbstat, m_mtypes, ABI(56, 28));

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

	/* the macros over a real mbuf */
	{
		struct mbuf *m = m_gethdr(M_DONTWAIT, MT_DATA);

		CHECK(M_BUFADDR(m) == m->m_pktdat);
		CHECK_EQ(M_BUFOFFSET(m), offsetof(struct mbuf, m_pktdat));
		MH_ALIGN(m, 10);
		/* aligned for a long: 8 bytes on LP64, 4 on ILP32 */
		CHECK_EQ(m->m_data - m->m_pktdat, ABI(408, 188));
		MRESETDATA(m);
		CHECK(m->m_data == m->m_pktdat);
		M_SETCTX(m, &m);
		CHECK(M_GETCTX(m, void *) == (void *)&m);
		M_SETCTX(m, NULL);
		m_freem(m);
		m = m_get(M_DONTWAIT, MT_DATA);
		M_ALIGN(m, 3);
		CHECK_EQ(m->m_data - m->m_dat, ABI(448, 220));
		m->m_len = 3;
		CHECK_EQ(M_TRAILINGSPACE(m), ABI(5, 1));
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
