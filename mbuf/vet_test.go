package mbuf

import (
	"go/build"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// go vet reports copies of a Packet (its noCopy field): testdata/vetcopy
// copies one by assignment and by passing it by value.
func TestVetReportsCopies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet")
	}
	gocmd, err := exec.LookPath("go")
	if err != nil {
		gocmd = filepath.Join(build.Default.GOROOT, "bin", "go")
	}
	out, err := exec.Command(gocmd, "vet", "./testdata/vetcopy").CombinedOutput()
	if err == nil {
		t.Fatal("go vet accepted copies of a Packet")
	}
	for _, want := range []string{"assignment copies lock value to q", "passes lock by value"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("go vet output lacks %q:\n%s", want, out)
		}
	}
}
