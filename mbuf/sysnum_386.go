package mbuf

// The syscall package of linux/386 predates the direct socket calls
// (Linux 4.3) and names only socketcall(2); these are their numbers.
const (
	sysRecvmsg = 372
	sysSendmsg = 370
)
