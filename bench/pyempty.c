/*
 * Empty C functions with the signatures of the libmbuf calls timed by
 * pybench.py: the baseline of a ctypes call with the same argument
 * conversions, so a row's ratio shows what the library (and, for Packet
 * rows, the Python layer) adds to ctypes itself.
 */
#include <stddef.h>
#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>	/* Debian's valgrind package */
#endif
#endif
#ifndef CALLGRIND_DUMP_STATS
#define	CALLGRIND_DUMP_STATS	do { } while (0)
#endif

void e_v(void) {}
void *e_ii(int a, int b) { (void)a; (void)b; return (void *)&e_v; }
void *e_p(void *m) { (void)m; return NULL; }
void e_pv(void *m) { (void)m; }
void e_piip(void *m, int a, int b, void *c) { (void)m; (void)a; (void)b; (void)c; }
void *e_piii(void *m, int a, int b, int c) { (void)m; (void)a; (void)b; (void)c; return NULL; }
void e_pi(void *m, int a) { (void)m; (void)a; }
void *e_pi_p(void *m, int a) { (void)m; (void)a; return m; }
void *e_pii(void *m, int a, int b) { (void)m; (void)a; (void)b; return m; }
int e_pipi(void *m, int a, void *b, int c) { (void)m; (void)a; (void)b; (void)c; return 0; }
void *e_pip(void *m, int a, void *b) { (void)m; (void)a; (void)b; return NULL; }
void e_pp(void *m, void *n) { (void)m; (void)n; }
/* pyinstr.py: under callgrind, dump the counts so far (elsewhere: nothing) */
void e_mark(void) { CALLGRIND_DUMP_STATS; }
