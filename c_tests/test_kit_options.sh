#!/bin/sh
# The porting kit's kernel option headers (include/netbsd/opt_*.h): which
# options each configuration defines, the -D / -DLIBMBUF_KIT_NO_<NAME>
# knobs, a porter's own opt header replacing the kit's, and the effect on
# ported code (examples/ported/inet_classify.c, whose IPv4 and IPv6 halves
# sit under INET and INET6).
#
#   sh c_tests/test_kit_options.sh [build-dir]     (make test-kit-options)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
CC=${CC:-cc}
tmp=$(mktemp -d /tmp/libmbuf-kitopt.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
kit="-D_KERNEL -I$root/include/netbsd -I$root/include"
passed=0
failed=0

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }

# every option header of the kit, included by one file as ported code would
for h in "$root"/include/netbsd/opt_*.h; do
	printf '#include "%s"\n' "$(basename "$h")"
done > "$tmp/all.c"

# defined NAME FLAGS...: the options of interest defined with those flags
defined() {
	$CC -E -dM "$@" $kit "$tmp/all.c" |
	    awk '$1 == "#define" && $2 ~ /^(INET|INET6|IPSEC|FAST_IPSEC|MBUFTRACE|GATEWAY|PFIL_HOOKS|MROUTING|ALTQ|DDB|MULTIPROCESSOR)$/ { print $2 "=" $3 }' |
	    LC_ALL=C sort | tr '\n' ' '
}
expect() { # expect "WANT" FLAGS...
	want=$1
	shift
	got=$(defined "$@")
	if [ "$got" = "$want" ]; then ok; else bad "flags '$*': got '$got', want '$want'"; fi
}

expect "INET6=1 INET=1 "
expect "INET=1 " -DLIBMBUF_KIT_NO_INET6
expect "" -DLIBMBUF_KIT_NO_INET -DLIBMBUF_KIT_NO_INET6
expect "INET6=1 INET=1 IPSEC=1 MBUFTRACE=1 " -DIPSEC -DMBUFTRACE
expect "FAST_IPSEC=1 GATEWAY=1 INET6=1 INET=1 " -DGATEWAY -DFAST_IPSEC

# contradictory flags stop the build, naming both
if $CC -E $kit -DINET -DLIBMBUF_KIT_NO_INET "$tmp/all.c" >/dev/null 2>"$tmp/err"; then
	bad "INET with LIBMBUF_KIT_NO_INET compiled"
elif grep -q "both INET and LIBMBUF_KIT_NO_INET" "$tmp/err"; then ok
else bad "INET with LIBMBUF_KIT_NO_INET: $(cat "$tmp/err")"; fi

# a porter's own opt_inet.h replaces the kit's: earlier on the include
# path, or with -iquote (searched for "opt_inet.h" before any -I)
mkdir -p "$tmp/myopts"
printf '#define INET 1\n' > "$tmp/myopts/opt_inet.h"
expect "INET=1 " -I"$tmp/myopts"
expect "INET=1 " -iquote "$tmp/myopts"
expect "INET6=1 INET=1 " -idirafter "$tmp/myopts"

# each header alone, twice (guards), strict
for h in "$root"/include/netbsd/opt_*.h; do
	printf '#include "%s"\n#include "%s"\nint x;\n' "$(basename "$h")" "$(basename "$h")" > "$tmp/one.c"
	if $CC -std=c99 -pedantic -Wall -Wextra -Werror -fsyntax-only $kit "$tmp/one.c"; then ok
	else bad "$(basename "$h") does not compile on its own"; fi
done

# The effect on ported code: inet_classify.c compiled three ways and asked
# which families it has.  The empty opt_inet.h is the trap the kit's header
# avoids: the file compiles without a word and has neither family.
cat > "$tmp/main.c" <<'EOF'
#include <stdio.h>
#include "inet_classify.h"
int main(void) { printf("%d\n", inet_classify_families()); return 0; }
EOF
mkdir -p "$tmp/empty"
: > "$tmp/empty/opt_inet.h"
families() { # families WANT FLAGS...
	want=$1
	shift
	$CC -std=c11 -O1 -Wall -Wextra -Werror "$@" $kit -I"$root/examples/ported" \
	    -c "$root/examples/ported/inet_classify.c" -o "$tmp/ic.o"
	$CC -I"$root/examples/ported" -o "$tmp/ic" "$tmp/main.c" "$tmp/ic.o" \
	    -L"$build" -lmbuf -Wl,-rpath,"$build"
	got=$("$tmp/ic")
	if [ "$got" = "$want" ]; then ok; else bad "inet_classify.c with '$*': families $got, want $want"; fi
}
families 3
families 1 -DLIBMBUF_KIT_NO_INET6
families 0 -I"$tmp/empty"

echo "kit options: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
