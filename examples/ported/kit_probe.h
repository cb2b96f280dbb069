/* kit_probe.c: checks of the porting kit run as kernel code */
#ifndef _KIT_PROBE_H_
#define _KIT_PROBE_H_
int	kit_probe(void);		/* the number of failed checks */
int	kit_probe_macros(void);		/* MGET, MCLGET, MFREE: failed checks */
void	kit_probe_panic(int value);	/* panic("kit_probe_panic: value %d") */
void	kit_probe_bad_malloc(void);	/* malloc with an unknown flag */
void	kit_probe_kassert(int value);	/* KASSERT(value > 0) */
struct mbuf;
/* in4_cksum(m, nxt, off, len) of the kit (in_cksum when nxt and off are 0) */
int	kit_probe_cksum(struct mbuf *m, int nxt, int off, int len);
#endif
