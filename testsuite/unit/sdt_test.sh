#!/bin/bash
# translator/sdt.c on the test programs of testsuite/uprog: sdt_test
# (argument parsing, markers against readelf), then sdt_trace (the C of
# every marker argument run on the traced programs).  Prints "ok NAME" /
# "FAIL NAME" lines and, if it got to the end, "done".
#
# Usage: testsuite/unit/sdt_test.sh WORKDIR   (from the top of the tree)

set -u
W=$1 U=testsuite/uprog
CFLAGS="-std=gnu11 -Wall -Wextra -Werror -g -fsanitize=address,undefined"
BINS="$U/uprog $U/uprog_nopie $U/uprog_O2 $U/libuprog.so"

if ! make -s -C $U >"$W/uprog.log" 2>&1; then
	echo "FAIL build testsuite/uprog"; cat "$W/uprog.log"; exit 1
fi
if ! cc $CFLAGS -Itranslator -o "$W/sdt_test" testsuite/unit/sdt_test.c translator/sdt.c translator/uelf.c translator/util.c \
	-lelf >"$W/sdt_cc.log" 2>&1; then
	echo "FAIL build sdt_test"; cat "$W/sdt_cc.log"; exit 1
fi
# prelink moves sections, not the notes; .stapsdt.base tells by how much
if ! objcopy --change-section-vma .stapsdt.base+0x10 $U/uprog_nopie "$W/uprog_shifted" 2>"$W/objcopy.log"; then
	echo "FAIL objcopy"; cat "$W/objcopy.log"
fi
"$W/sdt_test" --shifted $U/uprog_nopie "$W/uprog_shifted" 0x10 $BINS | grep -v '^done$'
if ! "$W/sdt_test" --emit-c "$W/sdt_args.c" $BINS ||
	! cc $CFLAGS -Itestsuite/unit -o "$W/sdt_trace" testsuite/unit/sdt_trace.c "$W/sdt_args.c" \
		>"$W/sdt_cc.log" 2>&1; then
	echo "FAIL build sdt_trace"; cat "$W/sdt_cc.log"; exit 1
fi
for p in uprog uprog_nopie uprog_O2; do
	"$W/sdt_trace" runtime/registers.c "$U/$p" 2
done
echo done
