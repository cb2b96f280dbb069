package main

import (
	"debug/elf"
	"fmt"
	"sort"
	"strings"
)

// Exports reads the functions and data objects a shared library exports
// (defined, global or weak, default visibility), by kind.
func Exports(lib string) (map[string]elf.SymType, error) {
	f, err := elf.Open(lib)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	syms, err := f.DynamicSymbols()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", lib, err)
	}
	out := map[string]elf.SymType{}
	for _, s := range syms {
		bind, typ := elf.ST_BIND(s.Info), elf.ST_TYPE(s.Info)
		if s.Section == elf.SHN_UNDEF || s.Section == elf.SHN_ABS ||
			(bind != elf.STB_GLOBAL && bind != elf.STB_WEAK) ||
			elf.ST_VISIBILITY(s.Other) != elf.STV_DEFAULT ||
			(typ != elf.STT_FUNC && typ != elf.STT_OBJECT) {
			continue
		}
		out[s.Name] = typ
	}
	return out, nil
}

// Mismatch lists how the header and the library disagree.
type Mismatch struct {
	NotExported []string // declared in the header, absent from the library
	NotDeclared []string // exported by the library, not in the header
	WrongKind   []string // a function exported as data or the reverse
}

// Empty reports whether the header and the library agree.
func (m *Mismatch) Empty() bool {
	return len(m.NotExported) == 0 && len(m.NotDeclared) == 0 && len(m.WrongKind) == 0
}

func (m *Mismatch) String() string {
	var b strings.Builder
	list := func(title string, xs []string) {
		if len(xs) > 0 {
			fmt.Fprintf(&b, "%s (%d):\n    %s\n", title, len(xs), strings.Join(xs, "\n    "))
		}
	}
	list("declared in include/mbuf.h but not exported by the library", m.NotExported)
	list("exported by the library but not declared in include/mbuf.h (add a prototype, or hide it: static, MBUF_HIDDEN, or capi/libmbuf.map)", m.NotDeclared)
	list("exported with another kind than declared", m.WrongKind)
	return b.String()
}

// Compare checks the header's prototypes and extern variables against a
// library's exports.
func Compare(api *API, exports map[string]elf.SymType) *Mismatch {
	m := &Mismatch{}
	declared := map[string]elf.SymType{}
	for _, f := range api.Funcs {
		declared[f.Name] = elf.STT_FUNC
		if typ, ok := exports[f.Name]; !ok {
			m.NotExported = append(m.NotExported, fmt.Sprintf("%s (function, line %d)", f.Name, f.Line))
		} else if typ != elf.STT_FUNC {
			m.WrongKind = append(m.WrongKind, fmt.Sprintf("%s: declared a function, exported as %v", f.Name, typ))
		}
	}
	for _, d := range api.Data {
		declared[d.Name] = elf.STT_OBJECT
		if typ, ok := exports[d.Name]; !ok {
			m.NotExported = append(m.NotExported, fmt.Sprintf("%s (variable, line %d)", d.Name, d.Line))
		} else if typ != elf.STT_OBJECT {
			m.WrongKind = append(m.WrongKind, fmt.Sprintf("%s: declared a variable, exported as %v", d.Name, typ))
		}
	}
	for name, typ := range exports {
		if _, ok := declared[name]; !ok {
			kind := "function"
			if typ == elf.STT_OBJECT {
				kind = "variable"
			}
			m.NotDeclared = append(m.NotDeclared, fmt.Sprintf("%s (%s)", name, kind))
		}
	}
	sort.Strings(m.NotDeclared)
	return m
}
