/*
 * MBUFTRACE owner accounting.  Every mbuf carries an owner (unknown_mowners
 * of its type when allocated); these functions keep the per-owner counters
 * of the 2007 struct mowner and the list behind kern.mbuf.mowners.
 *
 * The list `mowners` belongs to this file: it is set up, changed and read
 * only here, always under owners_lock (sysctl.c copies it out through
 * mbuf__owners_copy, reports name owners through mbuf__owner_name).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static pthread_mutex_t owners_lock = PTHREAD_MUTEX_INITIALIZER;
static int owners_listed;	/* the built-in owners are on the list */

/* lock the list, putting the built-in owners on it the first time */
static void
owners_lock_list(void)
{
	int i;

	pthread_mutex_lock(&owners_lock);
	if (owners_listed)
		return;
	LIST_INSERT_HEAD(&mowners, &revoked_mowner, mo_link);
	for (i = MT_OOBDATA + 1; i-- > 0; )
		LIST_INSERT_HEAD(&mowners, &unknown_mowners[i], mo_link);
	owners_listed = 1;
}

#define	BUMP(field)	__atomic_add_fetch(&(field), 1, __ATOMIC_RELAXED)

void
mowner_init(struct mbuf *m, int type)
{
	struct mowner *mo = &unknown_mowners[mbuf__type_index(type)];

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

/* at initialisation: the built-in owners are listed from the start */
void
mbuf__owners_init(void)
{
	owners_lock_list();
	pthread_mutex_unlock(&owners_lock);
}

void
mowner_attach(struct mowner *mo)
{
	owners_lock_list();
	LIST_INSERT_HEAD(&mowners, mo, mo_link);
	pthread_mutex_unlock(&owners_lock);
}

void
mowner_detach(struct mowner *mo)
{
	owners_lock_list();
	LIST_REMOVE(mo, mo_link);
	pthread_mutex_unlock(&owners_lock);
}

/*
 * kern.mbuf.mowners: the attached owners as an array of struct mowner
 * (into oldp if not NULL; *oldlenp is its size, then the size needed).
 */
int
mbuf__owners_copy(void *oldp, size_t *oldlenp)
{
	struct mowner *mo;
	size_t len = 0;
	int error = 0;

	owners_lock_list();
	LIST_FOREACH(mo, &mowners, mo_link) {
		if (oldp != NULL) {
			if (*oldlenp - len < sizeof(*mo)) {
				error = ENOMEM;
				break;
			}
			memcpy((char *)oldp + len, mo, sizeof(*mo));
		}
		len += sizeof(*mo);
	}
	pthread_mutex_unlock(&owners_lock);
	if (error == 0)
		*oldlenp = len;
	return error;
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

	owners_lock_list();
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
