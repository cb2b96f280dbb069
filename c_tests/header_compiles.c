/* The public header alone must compile cleanly in C99, C11 and C++. */
#include <sys/mbuf.h>
#include <mbuf.h>	/* twice: include guards */

int header_compiles_marker(void);
int
header_compiles_marker(void)
{
	struct mbuf *m = NULL, *n = NULL;

	/* the allocation macros, inline (mbuf_inline.h) unless MBUF_NO_INLINE */
	MGET(m, M_DONTWAIT, MT_DATA);
	if (m != NULL) {
		MCLGET(m, M_DONTWAIT);
		MFREE(m, n);
	}
	MGETHDR(m, M_DONTWAIT, MT_HEADER);
	return (int)sizeof(*m) + M_COPYALL + (m != NULL ? (int)m_length(m) : 0) +
	    (n != NULL);
}
