/*
 * libmbuf porting kit: the kernel environment that NetBSD network code
 * expects around mbufs, in userland.  Compile such code with
 *
 *	-D_KERNEL -I<libmbuf>/include/netbsd -I<libmbuf>/include
 *
 * (installed: pkg-config --variable=kit_cflags mbuf, or the CMake target
 * mbuf::netbsd_kit) and include the kernel headers as NetBSD spells them:
 * <sys/param.h>, <sys/systm.h>, <sys/malloc.h>, <sys/kernel.h>,
 * <sys/queue.h>, <sys/mbuf.h>.  Each of those includes this file.
 *
 * What it gives (all header-only; nothing to link besides libmbuf):
 *   panic(fmt, ...)          through mbuf_panic(): the panic handler of
 *                            libmbuf (default: message, abort); never returns
 *   KASSERT/KASSERTMSG       checked with DIAGNOSTIC (on by default here;
 *                            -DNDIAGNOSTIC turns them off); KDASSERT with DEBUG
 *   CTASSERT                 a static assertion
 *   printf, log(level, ...)  stdout / stderr (or netbsd_log_hook); aprint_*
 *   malloc(size, type, flags), free(addr, type), realloc(addr, size, type,
 *                            flags), MALLOC/FREE: M_NOWAIT, M_WAITOK,
 *                            M_ZERO, M_CANFAIL; per-type counts in
 *                            struct malloc_type (ks_inuse, ks_calls)
 *   MALLOC_DEFINE/MALLOC_DECLARE, and M_TEMP, M_DEVBUF, M_PCB, M_IFADDR,
 *                            M_IPMOPTS, M_IPMADDR, M_RTABLE, M_SOOPTS ...
 *   kmem_alloc/kmem_zalloc/kmem_free with KM_SLEEP/KM_NOSLEEP
 *   splnet(), splvm(), splsoftnet(), splhigh() ... and splx(): no-ops
 *   mutex_init/enter/tryenter/exit/destroy over kmutex_t (a spin lock)
 *   htons/ntohs/htonl/ntohl, HTONS/NTOHS/HTONL/NTOHL (in place),
 *                            bswap16/32/64
 *   min/max/imin/imax/lmin/lmax/ulmin/ulmax, MIN/MAX/howmany/roundup
 *   in_cksum(m, len), in4_cksum(m, nxt, off, len) over a chain
 *   hz, time_second, time_uptime; copyin/copyout (memcpy); bcopy/bzero
 *   u_char/u_short/u_int/u_long/caddr_t/u_int8_t...; <sys/cdefs.h>
 *                            spellings (__KERNEL_RCSID, __predict_true...)
 *
 * The C library headers are included first, because the kit's function-
 * like macros (malloc, free, realloc, log, panic) must not reach their
 * declarations: a file compiled with the kit must use the 3-argument
 * malloc(9) spelling throughout.
 */
#ifndef _LIBMBUF_NETBSD_KERNEL_COMPAT_H_
#define _LIBMBUF_NETBSD_KERNEL_COMPAT_H_

/* BSD and POSIX names of the C library (effective if no system header came first) */
#if !defined(_FEATURES_H) && !defined(_DEFAULT_SOURCE)
#define	_DEFAULT_SOURCE	1
#endif

#include <sys/types.h>
#include <sys/param.h>
#include <sys/queue.h>
#include <errno.h>
#include <limits.h>
#include <math.h>		/* so that log() is declared before the macro */
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>		/* LOG_EMERG ... LOG_DEBUG */
#include <time.h>
#include <arpa/inet.h>		/* htons family */
#include <netinet/in.h>

#include "netbsd_cdefs.h"
#include <mbuf.h>		/* M_NOWAIT..., struct malloc_type, kmutex_t */

#ifdef __cplusplus
extern "C" {
#endif

#if !defined(DIAGNOSTIC) && !defined(NDIAGNOSTIC)
#define	DIAGNOSTIC	1
#endif

/* ---- BSD type names (C11 allows repeating a typedef) --------------------- */
typedef unsigned char	u_char;
typedef unsigned short	u_short;
typedef unsigned int	u_int;
typedef unsigned long	u_long;
typedef char		*caddr_t;
typedef uint8_t		u_int8_t;
typedef uint16_t	u_int16_t;
typedef uint32_t	u_int32_t;
typedef uint64_t	u_int64_t;

/* ---- panic and assertions ------------------------------------------------ */

/* the message goes to libmbuf's panic handler; a handler that returns
 * cannot resume kernel code that assumed panic() does not return */
static inline __dead __printflike(2, 3) void
netbsd_panic(const char *func, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mbuf_panic(func, "%s", msg);
	abort();
}
#define	panic(...)	netbsd_panic(__func__, __VA_ARGS__)

static inline __dead void
netbsd_assert_fail(const char *func, const char *kind, const char *expr,
    const char *file, int line)
{
	mbuf_panic(func, "%s \"%s\" failed: file \"%s\", line %d", kind,
	    expr, file, line);
	abort();
}

#ifdef DIAGNOSTIC
#define	KASSERT(e)							\
	(__predict_true(e) ? (void)0 :					\
	 netbsd_assert_fail(__func__, "kernel assertion", #e, __FILE__, \
	 __LINE__))
#define	KASSERTMSG(e, ...)						\
	(__predict_true(e) ? (void)0 : netbsd_panic(__func__, __VA_ARGS__))
#else
#define	KASSERT(e)		((void)0)
#define	KASSERTMSG(e, ...)	((void)0)
#endif
#ifdef DEBUG
#define	KDASSERT(e)							\
	(__predict_true(e) ? (void)0 :					\
	 netbsd_assert_fail(__func__, "debugging assertion", #e,	\
	 __FILE__, __LINE__))
#else
#define	KDASSERT(e)		((void)0)
#endif
#ifndef CTASSERT
#define	CTASSERT(x)		_Static_assert((x), #x)
#endif

/* ---- console and log ----------------------------------------------------- */

/*
 * log(9): messages go to netbsd_log_hook when it is set, else to stderr.
 * The hook is one object for the whole program (weak definition).
 */
__attribute__((weak)) void (*netbsd_log_hook)(int level, const char *msg);

static inline __printflike(2, 0) void
netbsd_vlog(int level, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (netbsd_log_hook != NULL)
		netbsd_log_hook(level, msg);
	else
		fputs(msg, stderr);
}

static inline __printflike(2, 3) void
netbsd_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	netbsd_vlog(level, fmt, ap);
	va_end(ap);
}
#define	log(level, ...)		netbsd_log((level), __VA_ARGS__)
#define	vlog(level, fmt, ap)	netbsd_vlog((level), (fmt), (ap))
#define	addlog(...)		netbsd_log(LOG_INFO, __VA_ARGS__)
#define	uprintf(...)		printf(__VA_ARGS__)
#define	aprint_normal(...)	printf(__VA_ARGS__)
#define	aprint_naive(...)	((void)0)
#define	aprint_verbose(...)	((void)0)
#define	aprint_debug(...)	((void)0)
#define	aprint_error(...)	fprintf(stderr, __VA_ARGS__)

/* ---- malloc(9) ------------------------------------------------------------ */

#define	MALLOC_DECLARE(type)	extern struct malloc_type type[1]
#define	MALLOC_DEFINE(type, shortdesc, longdesc)			\
	struct malloc_type type[1] = { { NULL, (shortdesc), 0, 0 } }
/* a type the kit defines for every program (weak: one copy in the end) */
#define	_NETBSD_KIT_MALLOC_TYPE(type, shortdesc)			\
	__attribute__((weak)) struct malloc_type type[1] =		\
	    { { NULL, (shortdesc), 0, 0 } }

_NETBSD_KIT_MALLOC_TYPE(M_FREE, "free");
_NETBSD_KIT_MALLOC_TYPE(M_DEVBUF, "devbuf");
_NETBSD_KIT_MALLOC_TYPE(M_TEMP, "temp");
_NETBSD_KIT_MALLOC_TYPE(M_PCB, "pcb");
_NETBSD_KIT_MALLOC_TYPE(M_RTABLE, "routetbl");
_NETBSD_KIT_MALLOC_TYPE(M_FTABLE, "fragtbl");
_NETBSD_KIT_MALLOC_TYPE(M_IFADDR, "ifaddr");
_NETBSD_KIT_MALLOC_TYPE(M_IFMADDR, "ether_multi");
_NETBSD_KIT_MALLOC_TYPE(M_IPMOPTS, "ip_moptions");
_NETBSD_KIT_MALLOC_TYPE(M_IPMADDR, "in_multi");
_NETBSD_KIT_MALLOC_TYPE(M_IP6OPT, "ip6_options");
_NETBSD_KIT_MALLOC_TYPE(M_IP6NDP, "NDP");
_NETBSD_KIT_MALLOC_TYPE(M_SECA, "key_mgmt");
_NETBSD_KIT_MALLOC_TYPE(M_IOCTLOPS, "ioctlops");

#define	_NETBSD_KIT_MFLAGS	(M_NOWAIT | M_WAITOK | M_ZERO | M_CANFAIL)

static inline void *
netbsd_malloc(unsigned long size, struct malloc_type *type, int flags)
{
	void *p;

	if (__predict_false(type == NULL || (flags & ~_NETBSD_KIT_MFLAGS)))
		netbsd_panic("malloc", "type %p, flags %#x", (void *)type,
		    flags);
	p = (flags & M_ZERO) ? (calloc)(1, size ? size : 1) :
	    (malloc)(size ? size : 1);
	if (__predict_false(p == NULL)) {
		if ((flags & (M_NOWAIT | M_CANFAIL)) == 0)
			netbsd_panic("malloc", "out of memory: %lu bytes of %s",
			    size, type->ks_shortdesc);
		return NULL;
	}
	__atomic_add_fetch(&type->ks_inuse, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&type->ks_calls, 1, __ATOMIC_RELAXED);
	return p;
}

static inline void
netbsd_free(void *addr, struct malloc_type *type)
{
	if (__predict_false(type == NULL))
		netbsd_panic("free", "addr %p: NULL malloc type", addr);
	if (addr == NULL)
		return;
	__atomic_sub_fetch(&type->ks_inuse, 1, __ATOMIC_RELAXED);
	(free)(addr);
}

/* M_ZERO does not zero the grown part, as with the kernel's */
static inline void *
netbsd_realloc(void *addr, unsigned long size, struct malloc_type *type,
    int flags)
{
	void *p;

	if (addr == NULL)
		return netbsd_malloc(size, type, flags);
	p = (realloc)(addr, size ? size : 1);
	if (__predict_false(p == NULL) && (flags & (M_NOWAIT | M_CANFAIL)) == 0)
		netbsd_panic("realloc", "out of memory: %lu bytes of %s",
		    size, type->ks_shortdesc);
	return p;
}

#define	malloc(size, type, flags)	netbsd_malloc((size), (type), (flags))
#define	free(addr, type)		netbsd_free((addr), (type))
#define	realloc(addr, size, type, flags)				\
	netbsd_realloc((addr), (size), (type), (flags))
#define	MALLOC(space, cast, size, type, flags)				\
	((space) = (cast)netbsd_malloc((size), (type), (flags)))
#define	FREE(addr, type)		netbsd_free((addr), (type))

/* kmem(9) */
#define	KM_SLEEP	0x01
#define	KM_NOSLEEP	0x02
static inline void *
kmem_alloc(size_t size, int flags)
{
	void *p = (malloc)(size ? size : 1);

	if (p == NULL && (flags & KM_NOSLEEP) == 0)
		netbsd_panic("kmem_alloc", "out of memory: %zu bytes", size);
	return p;
}
static inline void *
kmem_zalloc(size_t size, int flags)
{
	void *p = (calloc)(1, size ? size : 1);

	if (p == NULL && (flags & KM_NOSLEEP) == 0)
		netbsd_panic("kmem_zalloc", "out of memory: %zu bytes", size);
	return p;
}
static inline void
kmem_free(void *p, size_t size)
{
	(void)size;
	(free)(p);
}

/* ---- interrupt priority levels: one level here, so all no-ops ------------ */
#define	IPL_NONE	0
#define	IPL_SOFTNET	1
#define	IPL_NET		2
#define	IPL_VM		3
#define	IPL_HIGH	4
static inline int netbsd_spl(void) { return 0; }
#define	spl0()		netbsd_spl()
#define	splsoftclock()	netbsd_spl()
#define	splsoftnet()	netbsd_spl()
#define	splnet()	netbsd_spl()
#define	splbio()	netbsd_spl()
#define	spltty()	netbsd_spl()
#define	splvm()		netbsd_spl()
#define	splclock()	netbsd_spl()
#define	splsched()	netbsd_spl()
#define	splserial()	netbsd_spl()
#define	splhigh()	netbsd_spl()
#define	splx(s)		((void)(s))

/* ---- mutex(9) over the kmutex_t of <mbuf.h>: a spin lock ---------------- */
#define	MUTEX_DEFAULT	0
#define	MUTEX_DRIVER	0
#define	MUTEX_SPIN	1
static inline void
mutex_init(kmutex_t *mtx, int type, int ipl)
{
	(void)type;
	(void)ipl;
	__atomic_store_n(&mtx->mtx_word, 0, __ATOMIC_RELEASE);
}
static inline int
mutex_tryenter(kmutex_t *mtx)
{
	return __atomic_exchange_n(&mtx->mtx_word, 1, __ATOMIC_ACQUIRE) == 0;
}
static inline void
mutex_enter(kmutex_t *mtx)
{
	while (!mutex_tryenter(mtx))
		sched_yield();
}
static inline void
mutex_exit(kmutex_t *mtx)
{
	KASSERT(mtx->mtx_word != 0);
	__atomic_store_n(&mtx->mtx_word, 0, __ATOMIC_RELEASE);
}
static inline void
mutex_destroy(kmutex_t *mtx)
{
	KASSERT(mtx->mtx_word == 0);
}
#define	mutex_owned(mtx)	((mtx)->mtx_word != 0)

/* ---- byte order ------------------------------------------------------------ */
#define	HTONS(x)	((x) = htons((uint16_t)(x)))
#define	NTOHS(x)	((x) = ntohs((uint16_t)(x)))
#define	HTONL(x)	((x) = htonl((uint32_t)(x)))
#define	NTOHL(x)	((x) = ntohl((uint32_t)(x)))
#ifndef bswap16
#define	bswap16(x)	__builtin_bswap16(x)
#define	bswap32(x)	__builtin_bswap32(x)
#define	bswap64(x)	__builtin_bswap64(x)
#endif

/* ---- libkern ------------------------------------------------------------- */
static inline u_int min(u_int a, u_int b) { return a < b ? a : b; }
static inline u_int max(u_int a, u_int b) { return a > b ? a : b; }
static inline int imin(int a, int b) { return a < b ? a : b; }
static inline int imax(int a, int b) { return a > b ? a : b; }
static inline long lmin(long a, long b) { return a < b ? a : b; }
static inline long lmax(long a, long b) { return a > b ? a : b; }
static inline u_long ulmin(u_long a, u_long b) { return a < b ? a : b; }
static inline u_long ulmax(u_long a, u_long b) { return a > b ? a : b; }

/* user/kernel copies: one address space here */
static inline int
copyin(const void *uaddr, void *kaddr, size_t len)
{
	memcpy(kaddr, uaddr, len);
	return 0;
}
static inline int
copyout(const void *kaddr, void *uaddr, size_t len)
{
	memcpy(uaddr, kaddr, len);
	return 0;
}

/* ---- Internet checksum over a chain (in_cksum(9)) ------------------------ */
#ifndef LIBMBUF_KIT_NO_IN_CKSUM
/*
 * in4_cksum(m, nxt, off, len): the Internet checksum of len bytes at off in
 * chain m, plus, when nxt is not 0, the IPv4 pseudo header made of the
 * addresses of the IP header at the start of m, protocol nxt and length
 * len.  Returns the complemented sum as stored in a header (network byte
 * order): 0 when the data includes a correct checksum.  in_cksum(m, len)
 * is in4_cksum(m, 0, 0, len).  Define LIBMBUF_KIT_NO_IN_CKSUM to bring
 * your own.
 */
static inline int
in4_cksum(struct mbuf *m, u_int8_t nxt, int off, int len)
{
	const u_char *p;
	u_int32_t sum = 0;
	int n, odd = 0;

	KASSERT(off >= 0 && len >= 0);
	if (nxt != 0) {
		KASSERT(m->m_len >= 20);
		p = mtod(m, const u_char *) + 12;	/* ip_src, ip_dst */
		for (n = 0; n < 8; n += 2)
			sum += (u_int32_t)p[n] << 8 | p[n + 1];
		sum += nxt + (u_int32_t)len;
	}
	for (; m != NULL && off >= m->m_len; m = m->m_next)
		off -= m->m_len;
	for (; m != NULL && len > 0; m = m->m_next, off = 0) {
		p = mtod(m, const u_char *) + off;
		n = m->m_len - off < len ? m->m_len - off : len;
		len -= n;
		if (odd && n > 0) {
			sum += *p++;
			n--;
			odd = 0;
		}
		for (; n >= 2; n -= 2, p += 2)
			sum += (u_int32_t)p[0] << 8 | p[1];
		if (n == 1) {
			sum += (u_int32_t)p[0] << 8;
			odd = 1;
		}
		sum = (sum & 0xffff) + (sum >> 16);
	}
	if (__predict_false(len > 0))
		netbsd_panic("in4_cksum", "out of data: %d bytes short", len);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((u_int16_t)(~sum & 0xffff));
}
#define	in_cksum(m, len)	in4_cksum((m), 0, 0, (len))
#endif

/* ---- time (sys/kernel.h) --------------------------------------------------- */
__attribute__((weak)) int hz = 100;
__attribute__((weak)) int tick = 10000;	/* microseconds per hz tick */
static inline time_t
netbsd_time_uptime(void)
{
	struct timespec ts;

#ifdef CLOCK_MONOTONIC
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
#else
	(void)ts;
	return time(NULL);	/* strict ISO C: no POSIX clocks declared */
#endif
}
#define	time_second	((time_t)time(NULL))
#define	time_uptime	netbsd_time_uptime()

#ifdef __cplusplus
}
#endif

#endif /* !_LIBMBUF_NETBSD_KERNEL_COMPAT_H_ */
