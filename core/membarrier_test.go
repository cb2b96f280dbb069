package core

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// membarrier(2) can stop working after it was registered: a seccomp
// filter installed later (a sandbox tightening itself), a container
// runtime, a kernel that refuses it under some condition. The per-P
// caches' flush must then still bring the cached slots back, without a Go
// traceback (the house rule: the host process survives the library).
//
// The real failure, in a child process: the pools register membarrier,
// then a seccomp filter makes every membarrier call fail with EPERM, then
// a flush runs. Before the fix the flush panicked ("membarrier failed
// after it worked").
func TestFlushSurvivesMembarrierDeniedAfterRegistration(t *testing.T) {
	if os.Getenv("CORE_TEST_SECCOMP_CHILD") == "1" {
		seccompChild()
		return
	}
	if runtime.GOOS != "linux" || seccompNumber == 0 {
		t.Skip("no seccomp here")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestFlushSurvivesMembarrierDeniedAfterRegistration$", "-test.count=1")
	cmd.Env = append(os.Environ(), "CORE_TEST_SECCOMP_CHILD=1", "MBUF_NO_MEMBARRIER=")
	out, err := cmd.CombinedOutput()
	text := string(out)
	if strings.Contains(text, "child: skip:") {
		t.Skip(text[strings.Index(text, "child: skip:")+len("child: "):])
	}
	if err != nil || !strings.Contains(text, "child: ok") {
		t.Fatalf("child (a flush after membarrier was denied): %v\n%s", err, text)
	}
}

func seccompChild() {
	say := func(s string) { os.Stdout.WriteString("child: " + s + "\n") }
	p, err := New(nil, Hooks{})
	if err != nil {
		say("pools: " + err.Error())
		os.Exit(1)
	}
	if !p.pc.on || !p.pc.asym.Load() {
		say("skip: membarrier is not available here, so the owners fence themselves")
		os.Exit(0)
	}
	// park slots in this P's cache
	var ms []*Mbuf
	for range 20 {
		ms = append(ms, p.GetCl(M_DONTWAIT, MT_DATA, M_PKTHDR))
	}
	for _, m := range ms {
		p.Freem(m)
	}
	if mb, cl := p.Outstanding(); mb == 0 || cl == 0 {
		say("nothing parked in the caches")
		os.Exit(1)
	}
	if msg := denyMembarrier(); msg != "" {
		say("skip: " + msg)
		os.Exit(0)
	}
	p.FlushCaches()
	if mb, cl := p.Outstanding(); mb != 0 || cl != 0 {
		say("the flush left slots out of the depots")
		os.Exit(1)
	}
	// the caches still work, now with fenced owners
	for range 3 {
		m := p.GetCl(M_DONTWAIT, MT_DATA, M_PKTHDR)
		if m == nil {
			say("allocation failed after the flush")
			os.Exit(1)
		}
		p.Freem(m)
		p.FlushCaches()
	}
	say("ok")
	os.Exit(0)
}

// seccomp(2)'s number on this architecture (the syscall package predates
// it); 0 if unknown.
var seccompNumber = map[string]uintptr{"amd64": 317, "386": 354, "arm64": 277, "riscv64": 277}[runtime.GOARCH]

// denyMembarrier installs a seccomp filter on every thread of the process
// that makes membarrier(2) fail with EPERM; it says why not if it cannot.
func denyMembarrier() string {
	type sockFilter struct {
		code   uint16
		jt, jf uint8
		k      uint32
	}
	type sockFprog struct {
		n      uint16
		filter *sockFilter
	}
	const (
		ldAbsW    = 0x20 // BPF_LD | BPF_W | BPF_ABS
		jeqK      = 0x15 // BPF_JMP | BPF_JEQ | BPF_K
		retK      = 0x06 // BPF_RET | BPF_K
		retAllow  = 0x7fff0000
		retErrno  = 0x00050000
		setFilter = 1 // SECCOMP_SET_MODE_FILTER
		tsync     = 1 // SECCOMP_FILTER_FLAG_TSYNC
		noNewPriv = 38
	)
	prog := []sockFilter{
		{ldAbsW, 0, 0, 0}, // seccomp_data.nr
		{jeqK, 0, 1, uint32(sysMembarrier)},
		{retK, 0, 0, retErrno | uint32(syscall.EPERM)},
		{retK, 0, 0, retAllow},
	}
	fprog := sockFprog{n: uint16(len(prog)), filter: &prog[0]}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if _, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, noNewPriv, 1, 0); e != 0 {
		return "prctl(PR_SET_NO_NEW_PRIVS): " + e.Error()
	}
	if _, _, e := syscall.RawSyscall(seccompNumber, setFilter, tsync, uintptr(unsafe.Pointer(&fprog))); e != 0 {
		return "seccomp: " + e.Error()
	}
	if _, _, e := syscall.Syscall(sysMembarrier, membarrierPrivateExpedited, 0, 0); e != syscall.EPERM {
		return "the filter did not take"
	}
	return ""
}
