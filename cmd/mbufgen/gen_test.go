package main

import (
	"bytes"
	"debug/elf"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	parsed   *API
	parseErr error
	once     sync.Once
)

// root is the repository root (tests run in cmd/mbufgen).
const root = "../.."

func api(t *testing.T) *API {
	t.Helper()
	once.Do(func() { parsed, parseErr = Parse(filepath.Join(root, "include/mbuf.h")) })
	if parseErr != nil {
		t.Fatal(parseErr)
	}
	return parsed
}

// The committed module must be what the header generates now.
func TestGeneratedModuleIsFresh(t *testing.T) {
	want := Python(api(t))
	path := filepath.Join(root, "python/mbuf/_ffi.py")
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if gl[i] != wl[i] {
				t.Fatalf("%s is stale (run make generate); first difference at line %d:\n  file:   %q\n  header: %q", path, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("%s is stale (run make generate): %d lines in the file, %d generated", path, len(gl), len(wl))
	}
}

// The committed C header of shared core values must be what the core
// says now: a change to a state, the stride, the shared block or a rule
// bound in Go without make generate fails here.
func TestGeneratedCHeaderIsFresh(t *testing.T) {
	path := filepath.Join(root, "capi/mbufc/core_gen.h")
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := CHeader(); !bytes.Equal(got, want) {
		t.Fatalf("%s is stale (run make generate):\n--- file:\n%s\n--- core says:\n%s", path, got, want)
	}
}

// Generating twice gives the same bytes (no map order, no host paths).
func TestGenerationIsReproducible(t *testing.T) {
	a := Python(api(t))
	b, err := Parse(filepath.Join(root, "include/mbuf.h"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, Python(b)) {
		t.Fatal("two runs generated different modules")
	}
	if bytes.Contains(a, []byte("/work/")) || bytes.Contains(a, []byte("/usr/include")) {
		t.Fatal("the module names a host path")
	}
}

// Spot checks of what the generator takes from the header.
func TestModelHasTheABI(t *testing.T) {
	a := api(t)
	consts := map[string]string{}
	for _, c := range a.Consts {
		consts[c.Name] = c.Value
	}
	for name, want := range map[string]string{
		"MSIZE": "512", "MLEN": "456", "MHLEN": "424", "MINCLSIZE": "881",
		"MCLBYTES": "2048", "M_COPYALL": "1000000000", "M_PKTHDR": "0x00000002",
		"M_EXT_FLAGS": "0xff000000", "M_COPYFLAGS": "32758", "LIBMBUF_VERSION": `"0.1.0"`,
	} {
		if consts[name] != want {
			t.Errorf("%s = %q, want %q", name, consts[name], want)
		}
	}
	recs := map[string]*Record{}
	for _, r := range a.Records {
		recs[r.Name] = r
	}
	for name, size := range map[string]int64{"mbuf": 512, "m_hdr": 56, "pkthdr": 32, "m_tag": 16,
		"_m_ext_storage": 192, "_m_ext": 200, "mowner": 96, "mbstat": 568} {
		if r := recs[name]; r == nil || r.Size != size {
			t.Errorf("struct %s: %+v, want size %d", name, r, size)
		}
	}
	if r := recs["mbuf_M_dat"]; r == nil || !r.Union {
		t.Errorf("mbuf.M_dat should be a union: %+v", r)
	}
	funcs := map[string]Func{}
	for _, f := range a.Funcs {
		funcs[f.Name] = f
	}
	f := funcs["m_copym"]
	if f.Restype != "c_void_p" || strings.Join(f.Argtypes, ",") != "c_void_p,c_int,c_int,c_int" {
		t.Errorf("m_copym: %+v", f)
	}
	if _, ok := funcs["m_length"]; ok {
		t.Error("static inline m_length must not be bound")
	}
	if !funcs["mbuf_panic"].Variadic {
		t.Error("mbuf_panic is variadic")
	}
}

// The checker must see both directions of disagreement.
func TestCompareFindsMismatches(t *testing.T) {
	a := &API{Funcs: []Func{{Name: "m_get"}, {Name: "m_gone"}}, Data: []Data{{Name: "nmbclusters"}, {Name: "mbstat"}}}
	mm := Compare(a, map[string]elf.SymType{
		"m_get": elf.STT_FUNC, "nmbclusters": elf.STT_OBJECT, "mbstat": elf.STT_FUNC, "mbuf__secret": elf.STT_FUNC,
	})
	if mm.Empty() || len(mm.NotExported) != 1 || len(mm.NotDeclared) != 1 || len(mm.WrongKind) != 1 {
		t.Fatalf("got %+v", mm)
	}
	if !strings.Contains(mm.String(), "m_gone") || !strings.Contains(mm.String(), "mbuf__secret") {
		t.Fatal(mm.String())
	}
}

// The header and build/libmbuf.so must agree both ways.
func TestHeaderMatchesLibrary(t *testing.T) {
	lib := filepath.Join(root, "build/libmbuf.so")
	if _, err := os.Stat(lib); err != nil {
		if os.Getenv("MBUFGEN_REQUIRE_LIB") != "" {
			t.Fatalf("%s absent", lib)
		}
		t.Skipf("%s absent: build it first (make; make test does)", lib)
	}
	exports, err := Exports(lib)
	if err != nil {
		t.Fatal(err)
	}
	if mm := Compare(api(t), exports); !mm.Empty() {
		t.Fatalf("include/mbuf.h and %s disagree:\n%s", lib, mm)
	}
}
