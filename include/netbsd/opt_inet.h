/*
 * libmbuf porting kit: "opt_inet.h" (the Internet protocols), the kernel
 * option header that NetBSD's config(1) writes for a kernel configuration.
 *
 * On (defined here, as in a GENERIC kernel): INET, INET6.
 * -DLIBMBUF_KIT_NO_<NAME> turns one off.
 *
 * Off (left undefined): INET6_MD_CKSUM. -D<NAME> turns one on.
 *
 * Code under #ifdef INET / #ifdef INET6 is compiled only when the option
 * is on: with an empty opt_inet.h such a file compiles to nothing,
 * silently.
 *
 * The README's "Kernel options" section lists the kit's option headers. A
 * file of the same name next to the source that includes it, or earlier on
 * the include path, replaces this one.
 */
#ifndef _LIBMBUF_NETBSD_OPT_INET_H_
#define _LIBMBUF_NETBSD_OPT_INET_H_
#if defined(INET) && defined(LIBMBUF_KIT_NO_INET)
#error "opt_inet.h: both INET and LIBMBUF_KIT_NO_INET are defined"
#elif !defined(INET) && !defined(LIBMBUF_KIT_NO_INET)
#define	INET	1
#endif
#if defined(INET6) && defined(LIBMBUF_KIT_NO_INET6)
#error "opt_inet.h: both INET6 and LIBMBUF_KIT_NO_INET6 are defined"
#elif !defined(INET6) && !defined(LIBMBUF_KIT_NO_INET6)
#define	INET6	1
#endif
#endif
