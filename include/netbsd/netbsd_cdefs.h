/*
 * libmbuf porting kit: the <sys/cdefs.h> spellings NetBSD sources use
 * (__KERNEL_RCSID, __predict_true, __arraycount, __packed, ...), as plain
 * macros with no #include, so that the <sys/cdefs.h> wrapper can pull them
 * in wherever the C library includes that header.
 *
 * Every macro is defined only if the C library did not define it.
 * __unused and __used are defined only with _KERNEL: glibc's <spawn.h> and
 * some <linux/...> headers use those names for structure members, so
 * include such headers before any kit header.
 */
#ifndef _LIBMBUF_NETBSD_CDEFS_H_
#define _LIBMBUF_NETBSD_CDEFS_H_

/* revision strings: kept out of the object (a declaration that uses the ';') */
#ifndef __KERNEL_RCSID
#define	__KERNEL_RCSID(_n, _s)	struct __libmbuf_rcsid_unused
#endif
#ifndef __RCSID
#define	__RCSID(_s)		struct __libmbuf_rcsid_unused
#endif
#ifndef __KERNEL_COPYRIGHT
#define	__KERNEL_COPYRIGHT(_n, _s) struct __libmbuf_rcsid_unused
#endif
#ifndef __COPYRIGHT
#define	__COPYRIGHT(_s)		struct __libmbuf_rcsid_unused
#endif

/* branch hints */
#ifndef __predict_true
#define	__predict_true(exp)	__builtin_expect(((exp) != 0), 1)
#endif
#ifndef __predict_false
#define	__predict_false(exp)	__builtin_expect(((exp) != 0), 0)
#endif

/* token pasting and quoting */
#ifndef __CONCAT
#define	__CONCAT(x, y)		x ## y
#endif
#ifndef __STRING
#define	__STRING(x)		#x
#endif

/* attributes */
#ifndef __aligned
#define	__aligned(x)		__attribute__((__aligned__(x)))
#endif
#ifndef __packed
#define	__packed		__attribute__((__packed__))
#endif
#ifndef __dead
#define	__dead			__attribute__((__noreturn__))
#endif
#ifndef __printflike
#define	__printflike(f, a)	__attribute__((__format__(__printf__, f, a)))
#endif
#ifndef __scanflike
#define	__scanflike(f, a)	__attribute__((__format__(__scanf__, f, a)))
#endif
#ifndef __noinline
#define	__noinline		__attribute__((__noinline__))
#endif
#ifndef __section
#define	__section(x)		__attribute__((__section__(x)))
#endif
#ifndef __diagused
#define	__diagused		__attribute__((__unused__))
#endif
#if defined(_KERNEL)
#ifndef __unused
#define	__unused		__attribute__((__unused__))
#endif
#ifndef __used
#define	__used			__attribute__((__used__))
#endif
#endif

/* arrays and qualifiers */
#ifndef __arraycount
#define	__arraycount(a)		(sizeof(a) / sizeof((a)[0]))
#endif
#ifndef __UNCONST
#define	__UNCONST(a)		((void *)(unsigned long)(const void *)(a))
#endif
#ifndef __UNVOLATILE
#define	__UNVOLATILE(a)		((void *)(unsigned long)(volatile void *)(a))
#endif

#endif /* !_LIBMBUF_NETBSD_CDEFS_H_ */
