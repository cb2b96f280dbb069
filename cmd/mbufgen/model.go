package main

import (
	"fmt"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"modernc.org/cc/v4"
)

// API is what the generator takes from the header: everything the ctypes
// module needs, in the header's order, with no host paths in it.
type API struct {
	Consts    []Const
	Records   []*Record // structs and unions, dependencies first
	Callbacks []Callback
	Funcs     []Func
	Data      []Data
	Inline    []string // static inline functions (not in the library)
	Macros    []Macro  // every public macro, for the manual's coverage test
}

// Macro is a public macro of the header: a name and whether it takes
// arguments.
type Macro struct {
	Name   string
	FnLike bool
}

// Const is an object-like macro with a constant value.
type Const struct {
	Name  string
	Value string // a Python literal
	Line  int
}

// Record is a struct or union, named by its tag or, when anonymous, by
// its parent's name and the field that holds it.
type Record struct {
	Name    string
	Union   bool
	Size    int64
	Align   int
	Fields  []Field
	Aliases []Alias // member macros (m_next -> m_hdr.mh_next)
	typ     cc.Type
	deps    []*Record
}

// Field is one member with its ctypes type and offset.
type Field struct {
	Name   string
	CType  string
	Offset int64
}

// Alias is a member macro of the header that names a path of fields.
type Alias struct {
	Name string
	Path []string
}

// Callback is a typedef of a function pointer (mbuf_panic_handler_t).
type Callback struct {
	Name  string
	CType string
}

// Func is a prototype of the header.
type Func struct {
	Name     string
	Restype  string
	Argtypes []string
	Variadic bool
	Proto    string // the C type, for the doc line
	Line     int
}

// Data is an extern variable of the header (nmbclusters, mbstat...).
type Data struct {
	Name  string
	CType string
	Line  int
}

// Parse reads the header with modernc.org/cc/v4 using the host's C
// compiler configuration (predefined macros and system include paths).
func Parse(header string) (*API, error) {
	abs, err := filepath.Abs(header)
	if err != nil {
		return nil, err
	}
	cfg, err := cc.NewConfig(runtime.GOOS, runtime.GOARCH)
	if err != nil {
		return nil, fmt.Errorf("cc.NewConfig: %w", err)
	}
	cfg.EvalAllMacros = true
	cfg.IncludePaths = append([]string{filepath.Dir(abs)}, cfg.IncludePaths...)
	ast, err := cc.Translate(cfg, []cc.Source{
		{Name: "<predefined>", Value: cfg.Predefined},
		{Name: "<builtin>", Value: cc.Builtin},
		{Name: abs},
	})
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", header, err)
	}
	b := &builder{file: abs, ast: ast, records: map[cc.Type]*Record{}, byName: map[string]*Record{}}
	return b.build()
}

type builder struct {
	file    string
	ast     *cc.AST
	api     API
	records map[cc.Type]*Record
	byName  map[string]*Record
	order   []*Record
}

func (b *builder) build() (*API, error) {
	if err := b.structs(); err != nil {
		return nil, err
	}
	b.decls()
	b.macros()
	b.api.Records = b.sorted()
	return &b.api, nil
}

// structs collects the tagged structs and unions defined in the header.
func (b *builder) structs() error {
	type tagged struct {
		name string
		line int
		t    cc.Type
	}
	byTag := map[string]*tagged{}
	add := func(tag cc.Token, t cc.Type) {
		pos := tag.Position()
		name := tag.SrcStr()
		if name == "" || pos.Filename != b.file || t.IsIncomplete() {
			return
		}
		// several type instances may carry one tag: keep the first line
		if x := byTag[name]; x == nil {
			byTag[name] = &tagged{name, pos.Line, t}
		} else if pos.Line < x.line {
			x.line = pos.Line
		}
	}
	for t := range b.ast.Structs {
		add(t.Tag(), t)
	}
	for t := range b.ast.Unions {
		add(t.Tag(), t)
	}
	var all []*tagged
	for _, x := range byTag {
		all = append(all, x)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].line != all[j].line {
			return all[i].line < all[j].line
		}
		return all[i].name < all[j].name
	})
	for _, s := range all {
		if _, err := b.record(s.name, s.t); err != nil {
			return err
		}
	}
	return nil
}

// record makes (once) the Record of a struct or union type.
func (b *builder) record(name string, t cc.Type) (*Record, error) {
	if r := b.byName[name]; r != nil {
		return r, nil
	}
	r := &Record{Name: name, Size: t.Size(), Align: t.Align(), typ: t}
	b.byName[name] = r
	b.records[t] = r
	var n int
	var field func(int) *cc.Field
	switch x := t.(type) {
	case *cc.StructType:
		n, field = x.NumFields(), x.FieldByIndex
	case *cc.UnionType:
		n, field, r.Union = x.NumFields(), x.FieldByIndex, true
	default:
		return nil, fmt.Errorf("%s: not a struct or union", name)
	}
	for i := 0; i < n; i++ {
		f := field(i)
		if f.IsBitfield() {
			return nil, fmt.Errorf("%s.%s: bit-fields are not supported", name, f.Name())
		}
		ct, err := b.fieldType(r, name+"_"+f.Name(), f.Type())
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", name, f.Name(), err)
		}
		r.Fields = append(r.Fields, Field{Name: f.Name(), CType: ct, Offset: f.Offset()})
	}
	b.order = append(b.order, r)
	return r, nil
}

// fieldType is the ctypes spelling of a member type. Pointers in
// structures are plain addresses (c_void_p) except C strings; records
// held by value become dependencies.
func (b *builder) fieldType(parent *Record, anonName string, t cc.Type) (string, error) {
	switch t.Kind() {
	case cc.Struct, cc.Union:
		name := recordTag(t)
		if name == "" {
			name = anonName
		}
		r, err := b.record(name, t)
		if err != nil {
			return "", err
		}
		parent.deps = append(parent.deps, r)
		return r.Name, nil
	case cc.Array:
		a := t.(*cc.ArrayType)
		et, err := b.fieldType(parent, anonName, a.Elem())
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("(%s * %d)", et, a.Len()), nil
	case cc.Ptr:
		if isCString(t) {
			return "c_char_p", nil
		}
		return "c_void_p", nil
	}
	return scalar(t)
}

func recordTag(t cc.Type) string {
	switch x := t.(type) {
	case *cc.StructType:
		tag := x.Tag()
		return tag.SrcStr()
	case *cc.UnionType:
		tag := x.Tag()
		return tag.SrcStr()
	}
	return ""
}

func isCString(t cc.Type) bool {
	p, ok := t.(*cc.PointerType)
	if !ok {
		return false
	}
	e := p.Elem()
	return e.Kind() == cc.Char && strings.HasPrefix(e.String(), "const ")
}

// scalar maps an arithmetic type, by typedef name first (fixed widths).
func scalar(t cc.Type) (string, error) {
	if d := t.Typedef(); d != nil {
		switch d.Name() {
		case "size_t", "uintptr_t":
			return "c_size_t", nil
		case "ssize_t", "intptr_t", "ptrdiff_t":
			return "c_ssize_t", nil
		case "int8_t", "int16_t", "int32_t", "int64_t", "uint8_t", "uint16_t", "uint32_t", "uint64_t":
			return "c_" + strings.TrimSuffix(d.Name(), "_t"), nil
		}
	}
	switch t.Kind() {
	case cc.Void:
		return "None", nil
	case cc.Bool:
		return "c_bool", nil
	case cc.Char:
		return "c_char", nil
	case cc.SChar:
		return "c_byte", nil
	case cc.UChar:
		return "c_ubyte", nil
	case cc.Short:
		return "c_short", nil
	case cc.UShort:
		return "c_ushort", nil
	case cc.Int, cc.Enum:
		return "c_int", nil
	case cc.UInt:
		return "c_uint", nil
	case cc.Long:
		return "c_long", nil
	case cc.ULong:
		return "c_ulong", nil
	case cc.LongLong:
		return "c_longlong", nil
	case cc.ULongLong:
		return "c_ulonglong", nil
	case cc.Float:
		return "c_float", nil
	case cc.Double:
		return "c_double", nil
	}
	return "", fmt.Errorf("no ctypes type for %v", t)
}

// sigType is the ctypes spelling of a parameter or result type: pointers
// are c_void_p (C strings c_char_p), function pointers CFUNCTYPEs (a
// variadic one stays c_void_p), named callback typedefs by name.
func (b *builder) sigType(t cc.Type) (string, error) {
	if d := t.Typedef(); d != nil && t.Kind() == cc.Ptr {
		if _, ok := t.(*cc.PointerType).Elem().(*cc.FunctionType); ok {
			return d.Name(), nil
		}
	}
	switch t.Kind() {
	case cc.Ptr:
		if f, ok := t.(*cc.PointerType).Elem().(*cc.FunctionType); ok {
			return b.cfunctype(f)
		}
		if isCString(t) {
			return "c_char_p", nil
		}
		return "c_void_p", nil
	case cc.Struct, cc.Union, cc.Array:
		return "", fmt.Errorf("by-value %v in a signature", t)
	}
	return scalar(t)
}

func (b *builder) cfunctype(f *cc.FunctionType) (string, error) {
	if f.IsVariadic() {
		return "c_void_p", nil
	}
	rt, err := b.sigType(f.Result())
	if err != nil {
		return "", err
	}
	parts := []string{rt}
	for _, p := range params(f) {
		s, err := b.sigType(p.Type())
		if err != nil {
			return "", err
		}
		parts = append(parts, s)
	}
	return "CFUNCTYPE(" + strings.Join(parts, ", ") + ")", nil
}

func params(f *cc.FunctionType) []*cc.Parameter {
	ps := f.Parameters()
	if len(ps) == 1 && ps[0].Type().Kind() == cc.Void {
		return nil
	}
	return ps
}

// decls collects prototypes, extern variables and callback typedefs.
func (b *builder) decls() {
	type decl struct {
		d    *cc.Declarator
		line int
	}
	var ds []decl
	for _, nodes := range b.ast.Scope.Nodes {
		for _, n := range nodes {
			d, ok := n.(*cc.Declarator)
			if !ok {
				continue
			}
			pos := d.Position()
			if pos.Filename == b.file {
				ds = append(ds, decl{d, pos.Line})
			}
		}
	}
	sort.Slice(ds, func(i, j int) bool {
		if ds[i].line != ds[j].line {
			return ds[i].line < ds[j].line
		}
		return ds[i].d.Name() < ds[j].d.Name()
	})
	for _, x := range ds {
		d, t := x.d, x.d.Type()
		switch {
		case d.IsTypename():
			if t.Kind() == cc.Ptr {
				if f, ok := t.(*cc.PointerType).Elem().(*cc.FunctionType); ok {
					if ct, err := b.cfunctype(f); err == nil && ct != "c_void_p" {
						b.api.Callbacks = append(b.api.Callbacks, Callback{d.Name(), ct})
					}
				}
			}
		case t.Kind() == cc.Function:
			f := t.(*cc.FunctionType)
			if d.IsStatic() {
				b.api.Inline = append(b.api.Inline, d.Name())
				continue
			}
			b.api.Funcs = append(b.api.Funcs, b.function(d.Name(), f, x.line))
		case d.IsExtern():
			if a, ok := t.(*cc.ArrayType); ok && a.Len() <= 0 {
				t = a.Elem() // extern T x[]: the first element's address
			}
			ct, err := b.fieldType(&Record{}, d.Name(), t)
			if err != nil {
				ct = "c_void_p"
			}
			b.api.Data = append(b.api.Data, Data{d.Name(), ct, x.line})
		}
	}
}

func (b *builder) function(name string, f *cc.FunctionType, line int) Func {
	fn := Func{Name: name, Variadic: f.IsVariadic(), Proto: f.String(), Line: line}
	rt, err := b.sigType(f.Result())
	if err != nil {
		rt = "c_void_p"
	}
	fn.Restype = rt
	for _, p := range params(f) {
		s, err := b.sigType(p.Type())
		if err != nil {
			s = "c_void_p"
		}
		fn.Argtypes = append(fn.Argtypes, s)
	}
	return fn
}

// macros collects integer and string constants, and member aliases.
func (b *builder) macros() {
	type mac struct {
		m    *cc.Macro
		line int
	}
	var ms []mac
	for _, m := range b.ast.Macros {
		pos := m.Position()
		if pos.Filename != b.file {
			continue
		}
		if name := m.Name.SrcStr(); !strings.HasPrefix(name, "_") {
			b.api.Macros = append(b.api.Macros, Macro{name, m.IsFnLike})
		}
		if !m.IsFnLike {
			ms = append(ms, mac{m, pos.Line})
		}
	}
	sort.Slice(b.api.Macros, func(i, j int) bool { return b.api.Macros[i].Name < b.api.Macros[j].Name })
	sort.Slice(ms, func(i, j int) bool {
		if ms[i].line != ms[j].line {
			return ms[i].line < ms[j].line
		}
		return ms[i].m.Name.SrcStr() < ms[j].m.Name.SrcStr()
	})
	for _, x := range ms {
		name := x.m.Name.SrcStr()
		if strings.HasPrefix(name, "_") {
			continue // guards and private helpers
		}
		switch v := x.m.Value().(type) {
		case cc.Int64Value:
			b.api.Consts = append(b.api.Consts, Const{name, intLiteral(int64(v), x.m), x.line})
		case cc.UInt64Value:
			b.api.Consts = append(b.api.Consts, Const{name, uintLiteral(uint64(v), x.m), x.line})
		case cc.StringValue:
			b.api.Consts = append(b.api.Consts, Const{name, pyString(string(v)), x.line})
		default:
			b.alias(name, x.m.ReplacementList())
		}
	}
}

func isHex(m *cc.Macro) bool {
	for _, t := range m.ReplacementList() {
		if strings.HasPrefix(strings.ToLower(t.SrcStr()), "0x") {
			return true
		}
	}
	return false
}

func intLiteral(v int64, m *cc.Macro) string {
	if isHex(m) && v >= 0 {
		return fmt.Sprintf("0x%08x", v)
	}
	return fmt.Sprint(v)
}

func uintLiteral(v uint64, m *cc.Macro) string {
	if isHex(m) || v > 1<<32 {
		return fmt.Sprintf("0x%08x", v)
	}
	return fmt.Sprint(v)
}

// pyString spells a C string constant as a Python str (printable ASCII)
// or bytes literal.
func pyString(s string) string {
	s = strings.TrimSuffix(s, "\x00")
	printable := true
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			printable = false
		}
	}
	var sb strings.Builder
	if !printable {
		sb.WriteByte('b')
	}
	sb.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case c < 0x20 || c > 0x7e:
			fmt.Fprintf(&sb, "\\x%02x", c)
		default:
			sb.WriteByte(c)
		}
	}
	sb.WriteByte('"')
	return sb.String()
}

// alias records a member macro (IDENT(.IDENT)*) on each record where the
// whole path resolves; an arrow path (m_ext) has no ctypes spelling.
func (b *builder) alias(name string, toks []cc.Token) {
	var path []string
	for i, t := range toks {
		s := t.SrcStr()
		if i%2 == 1 {
			if s != "." {
				return
			}
			continue
		}
		if !isIdent(s) {
			return
		}
		path = append(path, s)
	}
	if len(path) < 2 || len(toks)%2 == 0 {
		return
	}
	for _, r := range b.order {
		if r.resolves(b, path) {
			r.Aliases = append(r.Aliases, Alias{name, path})
		}
	}
}

func (r *Record) resolves(b *builder, path []string) bool {
	cur := r
	for i, p := range path {
		var f *Field
		for j := range cur.Fields {
			if cur.Fields[j].Name == p {
				f = &cur.Fields[j]
			}
		}
		if f == nil {
			return false
		}
		if i < len(path)-1 {
			if cur = b.byName[f.CType]; cur == nil {
				return false
			}
		}
	}
	return true
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// sorted orders records so that each comes after those it holds by value.
func (b *builder) sorted() []*Record {
	var out []*Record
	done := map[*Record]bool{}
	var visit func(r *Record)
	visit = func(r *Record) {
		if done[r] {
			return
		}
		done[r] = true
		for _, d := range r.deps {
			visit(d)
		}
		out = append(out, r)
	}
	for _, r := range b.order {
		visit(r)
	}
	return out
}
