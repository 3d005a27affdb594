# staprun's privilege model in the suite's guest: modules built here for
# each level, run there as root and as users in each stap group
# (testsuite/privilege/guest-checks.sh makes the users, inside the guest).
# Sourced by testsuite/run.

# build_privilege_module NAME LEVEL SCRIPT: $dir/NAME.ko, or a failure
build_privilege_module() {
	local name=$1 level=$2 script=$3
	if ! (cd "$dir" && "$STAP" -p4 -r "$(release)" -m "$name" --privilege="$level" \
		"$ROOT/testsuite/privilege/$script.stp" >"$dir/$name.log" 2>&1); then
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
