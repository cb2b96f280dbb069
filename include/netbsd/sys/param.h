/*
 * libmbuf porting kit: <sys/param.h> is the C library's (MIN, MAX,
 * howmany, roundup, NBBY, ...); with _KERNEL it also brings the kernel
 * environment of kernel_compat.h, as NetBSD's does.
 */
/* BSD and POSIX names of the C library (effective if no system header came first) */
#if defined(_KERNEL) && !defined(_FEATURES_H) && !defined(_DEFAULT_SOURCE)
#define	_DEFAULT_SOURCE	1
#endif
#include_next <sys/param.h>
#if defined(_KERNEL)
#include "../kernel_compat.h"
#endif
