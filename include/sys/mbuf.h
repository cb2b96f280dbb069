/* NetBSD sources include <sys/mbuf.h>; libmbuf's header is <mbuf.h>. */
#ifndef _LIBMBUF_SYS_MBUF_H_
#define _LIBMBUF_SYS_MBUF_H_
#include "../mbuf.h"
#endif
