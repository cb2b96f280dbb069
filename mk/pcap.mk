# Capture files on chains (issue 15 item 3): capi/mbufc/pcap.c, its C test
# (which links libpcap to check that libpcap reads our files and we read
# its), the Python module python/mbuf/pcap.py (its tests also run tcpdump
# on our files), the libFuzzer target over the reader, and the examples
# that dump and replay traffic (examples/pcap_replay.c runs with the other
# C examples; examples/pcap_scapy.py here).
#
#   make fuzz-pcap       the reader under libFuzzer for FUZZ_TIME (20s), from
#                        a seed corpus of files made by the writer
#   make run-pcap-python examples/pcap_scapy.py

APT_PACKAGES += libpcap-dev tcpdump python3-scapy
TEST_SUITES  += fuzz-pcap test-pcap-python
RUN_TARGETS  += run-pcap-python

# the Python example (scapy frames through mbuf.pcap; every check an assert)
PCAP_PY = LIBMBUF_PATH=$(abspath $(LIB)) $(or $(PYTHON),/usr/bin/python3) examples/pcap_scapy.py
.PHONY: run-pcap-python test-pcap-python
run-pcap-python test-pcap-python: $(LIB)
	$(PCAP_PY)

# test_pcap links libpcap (explicit rules win over the generic ones)
$(BUILD)/c_tests/test_pcap: c_tests/test_pcap.c c_tests/testutil.h include/mbuf.h include/mbuf_inline.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_TEST) -o $@ $< $(LDFLAGS_TEST) -lpcap
# pcap.c is plain C over the public API: the sanitizer build compiles it
# into the test itself, instrumented, where its definitions take the place
# of the library's, so that AddressSanitizer checks the reader's every
# access during the truncation and bit-flip tests.
$(BUILD)/san/test_pcap: c_tests/test_pcap.c c_tests/testutil.h include/mbuf.h include/mbuf_inline.h capi/mbufc/pcap.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_TEST) -O1 $(SAN_FLAGS) -o $@ $< capi/mbufc/pcap.c $(LDFLAGS_TEST) -lpcap

# ---- libFuzzer over the reader ---------------------------------------------
# fuzz/fuzz_pcap.c with pcap.c compiled in (coverage, ASan, UBSan), against
# the ordinary library for the rest; seeds in fuzz/corpus_pcap (files made
# by the writer and by hand), new inputs in build/fuzz/corpus_pcap.
FUZZ_PCAP_BIN := $(BUILD)/fuzz/fuzz_pcap
$(FUZZ_PCAP_BIN): fuzz/fuzz_pcap.c capi/mbufc/pcap.c include/mbuf.h include/mbuf_inline.h $(LIB)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_FLAGS) -o $@ fuzz/fuzz_pcap.c capi/mbufc/pcap.c $(LDFLAGS_TEST)

.PHONY: fuzz-pcap
fuzz-pcap: $(FUZZ_PCAP_BIN)
	@mkdir -p $(BUILD)/fuzz/corpus_pcap; t=$(FUZZ_TIME); case $$t in *m) s=$$(( $${t%m} * 60 ));; *s) s=$${t%s};; *) s=$$t;; esac; \
	echo "libFuzzer: $(FUZZ_PCAP_BIN) for $$s s (log: $(BUILD)/fuzz/pcap.log)"; \
	if MBUF_LEAK_REPORT=0 $(FUZZ_PCAP_BIN) -max_total_time=$$s -max_len=4096 -timeout=20 \
		-artifact_prefix=$(BUILD)/fuzz/pcap- -print_final_stats=1 \
		$(BUILD)/fuzz/corpus_pcap fuzz/corpus_pcap >$(BUILD)/fuzz/pcap.log 2>&1; then \
		grep -E '^Done|stat::number_of_executed_units|stat::new_units_added' $(BUILD)/fuzz/pcap.log; \
	else tail -40 $(BUILD)/fuzz/pcap.log; exit 1; fi
