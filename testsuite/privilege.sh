# staprun's privilege model in the suite's guest: modules built here for
# each level, run there as root and as users in each stap group
# (testsuite/privilege/guest-checks.sh makes the users, inside the guest).
# Sourced by testsuite/run.

# build_privilege_module NAME LEVEL SCRIPT [ARG...]: $dir/NAME.ko, or a
# failure
build_privilege_module() {
	local name=$1 level=$2 script=$3
	shift 3
	if ! (cd "$dir" && "$STAP" -p4 -r "$(release)" -m "$name" --privilege="$level" \
		"$ROOT/testsuite/privilege/$script.stp" "$@" >"$dir/$name.log" 2>&1); then
		fail "privilege: build $name" "$(cat "$dir/$name.log")"
		return 1
	fi
}

# A trusted key (its public half goes into the guest's key directory) and an
# untrusted one; copies signed with each, and a signed copy changed after.
sign_privilege_modules() {
	local d m
	mkdir -p "$dir/signed" "$dir/badkey" "$dir/tampered"
	if ! { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/trusted.key" &&
	       openssl pkey -in "$dir/trusted.key" -pubout -out "$dir/trusted.pem" &&
	       openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/other.key"; } \
		>"$dir/keys.log" 2>&1; then
		fail "privilege: make signing keys" "$(cat "$dir/keys.log")"
		return 1
	fi
	for m in usr_hello dev_hello; do
		cp "$dir/$m.ko" "$dir/signed/"
		openssl dgst -sha256 -sign "$dir/trusted.key" -out "$dir/signed/$m.ko.sgn" "$dir/$m.ko"
	done
	cp "$dir/usr_hello.ko" "$dir/badkey/"
	openssl dgst -sha256 -sign "$dir/other.key" -out "$dir/badkey/usr_hello.ko.sgn" "$dir/usr_hello.ko"
	cp "$dir/signed/usr_hello.ko" "$dir/signed/usr_hello.ko.sgn" "$dir/tampered/"
	printf 'x' >>"$dir/tampered/usr_hello.ko"
	chmod 755 "$dir"/*/
	chmod 644 "$dir"/*/*
}

privilege_tests() {
	local dir=$WORK/privilege m
	selected privilege || return
	mkdir -p "$dir"
	chmod 755 "$dir"
	for m in "usr_hello stapusr hello" "sys_hello stapsys hello" "dev_hello stapdev hello" \
		 "usr_target stapusr target" "usr_ticker stapusr ticker" "usr_cmd stapusr cmd" \
		 "dev_params stapdev params" "dev_warn stapdev warn"; do
		build_privilege_module $m || return
	done
	build_privilege_module usr_uprobe stapusr uprobe "$ROOT/testsuite/uprog/uprog" || return
	sign_privilege_modules || return
	chmod 644 "$dir"/*.ko
	timeout 900 "$ROOT/guest/stap-qemu" run "$GUEST_DIR" -- sh "$ROOT/testsuite/privilege/guest-checks.sh" \
		"$ROOT/staprun/staprun" "$ROOT/stapio/stapio" "$dir" >"$dir/log" 2>&1
	report_lines privilege "$dir/log" $?
}

# make install DESTDIR=... PREFIX=...: staprun setuid root, stapio beside
# it, the man pages of all three, and an installed stap that finds its
# runtime and tapsets.
install_tests() {
	local name="install: make install DESTDIR PREFIX" dest=$WORK/inst mode out
	selected "$name" || return
	if ! make -s install DESTDIR="$dest" PREFIX=/opt/stp >"$WORK/install.log" 2>&1; then
		fail "$name" "$(tail -20 "$WORK/install.log")"
		return
	fi
	mode=$(stat -c '%a %U' "$dest/opt/stp/bin/staprun")
	out=$(SYSTEMTAP_RUNTIME= SYSTEMTAP_TAPSET= "$dest/opt/stp/bin/stap" -p2 -e 'probe begin { println(strlen("abc")) }' 2>&1)
	if [ "$mode" != "4755 root" ]; then
		fail "$name" "staprun is '$mode', expected setuid root (4755 root)"
	elif [ ! -x "$dest/opt/stp/bin/stapio" ]; then
		fail "$name" "no stapio beside staprun"
	elif ! ls "$dest/opt/stp/share/man/man1/stap.1" "$dest/opt/stp/share/man/man8/staprun.8" \
		"$dest/opt/stp/share/man/man8/stapio.8" "$dest/opt/stp/share/man/man1/stap-merge.1" \
		"$dest/opt/stp/bin/stap-merge" "$dest/opt/stp/share/man/man3/function::strlen.3stap" \
		>"$WORK/install.ls" 2>&1; then
		fail "$name" "$(cat "$WORK/install.ls")"
	elif ! grep -q 'strlen' <<<"$out"; then
		fail "$name" "the installed stap: $out"
	else
		pass "$name"
	fi
}

# staprun's own checks that need no guest: options, and module files it
# refuses before loading anything.
staprun_cli_tests() {
	local name="staprun: options and refusals without a guest" sr=$ROOT/staprun/staprun
	local kmod=$ROOT/testsuite/kmod/stp_testmod.ko out
	selected "$name" || return
	head -c 1000 "$kmod" >"$WORK/truncated.ko"
	out=$({
		"$sr" -h | head -1; echo "rc ${PIPESTATUS[0]}"
		"$sr" -D x.ko; echo "rc $?"
		"$sr" -S 1 x.ko; echo "rc $?"
		"$sr" -b 5000 x.ko; echo "rc $?"
		"$sr" -T 0 x.ko; echo "rc $?"
		"$sr" -L -c true x.ko; echo "rc $?"
		"$sr" -A some_module x.ko 2>&1 | head -1; echo "rc ${PIPESTATUS[0]}"
		"$sr" /etc/passwd; echo "rc $?"
		"$sr" "$WORK/truncated.ko"; echo "rc $?"
		"$sr" "$kmod" _stp_uid=0; echo "rc $?"
		"$sr" "$kmod" count; echo "rc $?"
		"$sr" -A 'bad/name'; echo "rc $?"
		"$sr" -d no_such_module; echo "rc $?"
	} 2>&1)
	cat >"$WORK/staprun_cli.want" <<WANT
usage: staprun [OPTIONS] MODULE [name=value ...]
rc 0
staprun: ERROR: -D needs -o FILE: a background run has no terminal for its output
rc 1
staprun: ERROR: -S needs -o FILE
rc 1
staprun: ERROR: -b takes a number from 1 to 4095, not '5000'
rc 1
staprun: ERROR: -T takes a number from 1 to 3600000, not '0'
rc 1
staprun: ERROR: -L cannot be combined with -c or -D
rc 1
usage: staprun [OPTIONS] MODULE [name=value ...]
rc 1
staprun: ERROR: module file /etc/passwd: not a 64-bit ELF relocatable file
rc 1
staprun: ERROR: module file $WORK/truncated.ko: bad ELF section table
rc 1
staprun: ERROR: module parameter '_stp_uid' is reserved for staprun
rc 1
staprun: ERROR: module parameter 'count' is not name=value
rc 1
staprun: ERROR: invalid module name 'bad/name'
rc 1
staprun: ERROR: no systemtap module no_such_module is loaded
rc 1
WANT
	echo "$out" >"$WORK/staprun_cli.out"
	check_same "$name" "$WORK/staprun_cli.want" "$WORK/staprun_cli.out"
}
