/*
 * Empty C functions with the signatures of the libmbuf calls timed by
 * pybench.py: the baseline of a ctypes call with the same argument
 * conversions, so a row's ratio shows what the library adds to ctypes.
 */
#include <stddef.h>

void e_v(void) {}
void *e_ii(int a, int b) { (void)a; (void)b; return (void *)&e_v; }
void *e_p(void *m) { (void)m; return NULL; }
void e_pv(void *m) { (void)m; }
void e_piip(void *m, int a, int b, void *c) { (void)m; (void)a; (void)b; (void)c; }
void *e_piii(void *m, int a, int b, int c) { (void)m; (void)a; (void)b; (void)c; return NULL; }
