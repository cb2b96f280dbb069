/*
 * The ported kernel code itself, compiled here unchanged with the porting
 * kit's flags (this package's CFLAGS: -D_KERNEL, include/netbsd).
 */
#include "udp4_check.c"
