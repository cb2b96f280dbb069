/*
 * The kern.mbuf sysctl subtree as a call, with the seed's rules: msize and
 * mclbytes are read-only, nmbclusters may only grow, the low-water marks
 * are >= 0 and re-applied to the pools, stats is struct mbstat, mowners
 * the array of attached owners.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "internal.h"
#include "_cgo_export.h"

static pthread_mutex_t sysctl_lock = PTHREAD_MUTEX_INITIALIZER;

/* sysctl_lookup for a blob: copy out, then take a new value if given */
static int
lookup(void *oldp, size_t *oldlenp, const void *data, size_t size)
{
	if (oldp != NULL) {
		if (oldlenp == NULL || *oldlenp < size)
			return ENOMEM;
		memcpy(oldp, data, size);
	}
	if (oldlenp != NULL)
		*oldlenp = size;
	return 0;
}

static int
int_node(int num, int *var, void *oldp, size_t *oldlenp, const void *newp,
    size_t newlen)
{
	int error, newval;

	error = lookup(oldp, oldlenp, var, sizeof(int));
	if (error != 0 || newp == NULL)
		return error;
	if (newlen != sizeof(int))
		return EINVAL;
	memcpy(&newval, newp, sizeof(int));
	if (newval < 0)
		return EINVAL;
	switch (num) {
	case MBUF_NMBCLUSTERS:
		if (newval < *var || newval > mbufgo_max_clusters())
			return EINVAL;
		break;
	}
	*var = newval;
	if (num != MBUF_NMBCLUSTERS)
		mbufgo_set_lowat(mblowat, mcllowat);
	return 0;
}

int
mbuf_sysctl(const int *name, unsigned int namelen, void *oldp,
    size_t *oldlenp, const void *newp, size_t newlen)
{
	int error = ENOENT;

	if (name == NULL || namelen == 0)
		return EINVAL;
	if (oldp != NULL && oldlenp == NULL)
		return EINVAL;
	if (namelen != 1 && name[0] != MBUF_MOWNERS)
		return ENOTDIR;
	if (!MBUF_ENTER("mbuf_sysctl"))
		return EPERM;
	mbuf__init();
	pthread_mutex_lock(&sysctl_lock);
	switch (name[0]) {
	case MBUF_MSIZE:
	case MBUF_MCLBYTES:
		error = newp != NULL ? EPERM : lookup(oldp, oldlenp,
		    name[0] == MBUF_MSIZE ? &msize : &mclbytes, sizeof(int));
		break;
	case MBUF_NMBCLUSTERS:
		error = int_node(name[0], &nmbclusters, oldp, oldlenp, newp,
		    newlen);
		break;
	case MBUF_MBLOWAT:
		error = int_node(name[0], &mblowat, oldp, oldlenp, newp, newlen);
		break;
	case MBUF_MCLLOWAT:
		error = int_node(name[0], &mcllowat, oldp, oldlenp, newp,
		    newlen);
		break;
	case MBUF_STATS:
		if (newp != NULL) {
			error = EPERM;
			break;
		}
		mbuf__stats_sync();
		error = lookup(oldp, oldlenp, &mbstat, sizeof(mbstat));
		break;
	case MBUF_MOWNERS:
		if (namelen != 1)
			error = EINVAL;
		else if (newp != NULL)
			error = EPERM;
		else if (oldlenp == NULL)
			error = EINVAL;
		else
			error = mbuf__owners_copy(oldp, oldlenp);
		break;
	}
	pthread_mutex_unlock(&sysctl_lock);
	MBUF_FLUSH();
	return error;
}
