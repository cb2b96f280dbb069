/*
 * libmbuf porting kit: <sys/protosw.h> exists so that NetBSD network sources
 * that include it compile.  Sockets, protocol switches and domains are not
 * part of the kit: only the structure names are declared.
 */
#ifndef _LIBMBUF_NETBSD_SYS_PROTOSW_H_
#define _LIBMBUF_NETBSD_SYS_PROTOSW_H_
struct socket;
struct sockbuf;
struct protosw;
struct domain;
#endif
