/*
 * libmbuf porting kit: <sys/queue.h> is the C library's, plus the macros
 * NetBSD code uses that glibc's copy lacks (the _SAFE iterators, *_LAST of
 * the singly-linked tail queues, SLIST_REMOVE_AFTER, the *_END markers).
 * Each is defined only if missing; the list layouts are the C library's.
 */
#include_next <sys/queue.h>

#ifndef _LIBMBUF_NETBSD_SYS_QUEUE_H_
#define _LIBMBUF_NETBSD_SYS_QUEUE_H_

#include <stddef.h>	/* offsetof, for the *_LAST macros */

#ifndef SLIST_END
#define	SLIST_END(head)		NULL
#endif
#ifndef LIST_END
#define	LIST_END(head)		NULL
#endif
#ifndef SIMPLEQ_END
#define	SIMPLEQ_END(head)	NULL
#endif
#ifndef STAILQ_END
#define	STAILQ_END(head)	NULL
#endif
#ifndef TAILQ_END
#define	TAILQ_END(head)		NULL
#endif

/* iterate, allowing the current element to be removed or freed */
#ifndef SLIST_FOREACH_SAFE
#define	SLIST_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = SLIST_FIRST(head);					\
	    (var) != NULL && ((tvar) = SLIST_NEXT((var), field), 1);	\
	    (var) = (tvar))
#endif
#ifndef LIST_FOREACH_SAFE
#define	LIST_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = LIST_FIRST(head);					\
	    (var) != NULL && ((tvar) = LIST_NEXT((var), field), 1);	\
	    (var) = (tvar))
#endif
#ifndef SIMPLEQ_FOREACH_SAFE
#define	SIMPLEQ_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = SIMPLEQ_FIRST(head);				\
	    (var) != NULL && ((tvar) = SIMPLEQ_NEXT((var), field), 1);	\
	    (var) = (tvar))
#endif
#ifndef STAILQ_FOREACH_SAFE
#define	STAILQ_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = STAILQ_FIRST(head);				\
	    (var) != NULL && ((tvar) = STAILQ_NEXT((var), field), 1);	\
	    (var) = (tvar))
#endif
#ifndef TAILQ_FOREACH_SAFE
#define	TAILQ_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = TAILQ_FIRST(head);					\
	    (var) != NULL && ((tvar) = TAILQ_NEXT((var), field), 1);	\
	    (var) = (tvar))
#endif
#ifndef TAILQ_FOREACH_REVERSE_SAFE
#define	TAILQ_FOREACH_REVERSE_SAFE(var, head, headname, field, tvar)	\
	for ((var) = TAILQ_LAST((head), headname);			\
	    (var) != NULL &&						\
	    ((tvar) = TAILQ_PREV((var), headname, field), 1);		\
	    (var) = (tvar))
#endif

/* unlink the element after elm */
#ifndef SLIST_REMOVE_AFTER
#define	SLIST_REMOVE_AFTER(elm, field) do {				\
	(elm)->field.sle_next =						\
	    (elm)->field.sle_next->field.sle_next;			\
} while (/* CONSTCOND */ 0)
#endif

/* the last element of a singly-linked tail queue, or NULL */
#ifndef STAILQ_LAST
#define	STAILQ_LAST(head, type, field)					\
	(STAILQ_EMPTY(head) ? NULL : (struct type *)(void *)		\
	    ((char *)((head)->stqh_last) - offsetof(struct type, field)))
#endif
#ifndef SIMPLEQ_LAST
#define	SIMPLEQ_LAST(head, type, field)					\
	(SIMPLEQ_EMPTY(head) ? NULL : (struct type *)(void *)		\
	    ((char *)((head)->sqh_last) - offsetof(struct type, field)))
#endif

#endif /* !_LIBMBUF_NETBSD_SYS_QUEUE_H_ */
