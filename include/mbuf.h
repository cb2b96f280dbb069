/*
 * libmbuf: the NetBSD mbuf packet-buffer API (uipc_mbuf.c rev 1.100.2.17,
 * 2007, the "m_ext_ref" design) as a userland library.
 *
 * This header is the ABI.  The structures below have the NetBSD 2007
 * layout byte for byte, LP64 (amd64) or ILP32 (i386) as the compiler is,
 * because NetBSD network code compiled against it reads and writes the
 * fields directly; the layout is pinned with static assertions at the end
 * of the structure section.
 *
 * Written for libmbuf; no NetBSD text is reproduced here.  Sections:
 *   1. constants and flags        4. the NetBSD functions
 *   2. structures                 5. libmbuf extensions (prefixed mbuf_/m_*_bulk)
 *   3. macros
 */
#ifndef _LIBMBUF_MBUF_H_
#define _LIBMBUF_MBUF_H_

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>		/* FILE, for mbuf_leak_report */
#include <sys/types.h>
#include <sys/queue.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LIBMBUF_VERSION_MAJOR	0
#define LIBMBUF_VERSION_MINOR	1
#define LIBMBUF_VERSION_PATCH	0
#define LIBMBUF_VERSION		"0.1.0"

/* ------------------------------------------------------------------------
 * 1. Constants
 * ------------------------------------------------------------------------ */

#if defined(__LP64__) || defined(_LP64)
#define	MSIZE		512		/* amd64: size of one mbuf */
#else
#define	MSIZE		256		/* i386 */
#endif
#define	MCLSHIFT	11
#define	MCLBYTES	(1 << MCLSHIFT)	/* size of a cluster: 2048 */

/*
 * Data room of a plain mbuf and of a packet-header mbuf.  NetBSD derives
 * these from offsetof(); the literal values are checked against that
 * derivation by the static assertions below (and are usable in #if).
 */
#if defined(__LP64__) || defined(_LP64)
#define	MLEN		456		/* MSIZE - sizeof(struct m_hdr) */
#define	MHLEN		424		/* MLEN - sizeof(struct pkthdr) */
#else
#define	MLEN		224
#define	MHLEN		200
#endif
#define	MINCLSIZE	(MHLEN + MLEN + 1)	/* smallest length worth a cluster */
#define	M_MAXCOMPRESS	(MHLEN / 2)

#define	M_COPYALL	1000000000	/* length for m_copym: "to the end" */

#define	NMBCLUSTERS	4096		/* default of nmbclusters */
#define	MBLOWAT		16		/* default of mblowat */
#define	MCLLOWAT	8		/* default of mcllowat */

/* malloc(9) flags; NetBSD code reaches them through <sys/mbuf.h>. */
#ifndef M_NOWAIT
#define	M_NOWAIT	0x0001
#endif
#ifndef M_WAITOK
#define	M_WAITOK	0x0000
#endif
#ifndef M_ZERO
#define	M_ZERO		0x0002
#endif
#ifndef M_CANFAIL
#define	M_CANFAIL	0x0004
#endif
#define	M_DONTWAIT	M_NOWAIT
#define	M_WAIT		M_WAITOK

/* pool(9) flags used by the allocation macros. */
#ifndef PR_NOWAIT
#define	PR_NOWAIT	0x00
#define	PR_WAITOK	0x02
#define	PR_LIMITFAIL	0x100
#endif

#define	MIN_PAGE_SIZE_MBUF	4096
#define	M_EXT_MAXPAGES		((65536 / MIN_PAGE_SIZE_MBUF) + 1)	/* 17 */

/* mbuf types (m_type) */
#define	MT_FREE		0	/* should be on the free list */
#define	MT_DATA		1	/* dynamic data allocation */
#define	MT_HEADER	2	/* packet header */
#define	MT_SONAME	3	/* socket name */
#define	MT_SOOPTS	4	/* socket options */
#define	MT_FTABLE	5	/* fragment reassembly header */
#define	MT_CONTROL	6	/* extra-data protocol message */
#define	MT_OOBDATA	7	/* expedited data */

/* m_flags */
#define	M_EXT		0x00000001	/* has external storage */
#define	M_PKTHDR	0x00000002	/* start of record, m_pkthdr valid */
#define	M_EOR		0x00000004	/* end of record */
#define	M_PROTO1	0x00000008	/* protocol-specific */
#define	M_AUTHIPHDR	0x00000010	/* IPsec: IP header authenticated */
#define	M_DECRYPTED	0x00000020	/* IPsec: confidentiality */
#define	M_LOOP		0x00000040	/* received on loopback */
#define	M_AUTHIPDGM	0x00000080	/* IPsec: datagram authenticated */
#define	M_BCAST		0x00000100	/* link-level broadcast */
#define	M_MCAST		0x00000200	/* link-level multicast */
#define	M_CANFASTFWD	0x00000400	/* may be fast-forwarded */
#define	M_ANYCAST6	0x00000800	/* IPv6 anycast */
#define	M_LINK0		0x00001000	/* link-layer specific */
#define	M_LINK1		0x00002000
#define	M_LINK2		0x00004000
#define	M_LINK3		0x00008000
#define	M_LINK4		0x00010000
#define	M_LINK5		0x00020000
#define	M_LINK6		0x00040000

/* flags that only make sense with M_EXT */
#define	M_EXT_FLAGS	0xff000000
#define	M_EXT_CLUSTER	0x01000000	/* storage is a standard cluster */
#define	M_EXT_PAGES	0x02000000	/* ext_pgs[] is valid */
#define	M_EXT_ROMAP	0x04000000	/* mapped read-only */
#define	M_EXT_RW	0x08000000	/* writable unless shared */
#define	M_EXT_LAZY	0x10000000	/* pages not mapped yet (never here) */
#define	M_CLUSTER	M_EXT_CLUSTER

/* flags copied with a packet header */
#define	M_COPYFLAGS	(M_PKTHDR|M_EOR|M_BCAST|M_MCAST|M_CANFASTFWD| \
    M_ANYCAST6|M_LINK0|M_LINK1|M_LINK2|M_AUTHIPHDR|M_DECRYPTED|M_LOOP| \
    M_AUTHIPDGM)
/* flags copied when another mbuf starts sharing ext storage */
#define	M_EXTCOPYFLAGS	(M_EXT|M_EXT_FLAGS)

/* bitmask_snprintf(9) formats of m_flags and csum_flags (used by m_print) */
#define	M_FLAGS_BITS \
    "\20\1EXT\2PKTHDR\3EOR\4PROTO1\5AUTHIPHDR\6DECRYPTED\7LOOP" \
    "\10AUTHIPDGM\11BCAST\12MCAST\13CANFASTFWD\14ANYCAST6\15LINK0" \
    "\16LINK1\17LINK2\20LINK3\21LINK4\22LINK5\23LINK6" \
    "\31EXT_CLUSTER\32EXT_PAGES\33EXT_ROMAP\34EXT_RW\35EXT_LAZY"

/* pkthdr.csum_flags */
#define	M_CSUM_TCPv4		0x00000001	/* TCP header/payload */
#define	M_CSUM_UDPv4		0x00000002	/* UDP header/payload */
#define	M_CSUM_TCP_UDP_BAD	0x00000004	/* TCP/UDP checksum bad */
#define	M_CSUM_DATA		0x00000008	/* consult csum_data */
#define	M_CSUM_TCPv6		0x00000010	/* IPv6 TCP header/payload */
#define	M_CSUM_UDPv6		0x00000020	/* IPv6 UDP header/payload */
#define	M_CSUM_IPv4		0x00000040	/* IPv4 header */
#define	M_CSUM_IPv4_BAD		0x00000080	/* IPv4 header checksum bad */
#define	M_CSUM_TSOv4		0x00000100	/* TCPv4 segmentation offload */
#define	M_CSUM_TSOv6		0x00000200	/* TCPv6 segmentation offload */
#define	M_CSUM_NO_PSEUDOHDR	0x80000000	/* no pseudo header in sum */

#define	M_CSUM_BITS \
    "\20\1TCPv4\2UDPv4\3TCP_UDP_BAD\4DATA\5TCPv6\6UDPv6\7IPv4\10IPv4_BAD" \
    "\11TSOv4\12TSOv6\40NO_PSEUDOHDR"

/* csum_data: outbound L3 header length (high half) and L4 sum offset (low) */
#define	M_CSUM_DATA_IPv4_IPHL(x)	((x) >> 16)
#define	M_CSUM_DATA_IPv4_OFFSET(x)	((x) & 0xffff)
#define	M_CSUM_DATA_IPv6_HL(x)		((x) >> 16)
#define	M_CSUM_DATA_IPv6_HL_SET(x, v)	(x) = ((x) & 0xffff) | ((v) << 16)
#define	M_CSUM_DATA_IPv6_OFFSET(x)	((x) & 0xffff)

/* packet tag ids */
#define	PACKET_TAG_NONE				0
#define	PACKET_TAG_VLAN				1
#define	PACKET_TAG_ENCAP			2
#define	PACKET_TAG_ESP				3
#define	PACKET_TAG_PF_GENERATED			11
#define	PACKET_TAG_PF_ROUTED			12
#define	PACKET_TAG_PF_FRAGCACHE			13
#define	PACKET_TAG_PF_QID			14
#define	PACKET_TAG_PF_TAG			15
#define	PACKET_TAG_IPSEC_IN_CRYPTO_DONE		16
#define	PACKET_TAG_IPSEC_IN_DONE		17
#define	PACKET_TAG_IPSEC_OUT_DONE		18
#define	PACKET_TAG_IPSEC_OUT_CRYPTO_NEEDED	19
#define	PACKET_TAG_IPSEC_IN_COULD_DO_CRYPTO	20
#define	PACKET_TAG_IPSEC_PENDING_TDB		21
#define	PACKET_TAG_IPSEC_SOCKET			22
#define	PACKET_TAG_IPSEC_HISTORY		23
#define	PACKET_TAG_PF_TRANSLATE_LOCALHOST	24
#define	PACKET_TAG_IPSEC_NAT_T_PORTS		25
#define	PACKET_TAG_INET6			26
#define	PACKET_TAG_ECO_RETRYPARMS		27

/* kern.mbuf sysctl names */
#define	KERN_MBUF		39
#define	MBUF_MSIZE		1	/* int: mbuf base size */
#define	MBUF_MCLBYTES		2	/* int: mbuf cluster size */
#define	MBUF_NMBCLUSTERS	3	/* int: limit on the number of clusters */
#define	MBUF_MBLOWAT		4	/* int: mbuf low water mark */
#define	MBUF_MCLLOWAT		5	/* int: mbuf cluster low water mark */
#define	MBUF_STATS		6	/* struct: mbstat */
#define	MBUF_MOWNERS		7	/* struct: m_owner[] */
#define	MBUF_MAXID		8

#define	CTL_MBUF_NAMES { \
	{ 0, 0 }, \
	{ "msize", CTLTYPE_INT }, \
	{ "mclbytes", CTLTYPE_INT }, \
	{ "nmbclusters", CTLTYPE_INT }, \
	{ "mblowat", CTLTYPE_INT }, \
	{ "mcllowat", CTLTYPE_INT }, \
	{ 0 /* "stats" */, CTLTYPE_STRUCT }, \
	{ 0 /* "mowners" */, CTLTYPE_STRUCT }, \
}

/* ------------------------------------------------------------------------
 * 2. Structures
 * ------------------------------------------------------------------------ */

struct ifnet;
struct vm_page;

#ifndef _LIBMBUF_PADDR_T_DEFINED
#define _LIBMBUF_PADDR_T_DEFINED
typedef unsigned long paddr_t;		/* physical address (never known here) */
#endif
#define	M_PADDR_INVALID		((paddr_t)-1)

/*
 * The ext_lock of the 2007 storage descriptor.  libmbuf counts references
 * with atomic operations, so the lock is one reserved word.
 */
#ifndef _LIBMBUF_KMUTEX_T_DEFINED
#define _LIBMBUF_KMUTEX_T_DEFINED
typedef struct kmutex {
	volatile uintptr_t mtx_word;
} kmutex_t;
#endif

/* malloc(9) type descriptors (M_MBUF, ...) */
#ifndef _LIBMBUF_MALLOC_TYPE_DEFINED
#define _LIBMBUF_MALLOC_TYPE_DEFINED
struct malloc_type {
	struct malloc_type *ks_next;
	const char *ks_shortdesc;
	long ks_inuse;		/* objects in use */
	long ks_calls;		/* total allocations */
};
#endif

/* pool_cache(9) handles of the two object caches */
typedef struct pool_cache *pool_cache_t;

/* header at the start of every mbuf */
struct m_hdr {
	struct mbuf	*mh_next;	/* next buffer in chain */
	struct mbuf	*mh_nextpkt;	/* next chain in queue/record */
	char		*mh_data;	/* location of data */
	struct mowner	*mh_owner;	/* MBUFTRACE owner */
	int		mh_len;		/* amount of data in this mbuf */
	int		mh_flags;	/* flags; see above */
	paddr_t		mh_paddr;	/* physical address of the mbuf */
	short		mh_type;	/* type of data in this mbuf */
};

/* packet tag: the payload of m_tag_len bytes follows the structure */
struct m_tag {
	SLIST_ENTRY(m_tag)	m_tag_link;	/* list of packet tags */
	uint16_t		m_tag_id;	/* tag id */
	uint16_t		m_tag_len;	/* payload length */
};

/* record/packet header in the first mbuf of a chain; valid if M_PKTHDR */
struct pkthdr {
	struct ifnet	*rcvif;		/* receiving interface */
	SLIST_HEAD(packet_tags, m_tag) tags; /* list of packet tags */
	int		len;		/* total packet length */
	int		csum_flags;	/* checksum flags */
	uint32_t	csum_data;	/* checksum data */
	unsigned int	segsz;		/* segment size (TSO) */
};

/* the external storage descriptor, held by the first mbuf that got it */
struct _m_ext_storage {
	kmutex_t	ext_lock;	/* reserved: counts are atomic here */
	unsigned int	ext_refcnt;	/* mbufs referring to this storage */
	int		ext_flags;	/* M_EXT_LAZY (never set here) */
	char		*ext_buf;	/* start of buffer */
	void		(*ext_free)(	/* free routine if not the usual */
			    struct mbuf *, void *, size_t, void *);
	void		*ext_arg;	/* argument for ext_free */
	size_t		ext_size;	/* size of buffer, for ext_free */
	struct malloc_type *ext_type;	/* malloc type, for MEXTMALLOC */
	union {
		paddr_t	extun_paddr;	/* physical address (M_EXT_CLUSTER) */
		struct vm_page *extun_pgs[M_EXT_MAXPAGES]; /* M_EXT_PAGES */
	} ext_un;
#define	ext_paddr	ext_un.extun_paddr
#define	ext_pgs		ext_un.extun_pgs
};

struct _m_ext {
	struct mbuf	*ext_ref;	/* the holder of ext_storage */
	struct _m_ext_storage ext_storage;
};

/*
 * An mbuf: m_hdr, then either a packet header and (internal data or an
 * ext descriptor), or plain internal data.
 */
#define	MBUF_DEFINE(name, mhlen, mlen)					\
	struct name {							\
		struct m_hdr m_hdr;					\
		union {							\
			struct {					\
				struct pkthdr MH_pkthdr;		\
				union {					\
					struct _m_ext MH_ext;		\
					char MH_databuf[(mhlen)];	\
				} MH_dat;				\
			} MH;						\
			char M_databuf[(mlen)];				\
		} M_dat;						\
	}

MBUF_DEFINE(_mbuf_dummy, 1, 1);
MBUF_DEFINE(mbuf, MHLEN, MLEN);

#define	m_next		m_hdr.mh_next
#define	m_len		m_hdr.mh_len
#define	m_data		m_hdr.mh_data
#define	m_owner		m_hdr.mh_owner
#define	m_type		m_hdr.mh_type
#define	m_flags		m_hdr.mh_flags
#define	m_nextpkt	m_hdr.mh_nextpkt
#define	m_paddr		m_hdr.mh_paddr
#define	m_pkthdr	M_dat.MH.MH_pkthdr
#define	m_ext_storage	M_dat.MH.MH_dat.MH_ext.ext_storage
#define	m_ext_ref	M_dat.MH.MH_dat.MH_ext.ext_ref
#define	m_ext		m_ext_ref->m_ext_storage	/* always the holder's */
#define	m_pktdat	M_dat.MH.MH_dat.MH_databuf
#define	m_dat		M_dat.M_databuf

/* MBUFTRACE owner record */
struct mowner {
	char		mo_name[16];	/* owner name (e.g. "wm0") */
	char		mo_descr[16];	/* owner description (e.g. "tx") */
	LIST_ENTRY(mowner) mo_link;	/* on the mowners list */
	unsigned long	mo_claims;		/* mbufs claimed */
	unsigned long	mo_releases;		/* mbufs released */
	unsigned long	mo_cluster_claims;	/* clusters claimed */
	unsigned long	mo_cluster_releases;	/* clusters released */
	unsigned long	mo_ext_claims;		/* ext storage claimed */
	unsigned long	mo_ext_releases;	/* ext storage released */
};
#define	MOWNER_INIT(x, y) { x, y, { NULL, NULL }, 0, 0, 0, 0, 0, 0 }
LIST_HEAD(mownerhead, mowner);

/* mbuf statistics (kern.mbuf.stats) */
struct mbstat {
	unsigned long	_m_spare;	/* formerly m_mbufs */
	unsigned long	_m_spare1;	/* formerly m_clusters */
	unsigned long	_m_spare2;
	unsigned long	_m_spare3;
	unsigned long	m_drops;	/* times failed to find space */
	unsigned long	m_wait;		/* times waited for space */
	unsigned long	m_drain;	/* times drained protocols for space */
	unsigned short	m_mtypes[256];	/* live mbufs by type */
};

/* the ABI, pinned: amd64 numbers on LP64, i386 numbers on ILP32 */
#ifdef __cplusplus
#define	_LIBMBUF_ASSERT(c, msg)	static_assert(c, msg)
#else
#define	_LIBMBUF_ASSERT(c, msg)	_Static_assert(c, msg)
#endif
_LIBMBUF_ASSERT(sizeof(struct mbuf) == MSIZE, "sizeof(struct mbuf) != MSIZE");
_LIBMBUF_ASSERT(MLEN == MSIZE - offsetof(struct _mbuf_dummy, m_dat),
    "MLEN does not match the structure");
_LIBMBUF_ASSERT(MHLEN == MSIZE - offsetof(struct _mbuf_dummy, m_pktdat),
    "MHLEN does not match the structure");
_LIBMBUF_ASSERT(sizeof(struct _m_ext) <= MHLEN, "ext descriptor too large");
#if defined(__LP64__) || defined(_LP64)
_LIBMBUF_ASSERT(offsetof(struct mbuf, m_dat) == 56, "m_dat moved");
_LIBMBUF_ASSERT(offsetof(struct mbuf, m_pktdat) == 88, "m_pktdat moved");
_LIBMBUF_ASSERT(offsetof(struct mbuf, m_ext_ref) == 88, "m_ext_ref moved");
_LIBMBUF_ASSERT(offsetof(struct mbuf, m_ext_storage) == 96,
    "m_ext_storage moved");
_LIBMBUF_ASSERT(sizeof(struct mowner) == 96, "struct mowner size");
_LIBMBUF_ASSERT(sizeof(struct mbstat) == 568, "struct mbstat size");
#else
_LIBMBUF_ASSERT(offsetof(struct mbuf, m_dat) == 32, "m_dat moved");
_LIBMBUF_ASSERT(offsetof(struct mbuf, m_pktdat) == 56, "m_pktdat moved");
_LIBMBUF_ASSERT(offsetof(struct mbuf, m_ext_ref) == 56, "m_ext_ref moved");
_LIBMBUF_ASSERT(offsetof(struct mbuf, m_ext_storage) == 60,
    "m_ext_storage moved");
_LIBMBUF_ASSERT(sizeof(struct mowner) == 64, "struct mowner size");
_LIBMBUF_ASSERT(sizeof(struct mbstat) == 540, "struct mbstat size");
#endif

/* ------------------------------------------------------------------------
 * Globals (kern.mbuf and friends)
 * ------------------------------------------------------------------------ */

extern struct mbstat mbstat;	/* refreshed by mbuf_stats_sync() */
extern int	nmbclusters;	/* hard limit on clusters (grow only) */
extern int	mblowat;	/* mbuf low water mark */
extern int	mcllowat;	/* cluster low water mark */
extern int	max_linkhdr;	/* largest link-level header */
extern int	max_protohdr;	/* largest protocol header */
extern int	max_hdr;	/* max_linkhdr + max_protohdr */
extern int	max_datalen;	/* MHLEN - max_hdr */
extern const int msize;		/* MSIZE */
extern const int mclbytes;	/* MCLBYTES */
extern int	MCFail, MPFail, MSFail;	/* m_copym, m_pullup, m_copyup fails */
extern pool_cache_t mb_cache;	/* the mbuf cache */
extern pool_cache_t mcl_cache;	/* the cluster cache (ext_arg of clusters) */
extern struct malloc_type M_MBUF[1], M_SONAME[1], M_SOOPTS[1];
extern struct malloc_type M_PACKET_TAGS[1];
extern struct malloc_type *mbtypes[];	/* malloc type of each MT_ */
extern struct mownerhead mowners;	/* attached MBUFTRACE owners */
extern struct mowner unknown_mowners[];	/* one per MT_ type */
extern struct mowner revoked_mowner;

/* ------------------------------------------------------------------------
 * 3. Macros
 * ------------------------------------------------------------------------ */

#define	mtod(m, t)	((t)((m)->m_data))

/*
 * allocation: the common case inline over the calling thread's cache,
 * the rest through m_get, m_gethdr, m_clget and m_free (mbuf_inline.h:
 * an ABI commitment, versioned; -DMBUF_NO_INLINE makes them plain calls)
 */
#define	MGET(m, how, type)	((m) = _MBUF_GET((how), (type)))
#define	MGETHDR(m, how, type)	((m) = _MBUF_GETHDR((how), (type)))
#define	MCLGET(m, how)		_MBUF_CLGET((m), (how))
#define	MEXTMALLOC(m, size, how) mbuf_extmalloc((m), (size), (how))
#define	MEXTADD(m, buf, size, type, free, arg)				\
	mbuf_extadd((m), (buf), (size), (type), (free), (arg))
#define	MFREE(m, n)		((n) = _MBUF_FREE(m))
#define	MCHTYPE(m, t)		mbuf_chtype((m), (t))

/* make m the holder of fresh ext storage (drivers building ext by hand) */
#define	MCLINITREFERENCE(m)						\
do {									\
	(m)->m_ext_ref = (m);						\
	(m)->m_ext_storage.ext_refcnt = 1;				\
	(m)->m_ext_storage.ext_lock.mtx_word = 0;			\
} while (/* CONSTCOND */ 0)

/* reset m_data to the start of the buffer */
#define	MRESETDATA(m)							\
	((m)->m_data = ((m)->m_flags & M_EXT) ? (m)->m_ext.ext_buf :	\
	    ((m)->m_flags & M_PKTHDR) ? (m)->m_pktdat : (m)->m_dat)

/* place len bytes at the end of a fresh plain / header mbuf */
#define	M_ALIGN(m, len)							\
do {									\
	(m)->m_data += (MLEN - (len)) & ~(sizeof(long) - 1);		\
} while (/* CONSTCOND */ 0)
#define	MH_ALIGN(m, len)						\
do {									\
	(m)->m_data += (MHLEN - (len)) & ~(sizeof(long) - 1);		\
} while (/* CONSTCOND */ 0)

/* ext storage that is not writable, or shared, is read-only */
#define	M_READONLY(m)							\
	(((m)->m_flags & M_EXT) != 0 &&					\
	  (((m)->m_flags & (M_EXT_RW|M_EXT_ROMAP)) != M_EXT_RW ||	\
	  (m)->m_ext.ext_refcnt > 1))
#define	M_UNWRITABLE(__m, __len)					\
	((__m)->m_len < (__len) || M_READONLY((__m)))
#define	M_ROMAP(m)	(((m)->m_flags & (M_EXT|M_EXT_ROMAP)) == (M_EXT|M_EXT_ROMAP))

#define	_M_LEADINGSPACE(m)						\
	((m)->m_flags & M_EXT ? (m)->m_data - (m)->m_ext.ext_buf :	\
	 (m)->m_flags & M_PKTHDR ? (m)->m_data - (m)->m_pktdat :	\
	 (m)->m_data - (m)->m_dat)
#define	M_LEADINGSPACE(m)						\
	(M_READONLY((m)) ? 0 : _M_LEADINGSPACE((m)))

#define	_M_TRAILINGSPACE(m)						\
	((m)->m_flags & M_EXT ? (m)->m_ext.ext_buf + (m)->m_ext.ext_size - \
	 ((m)->m_data + (m)->m_len) :					\
	 &(m)->m_dat[MLEN] - ((m)->m_data + (m)->m_len))
#define	M_TRAILINGSPACE(m)						\
	(M_READONLY((m)) ? 0 : _M_TRAILINGSPACE((m)))

#define	M_BUFADDR(m)							\
	(((m)->m_flags & M_PKTHDR) ? (m)->m_pktdat : (m)->m_dat)
#define	M_BUFOFFSET(m)							\
	(((m)->m_flags & M_PKTHDR) ?					\
	 offsetof(struct mbuf, m_pktdat) : offsetof(struct mbuf, m_dat))

/*
 * Prepend plen bytes: in place when there is leading space, else through
 * m_prepend (which frees the chain and yields NULL on failure).
 */
#define	M_PREPEND(m, plen, how)						\
do {									\
	if (M_LEADINGSPACE(m) >= (plen)) {				\
		(m)->m_data -= (plen);					\
		(m)->m_len += (plen);					\
	} else								\
		(m) = m_prepend((m), (plen), (how));			\
	if ((m) != NULL && ((m)->m_flags & M_PKTHDR) != 0)		\
		(m)->m_pkthdr.len += (plen);				\
} while (/* CONSTCOND */ 0)

#define	M_COPY_PKTHDR(to, from)	mbuf_copy_pkthdr((to), (from))
#define	M_MOVE_PKTHDR(to, from)	m_move_pkthdr((to), (from))

#define	m_copy(m, o, l)		m_copym((m), (o), (l), M_DONTWAIT)

/* pkthdr.rcvif doubles as an opaque context slot */
#define	M_GETCTX(m, t)		((t)(m)->m_pkthdr.rcvif)
#define	M_SETCTX(m, c)		((void)((m)->m_pkthdr.rcvif = (void *)(c)))

/* the whole library is thread-safe: no interrupt level to raise */
#define	MBUFLOCK(code)		do { code } while (/* CONSTCOND */ 0)

/* a simple queue of packets linked through m_nextpkt */
#define	MBUFQ_HEAD(name)						\
struct name {								\
	struct mbuf *mq_first;						\
	struct mbuf **mq_last;						\
}
#define	MBUFQ_INIT(q)							\
do {									\
	(q)->mq_first = NULL;						\
	(q)->mq_last = &(q)->mq_first;					\
} while (/* CONSTCOND */ 0)
#define	MBUFQ_ENQUEUE(q, m)						\
do {									\
	(m)->m_nextpkt = NULL;						\
	*(q)->mq_last = (m);						\
	(q)->mq_last = &(m)->m_nextpkt;					\
} while (/* CONSTCOND */ 0)
#define	MBUFQ_PREPEND(q, m)						\
do {									\
	if (((m)->m_nextpkt = (q)->mq_first) == NULL)			\
		(q)->mq_last = &(m)->m_nextpkt;				\
	(q)->mq_first = (m);						\
} while (/* CONSTCOND */ 0)
#define	MBUFQ_DEQUEUE(q, m)						\
do {									\
	if (((m) = (q)->mq_first) != NULL) {				\
		if (((q)->mq_first = (m)->m_nextpkt) == NULL)		\
			(q)->mq_last = &(q)->mq_first;			\
		(m)->m_nextpkt = NULL;					\
	}								\
} while (/* CONSTCOND */ 0)
#define	MBUFQ_DRAIN(q)							\
do {									\
	struct mbuf *__mbufq_m;						\
	while ((__mbufq_m = (q)->mq_first) != NULL) {			\
		(q)->mq_first = __mbufq_m->m_nextpkt;			\
		m_freem(__mbufq_m);					\
	}								\
	(q)->mq_last = &(q)->mq_first;					\
} while (/* CONSTCOND */ 0)
#define	MBUFQ_FIRST(q)		((q)->mq_first)
#define	MBUFQ_NEXT(m)		((m)->m_nextpkt)
#define	MBUFQ_LAST(q)							\
	((q)->mq_first == NULL ? NULL : (struct mbuf *)(void *)		\
	 ((char *)(q)->mq_last - offsetof(struct mbuf, m_nextpkt)))

/* MBUFTRACE: owner accounting; empty statements unless MBUFTRACE is set */
#ifdef MBUFTRACE
#define	_MOWNERINIT(m, type)	mowner_init((m), (type))
#define	_MOWNERREF(m, flags)	mowner_ref((m), (flags))
#define	MOWNERREF(m, flags)	mowner_ref((m), (flags))
#define	_MOWNERREVOKE(m, all, flags) mowner_revoke((m), (all), (flags))
#define	_MOWNERCLAIM(m, mo)	m_claim((m), (mo))
#define	MCLAIM(m, mo)		m_claim((m), (mo))
#define	MOWNER_ATTACH(mo)	mowner_attach(mo)
#define	MOWNER_DETACH(mo)	mowner_detach(mo)
#define	MBUFTRACE_ASSERT(cond)						\
	((void)((cond) ? 0 :						\
	 (mbuf_panic("MBUFTRACE_ASSERT", "%s", #cond), 0)))
#else
#define	_MOWNERINIT(m, type)	do { } while (/* CONSTCOND */ 0)
#define	_MOWNERREF(m, flags)	do { } while (/* CONSTCOND */ 0)
#define	MOWNERREF(m, flags)	do { } while (/* CONSTCOND */ 0)
#define	_MOWNERREVOKE(m, all, flags) do { } while (/* CONSTCOND */ 0)
#define	_MOWNERCLAIM(m, mo)	do { } while (/* CONSTCOND */ 0)
#define	MCLAIM(m, mo)		do { } while (/* CONSTCOND */ 0)
#define	MOWNER_ATTACH(mo)	do { } while (/* CONSTCOND */ 0)
#define	MOWNER_DETACH(mo)	do { } while (/* CONSTCOND */ 0)
#define	MBUFTRACE_ASSERT(cond)	do { } while (/* CONSTCOND */ 0)
#endif

/* ------------------------------------------------------------------------
 * 4. The NetBSD functions (uipc_mbuf.c, uipc_mbuf2.c)
 *
 * Contract violations (NULL where not allowed, negative or too-long
 * lengths, double free, a pointer that is not a live mbuf) are reported
 * through the panic handler (section 5) with the function name and value.
 * ------------------------------------------------------------------------ */

/* mbinit: set up the pools; runs when the library loads, idempotent */
void	mbinit(void);

/* allocate an mbuf (MGET) / a packet-header mbuf (MGETHDR); NULL if none */
struct mbuf *m_get(int how, int type);
struct mbuf *m_gethdr(int how, int type);
/* MGET, then MLEN bytes of zeros */
struct mbuf *m_getclr(int how, int type);
/* MCLGET: attach a cluster; on failure M_EXT stays clear */
void	m_clget(struct mbuf *m, int how);
/* an mbuf (header if flags has M_PKTHDR) with a cluster, or NULL */
struct mbuf *m_getcl(int how, int type, int flags);

/* MFREE: free one mbuf, return its m_next */
struct mbuf *m_free(struct mbuf *m);
/* free a whole chain; NULL is allowed */
void	m_freem(struct mbuf *m);
/* drop m's reference to its ext storage and free m (see the manual) */
void	m_ext_free(struct mbuf *m);
/* run the registered drain hooks (pool exhaustion); counts mbstat.m_drain */
void	m_reclaim(void *arg, int flags);
/* legacy: pre-populate the mbuf pool; returns 1 */
int	m_mballoc(int nmb, int how);

/* MBUFTRACE: claim every mbuf of a chain for owner mo */
void	m_claimm(struct mbuf *m, struct mowner *mo);

/* a new mbuf in front of m holding len bytes; frees m on failure */
struct mbuf *m_prepend(struct mbuf *m, int len, int how);
/* copy [off, off+len) sharing ext storage; len may be M_COPYALL */
struct mbuf *m_copym(struct mbuf *m, int off, int len, int how);
/* as m_copym but copy ext storage data too (deep copy) */
struct mbuf *m_dup(struct mbuf *m, int off, int len, int how);
/* m_copym(m, 0, M_COPYALL, how) of a packet-header chain */
struct mbuf *m_copypacket(struct mbuf *m, int how);
/* copy len bytes at off out of the chain into cp */
void	m_copydata(struct mbuf *m, int off, int len, void *cp);
/* append chain n to m (coalescing into m's last mbuf when it fits) */
void	m_cat(struct mbuf *m, struct mbuf *n);
/* trim req_len bytes from the head (> 0) or the tail (< 0) */
void	m_adj(struct mbuf *m, int req_len);
/* make the first len bytes contiguous; frees the chain on failure */
struct mbuf *m_pullup(struct mbuf *m, int len);
/* as m_pullup into a new mbuf with dstoff bytes of leading space */
struct mbuf *m_copyup(struct mbuf *m, int len, int dstoff);
/* cut after len0 bytes and return the tail, or NULL */
struct mbuf *m_split(struct mbuf *m0, int len0, int how);
/* build a packet from a device buffer (off0: trailer encapsulation) */
struct mbuf *m_devget(char *buf, int totlen, int off0, struct ifnet *ifp,
	    void (*copy)(const void *from, void *to, size_t len));
/* write len bytes at off, extending the chain (zero-filled) if needed */
void	m_copyback(struct mbuf *m0, int off, int len, const void *cp);
/* as m_copyback with copy-on-write of read-only parts; no extension */
struct mbuf *m_copyback_cow(struct mbuf *m0, int off, int len,
	    const void *cp, int how);
/* make [off, off+len) writable; 0 or ENOBUFS; may replace *mp */
int	m_makewritable(struct mbuf **mp, int off, int len, int how);
/* move the packet header (and its tags) from 'from' to 'to' */
void	m_move_pkthdr(struct mbuf *to, struct mbuf *from);
/* call f on each contiguous piece of [off, off+len); stops on non-zero */
int	m_apply(struct mbuf *m, int off, int len,
	    int (*f)(void *arg, void *data, unsigned int len), void *arg);
/* the mbuf holding byte loc, and the offset in it */
struct mbuf *m_getptr(struct mbuf *m, int loc, int *off);
/* map lazily mapped pages: nothing is lazy here, returns m_data */
char	*m_mapin(struct mbuf *m);
/* dump an mbuf (modifier "c": the whole chain) through pr */
void	m_print(const struct mbuf *m, const char *modif,
	    void (*pr)(const char *, ...));

/* make [off, off+len) contiguous in one mbuf; *offp gets the offset */
struct mbuf *m_pulldown(struct mbuf *m, int off, int len, int *offp);

/*
 * Packet tags.  The list operations (m_tag_prepend, m_tag_unlink,
 * m_tag_find, m_tag_first, m_tag_next) take any struct m_tag, as in
 * NetBSD: also a foreign one, not allocated by m_tag_get (a port's own
 * allocator, or a tag embedded in a structure).  The library never frees a
 * foreign tag itself: m_tag_free, m_tag_delete, m_tag_delete_chain and
 * freeing its packet (m_free, m_freem) unlink it and pass it to the hook
 * set with mbuf_set_foreign_tag_free(); with no hook, that is a violation,
 * reported before anything changes.
 */
struct m_tag *m_tag_get(int type, int len, int wait);
void	m_tag_free(struct m_tag *t);
void	m_tag_prepend(struct mbuf *m, struct m_tag *t);
void	m_tag_unlink(struct mbuf *m, struct m_tag *t);
void	m_tag_delete(struct mbuf *m, struct m_tag *t);
void	m_tag_delete_chain(struct mbuf *m, struct m_tag *t);
void	m_tag_delete_nonpersistent(struct mbuf *m);
struct m_tag *m_tag_find(const struct mbuf *m, int type, struct m_tag *t);
struct m_tag *m_tag_copy(struct m_tag *t);
int	m_tag_copy_chain(struct mbuf *to, struct mbuf *from);
void	m_tag_init(struct mbuf *m);
struct m_tag *m_tag_first(struct mbuf *m);
struct m_tag *m_tag_next(struct mbuf *m, struct m_tag *t);

/* MBUFTRACE owner accounting (the macros above call these) */
void	mowner_init(struct mbuf *m, int type);
void	mowner_ref(struct mbuf *m, int flags);
void	mowner_revoke(struct mbuf *m, int all, int flags);
void	m_claim(struct mbuf *m, struct mowner *mo);
void	mowner_attach(struct mowner *mo);
void	mowner_detach(struct mowner *mo);

/* pool_cache_put(mb_cache, m): what an ext_free callback calls last */
void	pool_cache_put(pool_cache_t pc, void *object);

/* packet length: pkthdr.len with a header, else the sum of m_len */
static inline unsigned int
m_length(const struct mbuf *m)
{
	const struct mbuf *m0;
	unsigned int pktlen;

	if ((m->m_flags & M_PKTHDR) != 0)
		return (unsigned int)m->m_pkthdr.len;
	pktlen = 0;
	for (m0 = m; m0 != NULL; m0 = m0->m_next)
		pktlen += (unsigned int)m0->m_len;
	return pktlen;
}

/* ------------------------------------------------------------------------
 * 5. libmbuf extensions
 * ------------------------------------------------------------------------ */

/* the library version string, e.g. "0.1.0" */
const char *mbuf_version(void);

/*
 * Errors.  A contract violation calls the panic handler with the function
 * name and a message such as "m_copydata: off -1, len 4".  The default
 * handler prints "libmbuf: panic: <func>: <what>" to stderr and aborts,
 * like the kernel.  A handler that returns makes the failing call return
 * its failure value (NULL, -1, EINVAL, or nothing) without touching the
 * chain; the message stays available through mbuf_last_error().
 * Passing NULL restores the default.  Returns the previous handler.
 */
typedef void (*mbuf_panic_handler_t)(const char *func, const char *msg);
mbuf_panic_handler_t mbuf_set_panic_handler(mbuf_panic_handler_t h);
/* soft errors: violations never call the handler; on = 1, off = 0 */
int	mbuf_set_soft_errors(int on);
/* the last violation seen by this thread, or NULL; cleared by ..._clear */
const char *mbuf_last_error(void);
void	mbuf_clear_error(void);
/* report a violation from outside the library (the porting kit's panic) */
void	mbuf_panic(const char *func, const char *fmt, ...)
#if defined(__GNUC__)
	    __attribute__((format(printf, 2, 3)))
#endif
	    ;

/* helpers behind MEXTMALLOC, MEXTADD, MCHTYPE and M_COPY_PKTHDR */
void	mbuf_extmalloc(struct mbuf *m, size_t size, int how);
void	mbuf_extadd(struct mbuf *m, void *buf, size_t size,
	    struct malloc_type *type,
	    void (*free_fn)(struct mbuf *, void *, size_t, void *), void *arg);
void	mbuf_chtype(struct mbuf *m, int type);
void	mbuf_copy_pkthdr(struct mbuf *to, struct mbuf *from);

/*
 * Foreign tags (see the packet tag functions): fn frees a struct m_tag the
 * library did not allocate, e.g. a port's own m_tag_free.  NULL (the
 * default) makes freeing one a violation.  Returns the previous hook.
 */
typedef void (*mbuf_tag_free_t)(struct m_tag *t);
mbuf_tag_free_t mbuf_set_foreign_tag_free(mbuf_tag_free_t fn);

/*
 * Register / remove a drain hook run by m_reclaim (at a limit, before the
 * allocation fails); 0 or ENOMEM/ENOENT.  Hooks never run re-entered on
 * one thread: an allocation inside a hook takes what is free or fails at
 * once (NULL, counted in m_drops), M_WAIT included; m_reclaim inside a
 * hook returns at once.  Other threads may run the hooks meanwhile.
 */
int	mbuf_register_drain(void (*fn)(void *arg), void *arg);
int	mbuf_unregister_drain(void (*fn)(void *arg), void *arg);

/*
 * Statistics: mbstat.m_mtypes[] is kept per thread on the fast path and
 * folded into the global mbstat by this call (and by the kern.mbuf.stats
 * sysctl); counts are exact at every quiescent point.
 */
void	mbuf_stats_sync(void);

/*
 * The kern.mbuf sysctl subtree as a call: name[] holds the components
 * below kern.mbuf (e.g. { MBUF_NMBCLUSTERS }).  Returns 0 or an errno
 * (EINVAL, EPERM, ENOMEM, EOPNOTSUPP), as sysctl(3) would set it.
 */
int	mbuf_sysctl(const int *name, unsigned int namelen, void *oldp,
	    size_t *oldlenp, const void *newp, size_t newlen);

/* bulk allocation / free for batch users: count allocated, or freed */
int	m_get_bulk(int how, int type, struct mbuf **out, int n);
int	m_gethdr_bulk(int how, int type, struct mbuf **out, int n);
void	m_free_bulk(struct mbuf **ms, int n);
void	m_freem_bulk(struct mbuf **chains, int n);

/* ---- bindings: whole-packet calls and owner handles (capi/mbufc/python_helpers.c) */
/*
 * A packet-header chain holding a copy of buf[0, len) (clusters when it
 * does not fit in MHLEN), or NULL when out of mbufs or clusters; len < 0
 * or buf NULL with len > 0 is a violation.
 */
struct mbuf *mbuf_packet_from_bytes(const void *buf, int len, int how);
/*
 * Copy the data of the whole chain m (every m_len) into buf, at most
 * buflen bytes.  Returns the chain's length (more than buflen: truncated),
 * or -1 after a violation (m not a live chain, buflen < 0).
 */
int	mbuf_packet_to_bytes(const struct mbuf *m, void *buf, int buflen);
/*
 * Replace every tag of type on the packet m by one tag holding data[0,
 * len).  Returns 0, ENOMEM (m unchanged), or -1 after a violation.
 */
int	mbuf_tag_set(struct mbuf *m, int type, const void *data, int len);
/*
 * Zero copy from Python: a new packet-header mbuf whose M_EXT storage is
 * the buffer of the Python object pyobj (a PyObject *; PyObject_GetBuffer,
 * with M_EXT_RW when writable is 1 and the buffer is writable), or the
 * memory data[0, len) kept alive by the Python object pyobj (a reference
 * is taken).  The owner is held through a handle in ext_arg and released
 * exactly once, with the GIL, when the last mbuf referring to the storage
 * is freed, from any thread.  NULL when out of mbufs or after a violation
 * (not a buffer, not writable, no Python in the process).
 */
struct mbuf *mbuf_attach_pybuffer(void *pyobj, int writable, int how);
struct mbuf *mbuf_attach_pyobject(void *data, size_t len, void *pyobj,
	    int writable, int how);
/* owners (Python objects, Go values) held by handles, not yet released */
long	mbuf_handles_live(void);

/*
 * The Python Packet (python/mbuf/packet.py): one call per operation.  A
 * packet keeps its chain in a cell, a struct mbuf * the caller owns; each
 * call takes the chain from *mp, works on it and puts the new head back
 * (NULL when the chain is gone), so the caller never holds a stale head.
 * While a call runs the cell holds (struct mbuf *)1, "busy".  They are
 * meant for ctypes.PyDLL (the GIL held; none of them blocks) and take the
 * GIL themselves where they make Python objects.  Results: >= 0 success
 * (a length, a byte, a count), or one of these:
 */
#define	MBUF_PY_VIOLATION	(-1)	/* reported: see mbuf_last_error() */
#define	MBUF_PY_NOMEM		(-2)	/* out of mbufs, clusters or tag memory */
#define	MBUF_PY_FREED		(-3)	/* the cell is empty */
#define	MBUF_PY_BUSY		(-4)	/* another call is working on the chain */
#define	MBUF_PY_RANGE		(-5)	/* an offset or range outside the packet */
#define	MBUF_PY_VALUE		(-6)	/* a bad length or value */
#define	MBUF_PY_NOTFOUND	(-7)	/* no such tag, mbuf or header */
#define	MBUF_PY_PYERR		(-8)	/* a Python exception is set */
/* the m_flags bits a Python caller may change (not M_EXT*, M_PKTHDR) */
#define	MBUF_PY_SETTABLE_FLAGS	(M_EOR|M_PROTO1|M_AUTHIPHDR|M_DECRYPTED| \
    M_LOOP|M_AUTHIPDGM|M_BCAST|M_MCAST|M_CANFASTFWD|M_ANYCAST6|M_LINK0| \
    M_LINK1|M_LINK2|M_LINK3|M_LINK4|M_LINK5|M_LINK6)
/* fields for mbuf_py_set_header */
#define	MBUF_PY_FLAGS		0	/* m_flags (MBUF_PY_SETTABLE_FLAGS only) */
#define	MBUF_PY_CSUM_FLAGS	1
#define	MBUF_PY_CSUM_DATA	2
#define	MBUF_PY_SEGSZ		3

/* one mbuf of a chain, as mbuf_py_mbufs describes it */
struct mbuf_py_info {
	void	*m;		/* the mbuf */
	char	*data;		/* m_data */
	int	len;		/* m_len */
	int	flags;		/* m_flags */
	int	type;		/* m_type */
	int	index;		/* its place in the chain, from 0 */
	int	offset;		/* where its data starts in the packet */
	int	refcount;	/* mbufs sharing its ext storage (0: none) */
	int	readonly;	/* M_READONLY */
	int	leading;	/* M_LEADINGSPACE */
	int	trailing;	/* M_TRAILINGSPACE */
	int	_pad;
};
/* the first mbuf's flags and packet header, as mbuf_py_header copies them */
struct mbuf_py_header {
	void		*rcvif;
	int		flags;		/* m_flags */
	int		type;		/* m_type */
	int		len;		/* pkthdr.len, -1 without M_PKTHDR */
	int		csum_flags;
	uint32_t	csum_data;
	unsigned int	segsz;
	int		ntags;		/* packet tags on the header */
	int		_pad;
};
struct iovec;

/* resolve the Python C API (dlsym) and install mbuf_py_panic_handler; 0 or -1 */
int	mbuf_py_init(void);
/* a panic handler that returns: the message stays for mbuf_last_error() */
void	mbuf_py_panic_handler(const char *func, const char *msg);
/* a new packet in the empty cell *mp: a copy of buf[0, len) */
int	mbuf_py_from_bytes(struct mbuf **mp, const void *buf, int len, int how);
/*
 * A new packet in the empty cell *mp whose storage is the buffer of Python
 * object pyobj (as mbuf_attach_pybuffer; writable -1: if the buffer is).
 * MBUF_PY_PYERR: pyobj has no contiguous buffer and, the GIL being held by
 * the caller, Python's exception is left set.
 */
int	mbuf_py_attach(struct mbuf **mp, void *pyobj, int writable, int how);
/* put chain m in the empty cell *mp after checking every mbuf is live */
int	mbuf_py_adopt(struct mbuf **mp, struct mbuf *m);
/* m_freem the chain and empty the cell */
int	mbuf_py_free(struct mbuf **mp);
/* the packet's length */
int	mbuf_py_len(struct mbuf **mp);
/*
 * A new bytes object (a PyObject *) holding [off, off+len) of the packet
 * (mbuf_py_read; MBUF_PY_RANGE when outside it), or [start, stop) clamped
 * as a Python slice (mbuf_py_slice; negative: from the end); on failure a
 * new int object holding the result code, or NULL with Python's
 * MemoryError set.
 */
void	*mbuf_py_read(struct mbuf **mp, int off, int len);
void	*mbuf_py_slice(struct mbuf **mp, int start, int stop);
/* the byte at i (negative: from the end) */
int	mbuf_py_byte(struct mbuf **mp, int i);
/*
 * Write, copying shared or read-only storage first (m_makewritable, the
 * chain kept on failure): len bytes at off (extend: past the end too,
 * zero-filling a gap, as m_copyback), one byte v at i, or exactly the
 * Python slice [start, stop) (MBUF_PY_VALUE if len differs).
 */
int	mbuf_py_write(struct mbuf **mp, int off, const void *buf, int len,
	    int extend, int how);
int	mbuf_py_setbyte(struct mbuf **mp, int i, int v, int how);
int	mbuf_py_setslice(struct mbuf **mp, int start, int stop,
	    const void *buf, int len, int how);
/* m_adj */
int	mbuf_py_adj(struct mbuf **mp, int n);
/* M_PREPEND len bytes and copy buf there (ENOBUFS frees the chain) */
int	mbuf_py_prepend(struct mbuf **mp, const void *buf, int len, int how);
/* m_pullup unless the first mbuf holds len bytes (failure frees the chain) */
int	mbuf_py_pullup(struct mbuf **mp, int len);
/* m_pulldown: *where gets the mbuf; returns the range's offset in it */
int	mbuf_py_pulldown(struct mbuf **mp, int off, int len,
	    struct mbuf **where);
/* m_split at off into the empty cell *tail (off == length: an empty tail) */
int	mbuf_py_split(struct mbuf **mp, int off, int how, struct mbuf **tail);
/* m_copym (deep: m_dup) of [off, off+len) (len M_COPYALL: to the end) into *out */
int	mbuf_py_copy(struct mbuf **mp, int off, int len, int how, int deep,
	    struct mbuf **out);
/* m_cat the chain of cell *np (emptied; its header and tags go) to *mp's */
int	mbuf_py_cat(struct mbuf **mp, struct mbuf **np);
/* packet tags: set as mbuf_tag_set; get: a bytes object (or an int code,
 * MBUF_PY_NOTFOUND), delete: how many went; all: a tuple of (id, bytes) */
int	mbuf_py_tag_set(struct mbuf **mp, int type, const void *buf, int len);
void	*mbuf_py_tag_get(struct mbuf **mp, int type);
int	mbuf_py_tag_delete(struct mbuf **mp, int type);
void	*mbuf_py_tags(struct mbuf **mp);
/*
 * Describe the chain: which NULL, the first max mbufs into out[], returning
 * how many the chain has; else only mbuf which into out[0], returning its
 * index (MBUF_PY_NOTFOUND if it is not in the chain).
 */
int	mbuf_py_mbufs(struct mbuf **mp, const struct mbuf *which,
	    struct mbuf_py_info *out, int max);
/* copy the first mbuf's flags and packet header into *out */
int	mbuf_py_header(struct mbuf **mp, struct mbuf_py_header *out);
/* set one field (MBUF_PY_FLAGS...) of the first mbuf or its header */
int	mbuf_py_set_header(struct mbuf **mp, int field, unsigned int value);
/*
 * Zero-copy views of [off, off+len): an m_copym of the range into the
 * empty cell *keep (the views' reference on the storage: free it when the
 * views go) and iov[] pointing at its pieces.  Returns the number of
 * pieces; more than maxiov: nothing is kept, ask again with room.
 */
int	mbuf_py_views(struct mbuf **mp, int off, int len, int how,
	    struct mbuf **keep, struct iovec *iov, int maxiov);
/*
 * The same as a Python list of read-only memoryviews, one per piece, which
 * hold the reference on the storage themselves (it goes with the last of
 * them).  More than max pieces (max > 0): their number, nothing kept; on
 * failure an MBUF_PY_* code (an int object).
 */
void	*mbuf_py_memoryviews(struct mbuf **mp, int off, int len, int how,
	    int max);

/* ---- reliability (issue 8): leak report and debug mode ------------------ */
/*
 * Leak report: the live mbufs, zombie holders (freed, storage still
 * shared), clusters and packet tags, counted by kind, type and MBUFTRACE
 * owner ("name/descr" of m_owner), with the allocating call under
 * MBUF_DEBUG=alloc.  Objects cached by threads are free, not leaked.
 * mbuf_leak_report prints nothing when nothing is allocated and returns
 * the count; fp NULL means stderr.  With MBUF_LEAK_REPORT=1 in the
 * environment the report is printed at exit, followed by a line
 * "libmbuf: LEAK: <n> objects still allocated at exit", and the process
 * exits with status 97 if anything is left.
 */
int	mbuf_leak_report(FILE *fp);
int	mbuf_leak_count(void);
/*
 * Debug mode, read once from MBUF_DEBUG at load (1: freed mbufs and
 * clusters are poisoned with 0xdeadbeef and quarantined; alloc: also
 * record the allocating and freeing calls and their C callers).  Returns 0 (off), 1, or 2 (alloc).  In debug
 * mode the C fast path sends every call through the checks, a use of a
 * freed mbuf reports who freed it, a write after free is reported when
 * the object leaves quarantine, and valgrind sees freed slab memory as
 * inaccessible.  mbuf_debug_flush() empties the quarantine (verifying it).
 */
int	mbuf_debug_mode(void);
void	mbuf_debug_flush(void);
/*
 * The C fast paths (the common cases of allocation and of the per-packet
 * chain operations, run without entering the Go core) on (1) or off (0)
 * for the whole process; returns the previous setting.  Off, every call
 * goes through the core's complete implementation: the results, the
 * violations and their messages are the same (that is tested), only
 * slower.  MBUF_FASTPATH=0 in the environment starts the process with
 * them off.  Debug mode keeps them off.
 */
int	mbuf_set_fastpath(int on);

/* ---- userland I/O bridge (capi/mbufc/iovec.c; issue 7) ----------------------- */
#include <sys/uio.h>		/* struct iovec */
struct msghdr;
/* most pieces (and bytes / MCLBYTES) the calls below handle: 128 KiB */
#define	M_IOVEC_MAX	64
#define	M_IOVEC_MAXLEN	(M_IOVEC_MAX * MCLBYTES)
/*
 * Point iov[] at the data of each non-empty mbuf of chain m, in order, for
 * writev/sendmsg: nothing is copied, the chain must stay alive and
 * unchanged while iov is used.  Returns the number of entries, or -1 with
 * errno EMSGSIZE if the chain has more than maxiov non-empty mbufs.
 */
int	m_to_iovec(const struct mbuf *m, struct iovec *iov, int maxiov);
/*
 * Receive into fresh storage (clusters; one header mbuf if len <= MHLEN)
 * with one readv / recvmsg of at most len bytes (0..M_IOVEC_MAXLEN), and
 * return a new packet chain trimmed to what arrived: pkthdr.len set,
 * unused mbufs freed.  0 bytes (end of file, empty datagram) gives an
 * empty packet.  NULL on failure: errno from the call, or ENOBUFS when
 * mbufs or clusters ran out (how: M_DONTWAIT or M_WAIT).  m_recvmsg uses
 * msg's name and control buffers (msg may be NULL; msg_iov is ignored)
 * and updates its msg_namelen, msg_controllen and msg_flags (MSG_TRUNC).
 */
struct mbuf *m_from_readv(int fd, int len, int how);
struct mbuf *m_recvmsg(int fd, struct msghdr *msg, int len, int flags,
	    int how);
/*
 * sendmsg(2) of chain m (not freed) to msg's name with its control data
 * (msg may be NULL).  Returns the bytes sent, or -1 with errno (EMSGSIZE
 * for a chain of more than M_IOVEC_MAX pieces).
 */
ssize_t	m_sendmsg(int fd, const struct mbuf *m, const struct msghdr *msg,
	    int flags);
/* ---- end of the I/O bridge ------------------------------------------------ */

/* ---- capture files: pcap and pcapng on chains (capi/mbufc/pcap.c; issue 15) */
/*
 * Write chains to pcap or pcapng files, each record gathered from the
 * mbufs' data (never flattened), and read records back as packet-header
 * chains: copied (m_devget), or zero copy, as read-only external storage
 * pointing into a capture held in memory.  Files are written in the host's
 * byte order (as libpcap does); both byte orders are read.  tcpdump and
 * libpcap read what the writer produces (both are tested).
 */
/* link types (tcpdump.org LINKTYPE_ values), a few common ones */
#define	MBUF_PCAP_LINKTYPE_NULL		0	/* BSD loopback: 4-byte AF, host order */
#define	MBUF_PCAP_LINKTYPE_ETHERNET	1
#define	MBUF_PCAP_LINKTYPE_RAW		101	/* an IPv4 or IPv6 header first */
#define	MBUF_PCAP_LINKTYPE_LINUX_SLL	113
#define	MBUF_PCAP_LINKTYPE_IPV4		228
#define	MBUF_PCAP_LINKTYPE_IPV6		229
/* flags */
#define	MBUF_PCAP_NSEC		0x1	/* nanosecond timestamps (writers; format) */
#define	MBUF_PCAP_NG		0x2	/* pcapng, not pcap (writers; format) */
#define	MBUF_PCAP_ZEROCOPY	0x4	/* records point into the capture (readers) */
/* the longest record (bytes captured) written or accepted */
#define	MBUF_PCAP_SNAPLEN_MAX	262144
/* room for a message of the reader's opening calls */
#define	MBUF_PCAP_ERRBUF_SIZE	256

/* one record's header, as written and as read */
struct mbuf_pcap_pkthdr {
	int64_t		ts_sec;		/* capture time: seconds since 1970 */
	uint32_t	ts_nsec;	/* and nanoseconds, 0..999999999 */
	uint32_t	caplen;		/* bytes in the record: the chain's length */
	uint32_t	len;		/* bytes on the wire (>= caplen when written) */
	uint32_t	ifindex;	/* pcapng interface; 0 in pcap */
	int32_t		linktype;	/* link type of the record's interface */
	uint32_t	flags;		/* pcapng epb_flags (direction...); 0: none */
};

struct mbuf_pcap_dumper;		/* a capture file being written */
struct mbuf_pcap_reader;		/* a capture file being read */

/*
 * Start a capture file on the stdio stream fp, or on the file descriptor fd
 * (each record then goes out as one writev(2) of its header and the mbufs'
 * data): the file header (pcap), or a section header and one interface
 * description block (flags & MBUF_PCAP_NG).  linktype: 0..65535 (the
 * MBUF_PCAP_LINKTYPE_ values); snaplen: 0..MBUF_PCAP_SNAPLEN_MAX, 0 for the
 * maximum; flags: MBUF_PCAP_NG, MBUF_PCAP_NSEC.  fp and fd stay open (close
 * them after mbuf_pcap_dump_close).  NULL with errno on failure: the
 * stream's, ENOMEM, or EINVAL after a violation (bad argument).
 */
struct mbuf_pcap_dumper *mbuf_pcap_dump_open(FILE *fp, int linktype,
	    int snaplen, int flags);
struct mbuf_pcap_dumper *mbuf_pcap_dump_fdopen(int fd, int linktype,
	    int snaplen, int flags);
/*
 * Append the chain m (any chain; not freed, not changed) as one record of
 * min(its length, snaplen) bytes.  h gives the time (ts_sec, ts_nsec),
 * the wire length (h->len; the chain's length if that is more) and, in
 * pcapng, epb_flags (h->flags); its other fields are ignored.  h NULL:
 * now (CLOCK_REALTIME), the chain's length, no flags.  Returns 0, or -1
 * with errno: EOVERFLOW (a time the format cannot hold: before 1970, or
 * after 2106 in pcap; nothing written), a write error (the file is then
 * broken and every later call fails the same way), EINVAL after a
 * violation (d NULL, m not a live chain, ts_nsec out of range).
 */
int	mbuf_pcap_dump(struct mbuf_pcap_dumper *d, const struct mbuf *m,
	    const struct mbuf_pcap_pkthdr *h);
/* fflush the stream (nothing to do on a descriptor); 0 or -1 with errno */
int	mbuf_pcap_dump_flush(struct mbuf_pcap_dumper *d);
/* flush and free d (NULL: nothing); 0, or -1 with errno if any write failed */
int	mbuf_pcap_dump_close(struct mbuf_pcap_dumper *d);

/*
 * Open a capture for reading, pcap or pcapng, either byte order.
 * mbuf_pcap_open_offline reads the file at path: through stdio (a pipe or
 * a FIFO works), or with MBUF_PCAP_ZEROCOPY mmap'd whole (MAP_PRIVATE; it
 * must not shrink while mapped) or, when it cannot be mapped, read whole
 * into memory.  mbuf_pcap_fopen_offline reads fp from its position (fp
 * stays open; with MBUF_PCAP_ZEROCOPY its rest is read into memory at
 * once).  mbuf_pcap_open_mem reads buf[0, len); the reader owns buf from
 * the call: release(arg) (if not NULL) runs exactly once, from the thread
 * that drops the last reference, when the reader is closed and no chain
 * refers to buf any more, or before a failed open returns.
 * mbuf_pcap_open_mbuf reads the data of the chain m, which it takes over
 * in the same way (freed with m_freem; a chain of several pieces is first
 * copied into one buffer).  flags: MBUF_PCAP_ZEROCOPY or 0.  NULL on
 * failure with errno (EBADMSG: not a capture, or a broken header; the
 * file's or ENOMEM) and a message in errbuf (MBUF_PCAP_ERRBUF_SIZE bytes;
 * may be NULL).
 */
struct mbuf_pcap_reader *mbuf_pcap_open_offline(const char *path, int flags,
	    char *errbuf);
struct mbuf_pcap_reader *mbuf_pcap_fopen_offline(FILE *fp, int flags,
	    char *errbuf);
struct mbuf_pcap_reader *mbuf_pcap_open_mem(const void *buf, size_t len,
	    int flags, void (*release)(void *arg), void *arg, char *errbuf);
struct mbuf_pcap_reader *mbuf_pcap_open_mbuf(struct mbuf *m, int flags,
	    char *errbuf);
/*
 * The next record as a new packet-header chain in *mp (pkthdr.len =
 * caplen; rcvif NULL) and its header in *h (h may be NULL).  Copied with
 * m_devget (an empty record: one empty header mbuf), or with
 * MBUF_PCAP_ZEROCOPY one header mbuf whose read-only external storage is
 * the record in the capture (M_READONLY: m_makewritable and
 * m_copyback_cow copy what they change).  Blocks of pcapng that hold no
 * packet are skipped; interface descriptions and new sections are
 * followed.  Returns 1 (a record), 0 (the end of the capture, at a record
 * boundary), or -1 with errno and a message for mbuf_pcap_geterr:
 * EBADMSG (truncated or corrupt: every later call fails the same way),
 * ENOBUFS (out of mbufs: the record is kept and the next call tries
 * again), a read error, or EINVAL after a violation.
 */
int	mbuf_pcap_next(struct mbuf_pcap_reader *r, struct mbuf **mp,
	    struct mbuf_pcap_pkthdr *h);
/* the message of the last failure of r ("" if none) */
const char *mbuf_pcap_geterr(const struct mbuf_pcap_reader *r);
/*
 * What the capture says of itself: the link type and snapshot length of
 * its first interface (-1 in a pcapng file before one is described), and
 * its format as dumper flags: MBUF_PCAP_NG, and MBUF_PCAP_NSEC when its
 * timestamps (of the first interface) are finer than microseconds.
 */
int	mbuf_pcap_datalink(const struct mbuf_pcap_reader *r);
int	mbuf_pcap_snapshot(const struct mbuf_pcap_reader *r);
int	mbuf_pcap_format(const struct mbuf_pcap_reader *r);
/* free r (NULL: nothing); chains it returned stay valid */
void	mbuf_pcap_close(struct mbuf_pcap_reader *r);
/* ---- end of capture files ------------------------------------------------- */

/* the allocation macros' inline bodies and their ABI (version 1) */
#include "mbuf_inline.h"

#ifdef __cplusplus
}
#endif

#endif /* !_LIBMBUF_MBUF_H_ */
