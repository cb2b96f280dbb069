/*
 * libmbuf porting kit: "opt_gateway.h" (packet forwarding), the kernel
 * option header that NetBSD's config(1) writes for a kernel configuration.
 *
 * Off (left undefined): GATEWAY. -D<NAME> turns one on.
 *
 * The README's "Kernel options" section lists the kit's option headers. A
 * file of the same name next to the source that includes it, or earlier on
 * the include path, replaces this one.
 */
#ifndef _LIBMBUF_NETBSD_OPT_GATEWAY_H_
#define _LIBMBUF_NETBSD_OPT_GATEWAY_H_
#endif
