// Package main copies Packets the ways go vet must report (mbuf's
// TestVetReportsCopies checks that it does).
package main

import "github.com/libmbuf/libmbuf/mbuf"

func use(p mbuf.Packet) int { return p.Len() } // passes a Packet by value

func main() {
	p, _ := mbuf.New([]byte("x"))
	q := p // a copy of the handle
	q.Free()
	_ = use(p)
}
