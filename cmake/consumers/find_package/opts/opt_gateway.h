/* This project's kernel configuration: packet forwarding on. */
#define	GATEWAY	1
