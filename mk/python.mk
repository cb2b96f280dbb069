# Bindings (issue 6): the generated Python module, the mbuf Python package,
# the Go API package (mbuf/), and their examples.
#
#   make generate       python/mbuf/_ffi.py from include/mbuf.h (cmd/mbufgen),
#                       then check the header against build/libmbuf.so
#   make test-bindings  generator tests with the library required (stale module,
#                       header/export mismatch) and the Go API's tests/examples
#   make test-python    pytest over python/tests with Debian's python3

PYTHON ?= /usr/bin/python3

APT_PACKAGES += python3-pytest python3-hypothesis
TEST_SUITES  += test-bindings test-python
RUN_TARGETS  += run-python-example run-go-example

.PHONY: generate test-bindings test-python run-python-example run-go-example

generate:
	$(GO) run ./cmd/mbufgen

test-bindings: $(LIB)
	MBUFGEN_REQUIRE_LIB=1 $(GO) test -count=1 ./cmd/mbufgen ./mbuf

# pytest's status is the recipe's: failures fail, and so does "no tests ran" (5)
test-python: $(LIB)
	cd python && LIBMBUF_PATH=$(abspath $(LIB)) $(PYTHON) -m pytest -p no:cacheprovider -q tests

run-python-example: $(LIB)
	LIBMBUF_PATH=$(abspath $(LIB)) $(PYTHON) examples/packet_demo.py

run-go-example:
	$(GO) run ./examples/go/packets
