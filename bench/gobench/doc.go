// Package gobench compares the Go API of libmbuf (package mbuf) with
// gVisor's pkg/buffer, the packet buffer a Go programmer would otherwise
// pick, operation by operation in one `go test -bench` run. It is a
// module of its own so that libmbuf does not depend on gVisor; `make
// bench` runs it (bench/report.sh prints the ratios).
package gobench
