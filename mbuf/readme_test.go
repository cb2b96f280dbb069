package mbuf

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"
)

// The Go example of the README is the body of Example_readme, which go
// test runs and checks: the two must not drift apart.
func TestReadmeExample(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	section := string(readme)
	i := strings.Index(section, "## Using it from Go")
	if i < 0 {
		t.Fatal("README has no Go section")
	}
	section = section[i:]
	start := strings.Index(section, "```go\n")
	end := strings.Index(section[start+6:], "```")
	if start < 0 || end < 0 {
		t.Fatal("README's Go section has no go code block")
	}
	shown := section[start+6 : start+6+end]

	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "example_test.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var body string
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Name.Name == "Example_readme" {
			src, _ := os.ReadFile("example_test.go")
			body = string(src[fset.Position(fn.Body.Lbrace).Offset+2 : fset.Position(fn.Body.Rbrace).Offset])
		}
	}
	if body == "" {
		t.Fatal("no Example_readme in example_test.go")
	}
	var want []string
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "// Output:") {
			break
		}
		want = append(want, strings.TrimPrefix(line, "\t"))
	}
	if got := strings.TrimSpace(shown); got != strings.TrimSpace(strings.Join(want, "\n")) {
		t.Errorf("README's Go example differs from Example_readme in example_test.go;\nREADME shows:\n%s\nthe example is:\n%s",
			got, strings.Join(want, "\n"))
	}
}
