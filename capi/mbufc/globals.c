/*
 * The kernel variables of uipc_mbuf.c as C globals: ported code reads and
 * writes them directly.  The Go core is bound to their addresses at load.
 */
#include "internal.h"

struct mbstat	mbstat;
int	nmbclusters = NMBCLUSTERS;
int	mblowat = MBLOWAT;
int	mcllowat = MCLLOWAT;
int	max_linkhdr = 16;		/* ethernet header, rounded */
int	max_protohdr = 60;		/* IPv6 + TCP, as GENERIC amd64 */
int	max_hdr = 16 + 60;
int	max_datalen = MHLEN - (16 + 60);
const int msize = MSIZE;
const int mclbytes = MCLBYTES;
int	MCFail, MPFail, MSFail;

/* pool_cache_t handles: identities only (ext_arg of clusters is mcl_cache) */
struct pool_cache {
	const char *pc_name;
};
static struct pool_cache mb_cache_store = { "mbpl" };
static struct pool_cache mcl_cache_store = { "mclpl" };
pool_cache_t mb_cache = &mb_cache_store;
pool_cache_t mcl_cache = &mcl_cache_store;

struct malloc_type M_MBUF[1] = { { NULL, "mbuf", 0, 0 } };
struct malloc_type M_SONAME[1] = { { NULL, "soname", 0, 0 } };
struct malloc_type M_SOOPTS[1] = { { NULL, "soopts", 0, 0 } };
struct malloc_type M_PACKET_TAGS[1] = { { NULL, "packet tags", 0, 0 } };
static struct malloc_type M_FREE_TYPE[1] = { { NULL, "free", 0, 0 } };
static struct malloc_type M_FTABLE_TYPE[1] = { { NULL, "fragtbl", 0, 0 } };

struct malloc_type *mbtypes[] = {
	M_FREE_TYPE,	/* MT_FREE */
	M_MBUF,		/* MT_DATA */
	M_MBUF,		/* MT_HEADER */
	M_SONAME,	/* MT_SONAME */
	M_SOOPTS,	/* MT_SOOPTS */
	M_FTABLE_TYPE,	/* MT_FTABLE */
	M_MBUF,		/* MT_CONTROL */
	M_MBUF,		/* MT_OOBDATA */
};

struct mownerhead mowners = LIST_HEAD_INITIALIZER(mowners);
struct mowner unknown_mowners[] = {
	MOWNER_INIT("unknown", "free"),
	MOWNER_INIT("unknown", "data"),
	MOWNER_INIT("unknown", "header"),
	MOWNER_INIT("unknown", "soname"),
	MOWNER_INIT("unknown", "soopts"),
	MOWNER_INIT("unknown", "ftable"),
	MOWNER_INIT("unknown", "control"),
	MOWNER_INIT("unknown", "oobdata"),
};
struct mowner revoked_mowner = MOWNER_INIT("revoked", "");

const char *
mbuf_version(void)
{
	return LIBMBUF_VERSION;
}
