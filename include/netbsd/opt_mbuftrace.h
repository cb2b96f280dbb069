/*
 * libmbuf porting kit: "opt_mbuftrace.h" (mbuf owner tracing), the kernel
 * option header that NetBSD's config(1) writes for a kernel configuration.
 *
 * Off (left undefined): MBUFTRACE. -D<NAME> turns one on.
 *
 * MBUFTRACE also turns on the owner macros of <mbuf.h> (MCLAIM,
 * MOWNER_ATTACH, ...), which then call the library's owner accounting.
 *
 * The README's "Kernel options" section lists the kit's option headers. A
 * file of the same name next to the source that includes it, or earlier on
 * the include path, replaces this one.
 */
#ifndef _LIBMBUF_NETBSD_OPT_MBUFTRACE_H_
#define _LIBMBUF_NETBSD_OPT_MBUFTRACE_H_
#endif
