/*
 * MBUFTRACE owner accounting.  Every mbuf carries an owner (unknown_mowners
 * of its type when allocated); these functions keep the per-owner counters
 * of the 2007 struct mowner and the list behind kern.mbuf.mowners.
 */
#include <pthread.h>
#include <stdio.h>

#include "internal.h"

static pthread_mutex_t owners_lock = PTHREAD_MUTEX_INITIALIZER;

#define	BUMP(field)	__atomic_add_fetch(&(field), 1, __ATOMIC_RELAXED)

void
mowner_init(struct mbuf *m, int type)
{
	struct mowner *mo = &unknown_mowners[type >= 0 && type <= MT_OOBDATA ?
	    type : MT_DATA];

	m->m_owner = mo;
	BUMP(mo->mo_claims);
}

void
mowner_ref(struct mbuf *m, int flags)
{
	struct mowner *mo = m->m_owner;

	if (mo == NULL)
		return;
	if (flags & M_EXT)
		BUMP(mo->mo_ext_claims);
	if (flags & M_CLUSTER)
		BUMP(mo->mo_cluster_claims);
}

void
mowner_revoke(struct mbuf *m, int all, int flags)
{
	struct mowner *mo = m->m_owner;

	if (mo == NULL)
		return;
	if (flags & M_EXT)
		BUMP(mo->mo_ext_releases);
	if (flags & M_CLUSTER)
		BUMP(mo->mo_cluster_releases);
	if (all) {
		BUMP(mo->mo_releases);
		m->m_owner = &revoked_mowner;
	}
}

void
m_claim(struct mbuf *m, struct mowner *mo)
{
	if (m == NULL || mo == NULL || m->m_owner == mo)
		return;
	mowner_revoke(m, 1, m->m_flags);
	m->m_owner = mo;
	BUMP(mo->mo_claims);
	mowner_ref(m, m->m_flags);
}

void
mowner_attach(struct mowner *mo)
{
	pthread_mutex_lock(&owners_lock);
	LIST_INSERT_HEAD(&mowners, mo, mo_link);
	pthread_mutex_unlock(&owners_lock);
}

void
mowner_detach(struct mowner *mo)
{
	pthread_mutex_lock(&owners_lock);
	LIST_REMOVE(mo, mo_link);
	pthread_mutex_unlock(&owners_lock);
}

/*
 * For reports (core/owners.go): the "name/descr" of mo if it is on the
 * mowners list, else 0.  Reports never read an owner they cannot vouch
 * for; an attached one stays valid until mowner_detach, which takes the
 * same lock.
 */
int
mbuf__owner_name(uintptr_t mo, char *buf, int n)
{
	struct mowner *o;
	int found = 0;

	pthread_mutex_lock(&owners_lock);
	LIST_FOREACH(o, &mowners, mo_link)
		if ((uintptr_t)o == mo) {
			snprintf(buf, (size_t)n, "%.*s/%.*s",
			    (int)sizeof(o->mo_name), o->mo_name,
			    (int)sizeof(o->mo_descr), o->mo_descr);
			found = 1;
			break;
		}
	pthread_mutex_unlock(&owners_lock);
	return found;
}
