/*
 * libmbuf porting kit: <sys/cdefs.h> is the C library's, plus the NetBSD
 * spellings of netbsd_cdefs.h (macros only; nothing the C library defines
 * is redefined).
 */
/* BSD and POSIX names of the C library (effective if no system header came first) */
#if defined(_KERNEL) && !defined(_FEATURES_H) && !defined(_DEFAULT_SOURCE)
#define	_DEFAULT_SOURCE	1
#endif
#include_next <sys/cdefs.h>
#include "../netbsd_cdefs.h"
