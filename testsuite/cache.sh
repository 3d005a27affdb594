# The module cache (translator/cache.c), on the host: stap -p4 builds
# modules here; the guest tests then run modules from the cache.

# stap -p4 with the cache of these tests; stdout to $WORK/c.out, stderr
# to $WORK/c.err.
cache_stap() {
	SYSTEMTAP_DIR="$CACHE_HOME" "$STAP" -p4 -r "$(release)" "$@" >"$WORK/c.out" 2>"$WORK/c.err"
}

# Whether the last cache_stap built (1) or used the cache (0).
built() { grep -q '^Pass 4: compiled C' "$WORK/c.err"; }
used_cache() { grep -q '^Pass 4: using cached' "$WORK/c.err" && ! built; }

cache_entry_of() { sed 's/\.ko$//' "$WORK/c.out"; }

cache_hit_tests() {
	local name ko c
	name="cache: a second run uses the cached module"
	cache_stap -v -e 'probe begin { println("cached") exit() }'
	ko=$(cat "$WORK/c.out")
	if ! built || [[ "$ko" != "$CACHE_HOME/cache/"??/stap_*.ko ]] || [ ! -f "$ko" ]; then
		fail "$name" "first run: $(cat "$WORK/c.out" "$WORK/c.err")"
		return
	fi
	cp "$ko" "$WORK/first.ko"
	cache_stap -v -e 'probe begin { println("cached") exit() }'
	if ! used_cache || [ "$(cat "$WORK/c.out")" != "$ko" ]; then
		fail "$name" "$(cat "$WORK/c.out" "$WORK/c.err")"
	elif ! grep -qx "Pass 3: using cached ${ko%.ko}.c" "$WORK/c.err" || grep -q '^Pass 2: analyzed' "$WORK/c.err"; then
		fail "$name" "-v does not say so: $(cat "$WORK/c.err")"
	elif ! cmp -s "$ko" "$WORK/first.ko"; then
		fail "$name" "the cached module changed"
	else
		pass "$name"
	fi

	name="cache: -p3 prints the cached C, the same as a fresh translation"
	SYSTEMTAP_DIR="$CACHE_HOME" "$STAP" -p3 -r "$(release)" -e 'probe begin { println("cached") exit() }' \
		>"$WORK/p3.cached" 2>&1
	SYSTEMTAP_DIR="$WORK/empty-cache" "$STAP" -p3 -r "$(release)" -e 'probe begin { println("cached") exit() }' \
		>"$WORK/p3.fresh" 2>&1
	check_same "$name" "$WORK/p3.fresh" "$WORK/p3.cached"

	name="cache: --poison-cache builds again and keeps the new module"
	cache_stap -v --poison-cache -e 'probe begin { println("cached") exit() }'
	if ! built || [ "$(cat "$WORK/c.out")" != "$ko" ]; then
		fail "$name" "$(cat "$WORK/c.out" "$WORK/c.err")"
	else
		cache_stap -v -e 'probe begin { println("cached") exit() }'
		if used_cache; then pass "$name"; else fail "$name" "no hit after: $(cat "$WORK/c.err")"; fi
	fi
}

# Each input of the key makes a new module: the script, -D, a script
# argument, a tapset file, the privilege level.
cache_key_tests() {
	local name dir
	dir="$WORK/cache-tapset"
	mkdir -p "$dir"
	echo 'function cache_test_value() { return 1 }' >"$dir/cache_test.stp"
	cache_stap -I "$dir" -e 'probe begin { println(cache_test_value(), @1) exit() }' one
	for variant in script -D "script argument" "tapset file" "privilege level"; do
		name="cache: a new module when the $variant differs"
		case $variant in
		script) cache_stap -v -I "$dir" -e 'probe begin { println(cache_test_value(), @1, "!") exit() }' one ;;
		-D) cache_stap -v -I "$dir" -D MAXACTION=5000 -e 'probe begin { println(cache_test_value(), @1) exit() }' one ;;
		"script argument") cache_stap -v -I "$dir" -e 'probe begin { println(cache_test_value(), @1) exit() }' two ;;
		"tapset file")
			echo 'function cache_test_value() { return 2 }' >"$dir/cache_test.stp"
			cache_stap -v -I "$dir" -e 'probe begin { println(cache_test_value(), @1) exit() }' one ;;
		privilege*) cache_stap -v -I "$dir" --privilege=stapsys -e 'probe begin { println(cache_test_value(), @1) exit() }' one ;;
		esac
		if built; then pass "$name"; else fail "$name" "$(cat "$WORK/c.err")"; fi
	done
	name="cache: -G values share a module; a value of another type does not"
	cache_stap -G g=1 -e 'global g; probe begin { println(g) exit() }'
	cache_stap -v -G g=2 -e 'global g; probe begin { println(g) exit() }'
	if used_cache; then
		cache_stap -v -G g=two -e 'global g; probe begin { println(g) exit() }'
		if built; then pass "$name"; else fail "$name" "a string value used the long's module"; fi
	else
		fail "$name" "$(cat "$WORK/c.err")"
	fi
	name="cache: -c, -x, -o and -s do not change the module"
	cache_stap -v -I "$dir" -o /dev/null -s 2 -x 1 -e 'probe begin { println(cache_test_value(), @1) exit() }' one
	if used_cache; then pass "$name"; else fail "$name" "$(cat "$WORK/c.err")"; fi
	name="cache: -c's program is in the key (process probes without a path probe it), its arguments are not"
	if selected "$name"; then
		local script='probe process.function("add_ints") { println($a) }' how=""
		cache_stap -v -c "$ROOT/testsuite/uprog/uprog 1" -e "$script" && built && how=built
		cache_stap -v -c "$ROOT/testsuite/uprog/uprog 2" -e "$script" && used_cache && how="$how,hit"
		cache_stap -v -c "$ROOT/testsuite/uprog/uprog_nopie 1" -e "$script" && built && how="$how,built"
		if [ "$how" = "built,hit,built" ]; then pass "$name"; else fail "$name" "$how: $(cat "$WORK/c.err")"; fi
	fi
}

cache_damage_tests() {
	local name ko size
	cache_stap -e 'probe begin { println("damaged") exit() }'
	ko=$(cat "$WORK/c.out")
	size=$(stat -c %s "$ko")

	name="cache: a truncated module is rebuilt, not loaded"
	truncate -s 1000 "$ko"
	cache_stap -e 'probe begin { println("damaged") exit() }'
	echo "stap: the cached module is damaged ($ko has 1000 bytes, not $size): building it again" >"$WORK/c.want"
	if [ "$(stat -c %s "$ko")" != "$size" ]; then
		fail "$name" "the module was not rebuilt: $(cat "$WORK/c.err")"
	else
		check_same "$name" "$WORK/c.want" "$WORK/c.err"
	fi

	name="cache: a module changed in place is rebuilt"
	printf 'X' | dd of="$ko" bs=1 seek=5000 conv=notrunc status=none
	cache_stap -e 'probe begin { println("damaged") exit() }'
	echo "stap: the cached module is damaged ($ko does not match its checksum): building it again" >"$WORK/c.want"
	check_same "$name" "$WORK/c.want" "$WORK/c.err"

	name="cache: a garbled summary is rebuilt"
	echo garbage >"${ko%.ko}.sum"
	cache_stap -e 'probe begin { println("damaged") exit() }'
	echo "stap: the cached module is damaged (${ko%.ko}.sum is not a cache entry's summary): building it again" \
		>"$WORK/c.want"
	check_same "$name" "$WORK/c.want" "$WORK/c.err"

	# A store killed before its summary was written: the module is there,
	# its .sum is not; then the entry is simply missing.
	name="cache: a half-written entry is built again"
	rm -f "${ko%.ko}.sum"
	echo partial >"$ko.tmpAbCdEf"
	cache_stap -v -e 'probe begin { println("damaged") exit() }'
	if built && ! grep -q damaged "$WORK/c.err" && [ -f "${ko%.ko}.sum" ]; then
		pass "$name"
	else
		fail "$name" "$(cat "$WORK/c.err")"
	fi

	name="cache: --clean-cache removes what interrupted stores left"
	touch -d '2 hours ago' "$ko.tmpAbCdEf"
	SYSTEMTAP_DIR="$CACHE_HOME" "$STAP" --clean-cache >"$WORK/c.out" 2>&1
	if [ -e "$ko.tmpAbCdEf" ] || [ ! -f "$ko" ]; then
		fail "$name" "$(ls "$(dirname "$ko")")"
	else
		pass "$name"
	fi
}

# Two staps building the same module at once: one builds, the other waits
# for it and uses its module.
cache_concurrency_tests() {
	local name="cache: two staps building the same script at once build it once" p1 builds
	(SYSTEMTAP_DIR="$CACHE_HOME" "$STAP" -v -p4 -r "$(release)" -e 'probe begin { println("twice") exit() }' \
		>"$WORK/c1.out" 2>"$WORK/c1.err") &
	p1=$!
	SYSTEMTAP_DIR="$CACHE_HOME" "$STAP" -v -p4 -r "$(release)" -e 'probe begin { println("twice") exit() }' \
		>"$WORK/c2.out" 2>"$WORK/c2.err"
	wait $p1
	builds=$(cat "$WORK/c1.err" "$WORK/c2.err" | grep -c '^Pass 4: compiled C')
	if [ "$builds" != 1 ] || ! cmp -s "$WORK/c1.out" "$WORK/c2.out" || [ ! -f "$(cat "$WORK/c1.out")" ]; then
		fail "$name" "$builds builds: $(cat "$WORK/c1.out" "$WORK/c1.err" "$WORK/c2.out" "$WORK/c2.err")"
	else
		pass "$name"
	fi
}

# The bytes of the largest of these cache entries (.ko, .c and .sum).
entry_bytes() {
	local base
	for base; do cat "$base.ko" "$base.c" "$base.sum" | wc -c; done | sort -n | tail -1
}

# Least recently used entries go first when the cache is over its limit.
cache_limit_tests() {
	local name home="$WORK/cache-lru" a b
	mkdir -p "$home/cache"
	echo 100 >"$home/cache/cache_mb_limit"
	SYSTEMTAP_DIR="$home" "$STAP" -p4 -r "$(release)" -e 'probe begin { println("a") exit() }' >"$WORK/a.out" 2>&1
	SYSTEMTAP_DIR="$home" "$STAP" -p4 -r "$(release)" -e 'probe begin { println("b") exit() }' >"$WORK/b.out" 2>&1
	a=$(cat "$WORK/a.out")
	b=$(cat "$WORK/b.out")
	touch -d '1 hour ago' "${a%.ko}.sum"
	touch -d '2 hours ago' "${b%.ko}.sum"
	# a is used again: now b is the least recently used
	SYSTEMTAP_DIR="$home" "$STAP" -p4 -r "$(release)" -e 'probe begin { println("a") exit() }' >/dev/null 2>&1
	# room for one and a half entries
	entry_bytes "${a%.ko}" "${b%.ko}" | awk '{ printf "%.6f\n", $1 * 1.5 / 1048576 }' >"$home/cache/cache_mb_limit"
	name="cache: over the limit, the least recently used module goes"
	SYSTEMTAP_DIR="$home" "$STAP" -v --clean-cache >"$WORK/c.out" 2>&1
	if [ -e "$b" ] || [ -e "${b%.ko}.sum" ] || [ ! -f "$a" ]; then
		fail "$name" "$(cat "$WORK/c.out"; ls -R "$home/cache")"
	elif ! grep -q "^Cache: removed 1 module (" "$WORK/c.out"; then
		fail "$name" "$(cat "$WORK/c.out")"
	else
		pass "$name"
	fi

	name="cache: a new module past the limit evicts the older ones"
	echo 0 >"$home/cache/cache_clean_interval_s"
	SYSTEMTAP_DIR="$home" "$STAP" -p4 -r "$(release)" -e 'probe begin { println("c") exit() }' >"$WORK/c.out" 2>&1
	if [ -e "$a" ] || [ ! -f "$(cat "$WORK/c.out")" ]; then
		fail "$name" "$(ls -R "$home/cache")"
	else
		pass "$name"
	fi
}

cache_misc_tests() {
	local name
	name="cache: warnings of pass 2 are shown again on a hit"
	cache_stap -e 'global unused_g, h; probe begin { h = 1; exit() }'
	cp "$WORK/c.err" "$WORK/c.first"
	cache_stap -e 'global unused_g, h; probe begin { h = 1; exit() }'
	if ! grep -q "Eliding unused variable 'unused_g'" "$WORK/c.first"; then
		fail "$name" "no warning at first: $(cat "$WORK/c.first")"
	else
		check_same "$name" "$WORK/c.first" "$WORK/c.err"
	fi

	name="cache: without a home directory, -p4 writes the module here"
	rm -rf "$WORK/nohome" && mkdir -p "$WORK/nohome"
	(cd "$WORK/nohome" && env -u HOME -u SYSTEMTAP_DIR "$STAP" -p4 -r "$(release)" \
		-e 'probe begin { exit() }' >"$WORK/c.out" 2>"$WORK/c.err")
	if [[ "$(cat "$WORK/c.out")" == stap_*.ko ]] && [ -f "$WORK/nohome/$(cat "$WORK/c.out")" ]; then
		pass "$name"
	else
		fail "$name" "$(cat "$WORK/c.out" "$WORK/c.err")"
	fi
}

# A process probe's offsets come from its program: a program rebuilt (or
# only touched) since is a miss, not a module with stale offsets.
cache_input_tests() {
	local name="cache: a probed program that changed makes a new build"
	cp testsuite/uprog/uprog "$WORK/uprog_copy"
	cache_stap -e "probe process(\"$WORK/uprog_copy\").function(\"add_ints\") {}"
	cache_stap -v -e "probe process(\"$WORK/uprog_copy\").function(\"add_ints\") {}"
	if ! used_cache; then
		fail "$name" "no hit before the change: $(cat "$WORK/c.err")"
		return
	fi
	touch -d '1 minute ago' "$WORK/uprog_copy"
	cache_stap -v -e "probe process(\"$WORK/uprog_copy\").function(\"add_ints\") {}"
	if built && grep -qx "Cache: $WORK/uprog_copy changed since the cached module was built: building it again" \
		"$WORK/c.err"; then
		pass "$name"
	else
		fail "$name" "$(cat "$WORK/c.err")"
	fi
}

# process("NAME") is the first NAME in $PATH: another $PATH may find
# another program, so it is in the key of a script about processes.
cache_path_tests() {
	local name="cache: \$PATH is in the key of a process script (process(\"NAME\") is found through it)"
	local script='probe process("uprog").function("add_ints") {}' how=""
	selected "$name" || return
	mkdir -p "$WORK/path1" "$WORK/path2"
	cp testsuite/uprog/uprog "$WORK/path1/uprog"
	cp testsuite/uprog/uprog_nopie "$WORK/path2/uprog"
	PATH="$WORK/path1:$PATH" cache_stap -v -e "$script" && built && how=built
	PATH="$WORK/path1:$PATH" cache_stap -v -e "$script" && used_cache && how="$how,hit"
	PATH="$WORK/path2:$PATH" cache_stap -v -e "$script" && built && how="$how,built"
	PATH="$WORK/path1:$PATH" cache_stap -v -e 'probe begin { exit() }' &&
		PATH="$WORK/path2:$PATH" cache_stap -v -e 'probe begin { exit() }' && used_cache && how="$how,other scripts hit"
	if [ "$how" = "built,hit,built,other scripts hit" ]; then pass "$name"; else fail "$name" "$how: $(cat "$WORK/c.err")"; fi
}

cache_tests() {
	selected "cache:" || return
	CACHE_HOME="$WORK/cache-home"
	mkdir -p "$CACHE_HOME"
	cache_hit_tests
	cache_key_tests
	cache_damage_tests
	cache_concurrency_tests
	cache_limit_tests
	cache_misc_tests
	cache_input_tests
	cache_path_tests
}
