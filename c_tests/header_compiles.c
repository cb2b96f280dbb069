/* The public header alone must compile cleanly in C99, C11 and C++. */
#include <sys/mbuf.h>
#include <mbuf.h>	/* twice: include guards */

int header_compiles_marker(void);
int
header_compiles_marker(void)
{
	struct mbuf *m = NULL;

	return (int)sizeof(*m) + M_COPYALL + (m != NULL ? (int)m_length(m) : 0);
}
