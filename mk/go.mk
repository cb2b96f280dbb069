# Go (issue 13): static checks of every Go package, and the Go programs.
#
#   make test-go-lint   go vet and staticcheck (installed into build/tools at
#                       the pinned version, not a dependency of the library),
#                       and the Go API and the Go + C program under -race
#   make run-go-cinterop  NetBSD C code compiled into a Go program, on Go's packets
#
# The Go tests themselves (the mbuf package, and examples/go/cinterop/udp4,
# the mixed Go + C program) run in test-go with `go test ./...`; the
# comparison with gVisor's pkg/buffer is in `make bench` (bench/gobench).

TEST_SUITES += test-go-lint
RUN_TARGETS += run-go-cinterop

STATICCHECK_VERSION := v0.8.2
STATICCHECK := $(BUILD)/tools/staticcheck

$(STATICCHECK):
	GOBIN=$(abspath $(BUILD)/tools) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

.PHONY: test-go-lint run-go-cinterop
test-go-lint: $(STATICCHECK)
	$(GO) vet ./...
	$(STATICCHECK) ./...
	@echo "go vet and staticcheck $(STATICCHECK_VERSION): clean"
	$(GO) test -race -short -count=1 ./mbuf ./examples/go/cinterop/...

run-go-cinterop:
	$(GO) run ./examples/go/cinterop
