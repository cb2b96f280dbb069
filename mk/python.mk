# Bindings (issue 6, 12): the generated Python module, the mbuf Python
# package, the Go API package (mbuf/), and their examples.
#
#   make generate        python/mbuf/_ffi.py from include/mbuf.h (cmd/mbufgen),
#                        then check the header against build/libmbuf.so
#   make test-bindings   generator tests with the library required (stale module,
#                        header/export mismatch) and the Go API's tests/examples
#   make wheel           build/wheel/mbuf-<version>-py3-none-<platform>.whl: the
#                        package with libmbuf.so inside (pip, offline, Debian's
#                        setuptools; installs where there is no Go)
#   make test-python     install that wheel into a fresh venv (system site
#                        packages: Debian's pytest) and run python/tests on it
#   make test-python-src the same tests on the source tree (quicker while editing)
#   make test-pip-install  pip install --no-build-isolation ./python into a fresh
#                        venv, as a user would, and use it
#   make bench-python-instr  instructions per Packet operation (callgrind), the
#                        noise-free second figure beside make bench's timings

PYTHON  ?= /usr/bin/python3
WHEEL_DIR := $(BUILD)/wheel
PY_VENV   := $(BUILD)/venv
PIP_QUIET := PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PIP_ROOT_USER_ACTION=ignore

APT_PACKAGES += python3-pytest python3-hypothesis python3-venv python3-pip \
	python3-setuptools python3-wheel python3-mypy
TEST_SUITES  += test-bindings test-python test-pip-install
RUN_TARGETS  += run-python-example run-go-example

.PHONY: generate test-bindings wheel test-python test-python-src test-pip-install \
	bench-python-instr run-python-example run-go-example

generate:
	$(GO) run ./cmd/mbufgen

test-bindings: $(LIB)
	MBUFGEN_REQUIRE_LIB=1 $(GO) test -count=1 ./cmd/mbufgen ./mbuf

# pip builds in the tree (python/build, python/*.egg-info: ignored by git);
# setup.py runs `make lib` and puts the library in the package
wheel: $(LIB)
	rm -rf $(WHEEL_DIR)
	$(PIP_QUIET) $(PYTHON) -m pip wheel -q --no-build-isolation --no-deps --no-index \
		-w $(WHEEL_DIR) ./python
	@ls $(WHEEL_DIR)/mbuf-*-py3-none-*.whl

# the venv gets the wheel with no Go on PATH; the tests run from python/tests
# so that the source tree's package is not importable: pytest's status is
# the recipe's (failures fail, and so does "no tests ran")
test-python: wheel
	rm -rf $(PY_VENV)
	$(PYTHON) -m venv --system-site-packages $(PY_VENV)
	env -u GO -u LIBMBUF_PATH PATH=/usr/bin:/bin $(PIP_QUIET) $(PY_VENV)/bin/python -m pip \
		install -q --no-index --no-deps $(WHEEL_DIR)/mbuf-*.whl
	cd python/tests && env -u LIBMBUF_PATH MBUF_TEST_INSTALLED=1 \
		$(abspath $(PY_VENV))/bin/python -m pytest -p no:cacheprovider -q .

# offline, from this checkout, with Debian's setuptools and wheel (hence
# --system-site-packages and --no-build-isolation: PyPI is not reachable)
test-pip-install: $(LIB)
	rm -rf $(BUILD)/venv-pip
	$(PYTHON) -m venv --system-site-packages $(BUILD)/venv-pip
	$(PIP_QUIET) $(BUILD)/venv-pip/bin/python -m pip install -q --no-index \
		--no-build-isolation ./python
	cd / && env -u LIBMBUF_PATH $(abspath $(BUILD))/venv-pip/bin/python -c \
		'import mbuf, os; p = mbuf.Packet(b"pip"); assert p == b"pip"; p.free(); \
		assert os.path.dirname(mbuf.path) == os.path.dirname(mbuf.__file__), mbuf.path; \
		print("pip install ./python: import mbuf ->", mbuf.path)'
	rm -rf $(BUILD)/venv-pip

test-python-src: $(LIB)
	cd python && LIBMBUF_PATH=$(abspath $(LIB)) $(PYTHON) -m pytest -p no:cacheprovider -q tests

bench-python-instr: $(LIB) $(BUILD)/libpyempty.so
	$(PYTHON) bench/pyinstr.py 2000 $(LIB) $(BUILD)/libpyempty.so

run-python-example: $(LIB)
	LIBMBUF_PATH=$(abspath $(LIB)) $(PYTHON) examples/packet_demo.py

run-go-example:
	$(GO) run ./examples/go/packets
