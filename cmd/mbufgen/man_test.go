package main

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// manPage is what the coverage test reads from one mdoc page.
type manPage struct {
	file  string
	names []string        // the .Nm list of the NAME section, page name first
	fn    map[string]bool // names given to .Fn / .Fo anywhere
	dv    map[string]bool // names given to .Dv (constants)
	va    map[string]bool // names given to .Va (variables, fields)
	xr    []string        // "name(section)" of each .Xr
}

var manIdent = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*`)

// readManPage collects the names a page documents.  A macro line may hold
// several macros (".Pq Fn MGET"), so every Fn, Fo, Dv and Va token counts.
func readManPage(t *testing.T, file string) *manPage {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	p := &manPage{file: file, fn: map[string]bool{}, dv: map[string]bool{}, va: map[string]bool{}}
	section := ""
	for _, line := range strings.Split(string(src), "\n") {
		if !strings.HasPrefix(line, ".") || strings.HasPrefix(line, `.\"`) {
			continue
		}
		toks := strings.Fields(line[1:])
		if len(toks) == 0 {
			continue
		}
		if toks[0] == "Sh" {
			section = strings.Join(toks[1:], " ")
		}
		if toks[0] == "Nm" && section == "NAME" && len(toks) > 1 {
			p.names = append(p.names, toks[1])
		}
		for i := 0; i+1 < len(toks); i++ {
			name := manIdent.FindString(toks[i+1])
			switch toks[i] {
			case "Fn", "Fo":
				p.fn[name] = true
			case "Dv":
				p.dv[name] = true
			case "Va":
				p.va[name] = true
			case "Xr":
				if i+2 < len(toks) {
					p.xr = append(p.xr, toks[i+1]+"("+toks[i+2]+")")
				}
			}
		}
	}
	return p
}

func manPages(t *testing.T) []*manPage {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "man", "*.[1-9]"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manual pages under man/ (%v)", err)
	}
	var pages []*manPage
	for _, f := range files {
		pages = append(pages, readManPage(t, f))
	}
	return pages
}

// Every function, macro and variable of include/mbuf.h is documented in a
// page under man/, and every name a page lists in its NAME section is in
// the header, so that the manual and the header cannot drift apart.  The
// NAME list also makes `man NAME` work: make install links each name to
// its page.
func TestManualCoversHeader(t *testing.T) {
	a := api(t)
	pages := manPages(t)

	listed := map[string]string{} // .Nm name -> page
	fn, dv, va := map[string]bool{}, map[string]bool{}, map[string]bool{}
	pageNames := map[string]bool{}
	for _, p := range pages {
		base := strings.TrimSuffix(filepath.Base(p.file), filepath.Ext(p.file))
		if len(p.names) == 0 || p.names[0] != base {
			t.Errorf("%s: the first .Nm of NAME must be the page's name %q", p.file, base)
		}
		pageNames[base] = true
		for _, n := range p.names {
			if other, dup := listed[n]; dup {
				t.Errorf("%s and %s both list %s in NAME: a name links to one page", other, p.file, n)
			}
			listed[n] = p.file
		}
		for k := range p.fn {
			fn[k] = true
		}
		for k := range p.dv {
			dv[k] = true
		}
		for k := range p.va {
			va[k] = true
		}
	}

	// functions and function-like macros: in a NAME list and given with .Fn
	calls := map[string]bool{}
	for _, f := range a.Funcs {
		calls[f.Name] = true
	}
	for _, f := range a.Inline {
		calls[f] = true
	}
	var objects []string
	for _, m := range a.Macros {
		if m.FnLike {
			calls[m.Name] = true
		} else {
			objects = append(objects, m.Name)
		}
	}
	var missing []string
	for _, name := range sortedKeys(calls) {
		if listed[name] == "" || !fn[name] {
			missing = append(missing, name+" (.Nm in NAME and .Fn)")
		}
	}
	// constants and member macros: .Dv (or .Va for the fields)
	for _, name := range objects {
		if !dv[name] && !va[name] {
			missing = append(missing, name+" (.Dv)")
		}
	}
	// extern variables: .Va
	for _, d := range a.Data {
		if !va[d.Name] {
			missing = append(missing, d.Name+" (.Va)")
		}
	}
	if len(missing) > 0 {
		t.Errorf("include/mbuf.h declares %d names the manual (man/*.3) does not document;\n"+
			"describe each in the page of its group (mbuf.3, m_tag.3, libmbuf.3, m_to_iovec.3, mbuf_py.3 or a new page):\n  %s",
			len(missing), strings.Join(missing, "\n  "))
	}

	// the reverse: a NAME entry that is neither a page nor in the header
	for _, name := range sortedKeys(listed) {
		if !calls[name] && !pageNames[name] {
			t.Errorf("%s lists %s in NAME, but include/mbuf.h does not declare it", listed[name], name)
		}
	}
	// cross references to the library's own pages resolve
	for _, p := range pages {
		for _, x := range p.xr {
			name := strings.TrimSuffix(x, "(3)")
			if name != x && (strings.HasPrefix(name, "m_") || strings.Contains(name, "mbuf")) && !pageNames[name] {
				t.Errorf("%s refers to %s, which is not a page under man/", p.file, x)
			}
		}
	}
	t.Logf("manual: %d pages document %d functions and function-like macros, %d constants and member macros, %d variables",
		len(pages), len(calls), len(objects), len(a.Data))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
