# Helpers shared by bench/run, bench/translate.sh and bench/guest.sh:
# timing a command, medians, table cells.  Sourced, not run.

# measure FILE CMD [ARGS...]: runs CMD (stdout in $WORK/last.out, stderr
# in $WORK/last.err) and appends one line to FILE:
#   RC WALL_S MAXRSS_KB P1 P2 P3 P4 P5
# with the per-pass real milliseconds of stap -v ("-" when a pass did
# not report; MAXRSS_KB "-" without GNU time).  Returns CMD's status.
measure() {
	local file=$1 start end rc rss passes
	shift
	rm -f "$WORK/last.rss"
	start=$(date +%s%N)
	if [ -x /usr/bin/time ]; then	# GNU time (Debian package "time")
		/usr/bin/time -f %M -o "$WORK/last.rss" "$@" >"$WORK/last.out" 2>"$WORK/last.err"
	else
		"$@" >"$WORK/last.out" 2>"$WORK/last.err"
	fi
	rc=$?
	end=$(date +%s%N)
	rss=$(tail -n 1 "$WORK/last.rss" 2>/dev/null)
	case $rss in '' | *[!0-9]*) rss=- ;; esac
	passes=$(pass_times "$WORK/last.err")
	echo "$rc $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", (b - a) / 1e9 }') $rss $passes" >>"$file"
	return $rc
}

# pass_times FILE: "P1 P2 P3 P4 P5", each pass's real ms from stap -v's
# "Pass N: ... in Uusr/Ssys/Rreal ms." lines, "-" for the missing ones.
pass_times() {
	awk '{
		if (match($0, /^Pass [1-5]: .* in [0-9]+usr\/[0-9]+sys\/[0-9]+real ms/)) {
			n = substr($0, 6, 1)
			s = $0
			sub(/real ms.*/, "", s)
			sub(/.*sys\//, "", s)
			t[n] = s
		}
	} END {
		for (i = 1; i <= 5; i++)
			printf "%s%s", (i in t) ? t[i] : "-", i < 5 ? " " : "\n"
	}' "$1"
}

# median FILE COLUMN: the median of that column over the lines whose RC
# (column 1) is 0; "-" if there is none or a value is missing.
median() {
	[ -s "$1" ] || { echo -; return; }
	awk -v c="$2" '$1 == 0 { if ($c == "-") miss = 1; else v[n++] = $c }
		END {
			if (miss || !n) { print "-"; exit }
			for (i = 1; i < n; i++)	# insertion sort: a handful of values
				for (j = i; j > 0 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
			print (n % 2) ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2
		}' "$1"
}

# failures FILE: how many runs recorded in FILE failed (RC not 0).
failures() {
	[ -s "$1" ] || { echo 0; return; }
	awk '$1 != 0 { n++ } END { print n + 0 }' "$1"
}

# first_error FILE: a one-line reason from a failed command's stderr.
first_error() {
	local line
	line=$(grep -m 1 -i 'error\|fail\|cannot\|warning' "$1" 2>/dev/null)
	[ -n "$line" ] || line=$(grep -m 1 . "$1" 2>/dev/null)
	[ -n "$line" ] || line="no message"
	printf '%s' "$line" | cut -c 1-160
}

# drop_caches: empties the page cache when this user may; 0 if it did.
drop_caches() {
	sync
	{ echo 3 >/proc/sys/vm/drop_caches; } 2>/dev/null
}
