//go:build !386

package mbuf

import "syscall"

const (
	sysRecvmsg = syscall.SYS_RECVMSG
	sysSendmsg = syscall.SYS_SENDMSG
)
