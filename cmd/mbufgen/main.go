// Command mbufgen generates the low-level Python bindings of libmbuf
// (python/mbuf/_ffi.py) from the public header include/mbuf.h, parsed with
// modernc.org/cc/v4, and checks the header against the shared library:
// every prototype and extern variable must be exported by
// build/libmbuf.so, and every function or variable it exports must be
// declared in the header. It also writes capi/mbufc/core_gen.h, the
// values the C fast path shares with the Go core (core.CConstants).
//
//	mbufgen            write python/mbuf/_ffi.py and capi/mbufc/core_gen.h,
//	                   then check the library
//	mbufgen -check     fail if either is stale or the library disagrees
//
// Run from the repository root (make generate does).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
)

func main() {
	header := flag.String("header", "include/mbuf.h", "the public header")
	out := flag.String("o", "python/mbuf/_ffi.py", "the generated Python module")
	lib := flag.String("lib", "build/libmbuf.so", "the shared library to check the header against")
	cout := flag.String("c", "capi/mbufc/core_gen.h", "the generated C header of shared core values")
	check := flag.Bool("check", false, "do not write: fail if a generated file is stale or the library disagrees")
	flag.Parse()
	if err := write(*cout, CHeader(), *check); err != nil {
		fmt.Fprintln(os.Stderr, "mbufgen:", err)
		os.Exit(1)
	}
	if err := run(*header, *out, *lib, *check); err != nil {
		fmt.Fprintln(os.Stderr, "mbufgen:", err)
		os.Exit(1)
	}
}

func run(header, out, lib string, check bool) error {
	api, err := Parse(header)
	if err != nil {
		return err
	}
	src := Python(api)
	old, _ := os.ReadFile(out)
	switch {
	case check && !bytes.Equal(old, src):
		return fmt.Errorf("%s is stale: run make generate", out)
	case !check && !bytes.Equal(old, src):
		if err := os.WriteFile(out, src, 0o644); err != nil {
			return err
		}
		fmt.Printf("mbufgen: wrote %s (%d constants, %d records, %d functions)\n",
			out, len(api.Consts), len(api.Records), len(api.Funcs))
	default:
		fmt.Printf("mbufgen: %s is up to date\n", out)
	}
	exports, err := Exports(lib)
	if err != nil {
		if !check && os.IsNotExist(err) {
			fmt.Printf("mbufgen: %s absent, header not checked against it (run make)\n", lib)
			return nil
		}
		return err
	}
	if mm := Compare(api, exports); !mm.Empty() {
		return fmt.Errorf("%s and %s disagree:\n%s", header, lib, mm)
	}
	fmt.Printf("mbufgen: %s exports exactly what %s declares (%d functions, %d variables)\n",
		lib, header, len(api.Funcs), len(api.Data))
	return nil
}

// write puts a generated file in place (or, with check, fails if stale).
func write(path string, src []byte, check bool) error {
	old, _ := os.ReadFile(path)
	switch {
	case bytes.Equal(old, src):
		fmt.Printf("mbufgen: %s is up to date\n", path)
	case check:
		return fmt.Errorf("%s is stale: run make generate", path)
	default:
		if err := os.WriteFile(path, src, 0o644); err != nil {
			return err
		}
		fmt.Printf("mbufgen: wrote %s\n", path)
	}
	return nil
}
