# Shared by the guest check scripts (testsuite/*/guest-checks.sh), which
# source it: one PASS:/FAIL: line per check, counted in $failures.

failures=0

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() { # check DESCRIPTION COMMAND...
	desc=$1; shift
	if "$@"; then pass "$desc"; else fail "$desc"; fi
}
