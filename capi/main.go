// Command capi builds libmbuf.so: the C ABI of include/mbuf.h over the Go
// core. All of it lives in package mbufc; this package only links it in
// (the Makefile builds it as a C archive and links the shared library).
package main

import _ "github.com/libmbuf/libmbuf/capi/mbufc"

func main() {}
