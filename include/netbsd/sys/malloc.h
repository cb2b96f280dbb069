/*
 * libmbuf porting kit: NetBSD's kernel <sys/malloc.h>.  Everything the kit
 * provides is in kernel_compat.h; see the README's "Porting NetBSD code".
 */
#include "../kernel_compat.h"
