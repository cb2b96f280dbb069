# The C ecosystem (issue 7): install / uninstall with a manifest, the CMake
# package and pkg-config file, CTest over c_tests/, consumer projects built
# against an installed copy, the NetBSD porting kit (include/netbsd/) and
# the programs that use it (examples/ported/, examples/udp_loopback.c).
#
#   make install   [PREFIX=/usr/local] [DESTDIR=] [LIBDIR=] [INCLUDEDIR=]
#   make uninstall [same variables]   removes what the manifest lists
#   make test-ctest       c_tests/ built and run by CMake/CTest
#   make test-consumers   install into a temporary prefix, then build and run
#                         cmake/consumers/{find_package,pkgconfig}
#   make test-kit-options the kit's kernel option headers (opt_*.h)
#   make test-man         the manual pages (man/): mandoc -Tlint, and that
#                         they document every name of include/mbuf.h

PREFIX     ?= /usr/local
DESTDIR    ?=
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man

TEST_SUITES  += test-ctest test-consumers test-iovec-python test-kit-options test-man
APT_PACKAGES += cmake pkgconf mandoc man-db
RUN_TARGETS  += run-iovec-python

# ---- porting kit and the programs that use it --------------------------------
KIT_CFLAGS    := -D_KERNEL -Iinclude -Iinclude/netbsd
KIT_HEADERS   := $(shell find include/netbsd -name '*.h' 2>/dev/null | sort)
PORTED_SRCS   := $(wildcard examples/ported/*.c)
PORTED_HDRS   := $(wildcard examples/ported/*.h)
PORTED_OBJS   := $(patsubst examples/%.c,$(BUILD)/%.o,$(PORTED_SRCS))

# kernel-side code: compiled as NetBSD would, with -D_KERNEL and the kit
$(BUILD)/ported/%.o: examples/ported/%.c $(PORTED_HDRS) $(KIT_HEADERS) include/mbuf.h include/mbuf_inline.h
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -g -Wall -Wextra -Werror $(KIT_CFLAGS) -Iexamples/ported -c -o $@ $<

# userland programs linked with the ported code (explicit rules win over
# the generic pattern rules of the Makefile)
$(BUILD)/c_tests/test_porting: c_tests/test_porting.c c_tests/testutil.h $(PORTED_OBJS) $(PORTED_HDRS) include/mbuf.h include/mbuf_inline.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_TEST) -Iexamples/ported -o $@ $< $(PORTED_OBJS) $(LDFLAGS_TEST)
$(BUILD)/examples/udp_loopback: examples/udp_loopback.c $(PORTED_OBJS) $(PORTED_HDRS) include/mbuf.h include/mbuf_inline.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_TEST) -Iexamples/ported -o $@ $< $(PORTED_OBJS) $(LDFLAGS_TEST)

# the AddressSanitizer + UBSan build of test_porting for mk/reliability.mk's
# test-sanitize (its pattern rule compiles one file; this test needs the
# ported objects, instrumented too)
SAN_PORTED_OBJS := $(patsubst examples/%.c,$(BUILD)/san/%.o,$(PORTED_SRCS))
$(SAN_PORTED_OBJS): $(BUILD)/san/ported/%.o: examples/ported/%.c $(PORTED_HDRS) $(KIT_HEADERS) include/mbuf.h include/mbuf_inline.h
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O1 -g -Wall -Wextra -Werror $(SAN_FLAGS) $(KIT_CFLAGS) -Iexamples/ported -c -o $@ $<
$(BUILD)/san/test_porting: c_tests/test_porting.c c_tests/testutil.h $(SAN_PORTED_OBJS) $(PORTED_HDRS) include/mbuf.h include/mbuf_inline.h $(SAN_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_TEST) -O1 $(SAN_FLAGS) -Iexamples/ported -o $@ $< $(SAN_PORTED_OBJS) $(LDFLAGS_SAN)

# the I/O bridge from Python (a script that asserts what it shows)
IOVEC_PY = LIBMBUF_PATH=$(abspath $(LIB)) $(or $(PYTHON),/usr/bin/python3) examples/udp_loopback.py
.PHONY: run-iovec-python test-iovec-python
run-iovec-python test-iovec-python: $(LIB)
	$(IOVEC_PY)

# ---- install -------------------------------------------------------------------
INST_VERSION := $(shell sed -n 's/^\#define LIBMBUF_VERSION[ \t]*"\(.*\)"/\1/p' include/mbuf.h)
INST_MAJOR   := $(firstword $(subst ., ,$(INST_VERSION)))
INST_LIBFILE := libmbuf.so.$(INST_VERSION)
INST_SONAME  := libmbuf.so.$(INST_MAJOR)
CMAKEDIR     := $(LIBDIR)/cmake/mbuf
PKGCONFIGDIR := $(LIBDIR)/pkgconfig
KITDIR       := $(INCLUDEDIR)/libmbuf/netbsd
MANIFEST     := $(DATADIR)/libmbuf/install_manifest.txt
MAN3DIR      := $(MANDIR)/man3
# The manual: each page, and a link to it for every other name of its NAME
# section (MLINKS), so that `man m_get` finds mbuf(3).
MAN_PAGES    := $(wildcard man/*.3)
man_names     = $(shell sed -n '/^\.Sh NAME/,/^\.Nd/s/^\.Nm \([A-Za-z0-9_]*\).*/\1/p' $(1))
MAN_LINKS    := $(foreach p,$(MAN_PAGES),$(addsuffix .3,$(filter-out $(basename $(notdir $(p))),$(call man_names,$(p)))))
SIZEOF_VOID_P := $(shell printf '#include <stdint.h>\nint x[sizeof(void *)];\n' | \
	$(CC) -x c -E -dM - 2>/dev/null | sed -n 's/^\#define __SIZEOF_POINTER__ //p')

# installed path (without DESTDIR) : source, one per line, for the manifest
INST_FILES := \
	$(LIBDIR)/$(INST_LIBFILE) \
	$(LIBDIR)/$(INST_SONAME) \
	$(LIBDIR)/libmbuf.so \
	$(INCLUDEDIR)/mbuf.h \
	$(INCLUDEDIR)/mbuf_inline.h \
	$(INCLUDEDIR)/sys/mbuf.h \
	$(patsubst include/netbsd/%,$(KITDIR)/%,$(KIT_HEADERS)) \
	$(CMAKEDIR)/mbufConfig.cmake \
	$(CMAKEDIR)/mbufConfigVersion.cmake \
	$(PKGCONFIGDIR)/mbuf.pc \
	$(patsubst man/%,$(MAN3DIR)/%,$(MAN_PAGES)) \
	$(addprefix $(MAN3DIR)/,$(MAN_LINKS)) \
	$(MANIFEST)

# @VAR@ substitution of the cmake/*.in templates
define inst_subst
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@KITDIR@|$(KITDIR)|g' \
	    -e 's|@VERSION@|$(INST_VERSION)|g' -e 's|@SONAME@|$(INST_SONAME)|g' \
	    -e 's|@LIBFILE@|$(INST_LIBFILE)|g' -e 's|@SIZEOF_VOID_P@|$(SIZEOF_VOID_P)|g' \
	    -e "s|@CMAKE_TO_PREFIX@|$$(realpath -m --relative-to=$(CMAKEDIR) $(PREFIX))|g" \
	    -e "s|@PREFIX_TO_LIBDIR@|$$(realpath -m --relative-to=$(PREFIX) $(LIBDIR))|g" \
	    -e "s|@PREFIX_TO_INCLUDEDIR@|$$(realpath -m --relative-to=$(PREFIX) $(INCLUDEDIR))|g" \
	    -e "s|@PREFIX_TO_KITDIR@|$$(realpath -m --relative-to=$(PREFIX) $(KITDIR))|g"
endef

# refresh the loader's cache when LIBDIR is one of its configured
# directories (e.g. /usr/local/lib on Debian), installing for real as root
define inst_ldconfig
	if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null && \
	    grep -qxs "$(LIBDIR)" /etc/ld.so.conf /etc/ld.so.conf.d/*.conf; then \
		ldconfig && echo "ldconfig: refreshed the loader cache for $(LIBDIR)"; fi
endef

.PHONY: install uninstall test-ctest test-consumers test-kit-options test-man
# mandoc -Tlint at its strictest level (style), less the cross references
# to pages this machine lacks (they depend on what is installed), then the
# coverage test: every function, macro and variable of the header has its
# place in the manual
test-man:
	@out=$$(mandoc -Tlint -W style $(MAN_PAGES) 2>&1 | \
		grep -v -e 'referenced manual not found' -e 'mandoc.db' || true); \
	if [ -n "$$out" ]; then echo "$$out"; echo "mandoc -Tlint: man/ is not clean"; exit 1; fi
	@echo "mandoc -Tlint -W style: $(words $(MAN_PAGES)) pages clean ($(words $(MAN_LINKS)) names linked)"
	@out=$$($(GO) test -count=1 -run TestManualCoversHeader -v ./cmd/mbufgen 2>&1); st=$$?; \
	echo "$$out" | grep -v -e '^=== RUN' -e '^PASS$$'; exit $$st

# opt_*.h: what each configuration defines, the -D knobs, a porter's own
# header replacing the kit's, and the effect on examples/ported code
test-kit-options: $(LIB)
	CC="$(CC)" sh c_tests/test_kit_options.sh $(BUILD)

# The manifest lists the installed files, then (ending in /) the directories
# this installation created, so that uninstall removes those and no other.
INST_NEWDIRS := $(BUILD)/install-newdirs.txt
install: $(LIB)
	@case "$(PREFIX)" in /*) ;; *) echo "PREFIX must be absolute: $(PREFIX)"; exit 1;; esac
	@test -n "$(SIZEOF_VOID_P)" || { echo "cannot tell the pointer size of $(CC)"; exit 1; }
	@set -e; new=""; for f in $(INST_FILES); do d=$$(dirname $$f); \
		while [ "$$d" != / ] && [ ! -d "$(DESTDIR)$$d" ]; do \
			case " $$new " in *" $$d/ "*) ;; *) new="$$new $$d/";; esac; \
			d=$$(dirname $$d); done; done; \
	old="$(DESTDIR)$(MANIFEST)"; \
	if [ -f "$$old" ]; then new="$$new $$(grep '/$$' "$$old" || true)"; fi; \
	printf '%s\n' $$new | sed '/^$$/d' | sort -u > $(INST_NEWDIRS)
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/sys $(DESTDIR)$(CMAKEDIR) \
		$(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(MAN3DIR) $(DESTDIR)$(dir $(MANIFEST))
	install -m 0755 $(BUILD)/$(INST_LIBFILE) $(DESTDIR)$(LIBDIR)/$(INST_LIBFILE)
	ln -sfn $(INST_LIBFILE) $(DESTDIR)$(LIBDIR)/$(INST_SONAME)
	ln -sfn $(INST_SONAME) $(DESTDIR)$(LIBDIR)/libmbuf.so
	install -m 0644 include/mbuf.h $(DESTDIR)$(INCLUDEDIR)/mbuf.h
	install -m 0644 include/mbuf_inline.h $(DESTDIR)$(INCLUDEDIR)/mbuf_inline.h
	install -m 0644 include/sys/mbuf.h $(DESTDIR)$(INCLUDEDIR)/sys/mbuf.h
	@echo "installing the porting kit into $(KITDIR)"
	@set -e; for h in $(patsubst include/netbsd/%,%,$(KIT_HEADERS)); do \
		install -d $(DESTDIR)$(KITDIR)/$$(dirname $$h); \
		install -m 0644 include/netbsd/$$h $(DESTDIR)$(KITDIR)/$$h; done
	@echo "installing $(words $(MAN_PAGES)) manual pages and $(words $(MAN_LINKS)) links into $(MAN3DIR)"
	@set -e; for p in $(MAN_PAGES); do page=$$(basename $$p); \
		install -m 0644 $$p $(DESTDIR)$(MAN3DIR)/$$page; \
		for n in $$(sed -n '/^\.Sh NAME/,/^\.Nd/s/^\.Nm \([A-Za-z0-9_]*\).*/\1/p' $$p); do \
			[ "$$n.3" = "$$page" ] || ln -sfn $$page $(DESTDIR)$(MAN3DIR)/$$n.3; done; done
	@echo "generating $(CMAKEDIR)/mbufConfig{,Version}.cmake and $(PKGCONFIGDIR)/mbuf.pc"
	@$(inst_subst) cmake/mbufConfig.cmake.in > $(DESTDIR)$(CMAKEDIR)/mbufConfig.cmake
	@$(inst_subst) cmake/mbufConfigVersion.cmake.in > $(DESTDIR)$(CMAKEDIR)/mbufConfigVersion.cmake
	@$(inst_subst) cmake/mbuf.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/mbuf.pc
	@{ printf '%s\n' $(INST_FILES); cat $(INST_NEWDIRS); } > $(DESTDIR)$(MANIFEST)
	@rm -f $(INST_NEWDIRS)
	@$(inst_ldconfig)
	@echo "installed libmbuf $(INST_VERSION) into $(DESTDIR)$(PREFIX) ($(words $(INST_FILES)) files, listed in $(MANIFEST))"

# Removes the files the manifest lists (without a manifest: the files this
# version installs), then the directories it says the installation created,
# deepest first, if they are empty.
uninstall:
	@set -e; m="$(DESTDIR)$(MANIFEST)"; \
	if [ -f "$$m" ]; then files=$$(grep -v '/$$' "$$m"); \
		dirs=$$(grep '/$$' "$$m" | awk '{ print length($$0) " " $$0 }' | sort -rn | cut -d' ' -f2-); \
	else files="$(INST_FILES)"; dirs=""; fi; \
	n=0; for f in $$files; do \
		if [ -e "$(DESTDIR)$$f" ] || [ -L "$(DESTDIR)$$f" ]; then \
			rm -f "$(DESTDIR)$$f"; n=$$((n + 1)); fi; done; \
	for d in $$dirs; do rmdir "$(DESTDIR)$$d" 2>/dev/null || true; done; \
	echo "removed $$n files of libmbuf from $(DESTDIR)$(PREFIX)"; \
	$(inst_ldconfig)

# ---- CMake / CTest over c_tests/ ------------------------------------------------
CTEST_DIR := $(BUILD)/ctest
test-ctest: $(LIB) $(PORTED_SRCS)
	cmake -S c_tests -B $(CTEST_DIR) -DMBUF_ROOT=$(CURDIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(CTEST_DIR) -j2 >/dev/null || cmake --build $(CTEST_DIR)
	cd $(CTEST_DIR) && ctest --output-on-failure --timeout 300

# ---- consumer projects against an installed copy --------------------------------
CONSUMERS := find_package pkgconfig
test-consumers: $(LIB)
	@set -e; tmp=$$(mktemp -d /tmp/libmbuf-consumers.XXXXXX); \
	trap 'rm -rf "$$tmp"' EXIT; prefix="$$tmp/prefix"; \
	$(MAKE) --no-print-directory install PREFIX="$$prefix" >/dev/null; \
	echo "== version file of the CMake package"; \
	cmake -DVERSION_FILE="$$prefix/lib/cmake/mbuf/mbufConfigVersion.cmake" \
		-DHAVE=$(INST_VERSION) -P cmake/tests/version_check.cmake; \
	for c in $(CONSUMERS); do \
		echo "== consumer $$c (installed prefix $$prefix)"; \
		cmake -S cmake/consumers/$$c -B "$$tmp/build-$$c" \
			-DCMAKE_PREFIX_PATH="$$prefix" >/dev/null; \
		cmake --build "$$tmp/build-$$c" >/dev/null; \
		LD_LIBRARY_PATH= "$$tmp/build-$$c/consumer"; \
		readelf -d "$$tmp/build-$$c/consumer" | grep -q "NEEDED.*\[$(INST_SONAME)\]" || \
			{ echo "consumer $$c does not depend on $(INST_SONAME)"; exit 1; }; done; \
	echo "== consumer plain Makefile with pkg-config"; \
	PKG_CONFIG_PATH="$$prefix/lib/pkgconfig" $(MAKE) --no-print-directory -s \
		-C cmake/consumers/pkgconfig -f Makefile.plain OUT="$$tmp/plain"; \
	"$$tmp/plain"; \
	echo "== manual pages under the prefix (man -w, man -M, MANPATH)"; \
	for n in $(basename $(notdir $(MAN_PAGES))) $(basename $(MAN_LINKS)); do \
		f=$$(man -M "$$prefix/share/man" -w 3 $$n 2>/dev/null) || true; \
		case "$$f" in "$$prefix/share/man/man3/"*.3) ;; \
		*) echo "man -M $$prefix/share/man -w $$n: '$$f'"; exit 1;; esac; done; \
	f=$$(MANPATH="$$prefix/share/man" man -w m_get); \
	[ "$$f" = "$$prefix/share/man/man3/mbuf.3" ] || { echo "MANPATH=... man -w m_get: $$f"; exit 1; }; \
	MANPATH="$$prefix/share/man" MANPAGER=cat man m_get 2>/dev/null | grep -q 'm_pullup' || \
		{ echo "man m_get does not show mbuf(3)"; exit 1; }; \
	echo "man: $(words $(MAN_PAGES)) pages and $(words $(MAN_LINKS)) links found under the prefix"; \
	$(MAKE) --no-print-directory uninstall PREFIX="$$prefix"; \
	if [ -e "$$prefix" ]; then echo "uninstall left:"; find "$$prefix"; exit 1; fi; \
	echo "consumers: $(words $(CONSUMERS)) CMake projects and 1 Makefile built and ran; uninstall left nothing"
