/*
 * Empty C functions with the signatures of the libmbuf calls timed by
 * pybench.py: the baseline of a ctypes call with the same argument
 * conversions, so a row's ratio shows what the library (and, for Packet
 * rows, the Python layer) adds to ctypes itself.
 */
#include <stddef.h>

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
