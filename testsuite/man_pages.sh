# stap --man-pages=DIR: a page per function name (overloads together) and
# per probe alias, from the doc comments, escaped for roff.  Sourced by
# testsuite/run; man_page_tests runs from special.sh's dump_tests.

man_page_tests() {
	local name out dir="$WORK/man" want functions aliases pages
	name="cli: --man-pages writes a page per function and alias, escaped for roff"
	if selected "$name"; then
		rm -rf "$dir" && mkdir -p "$dir"
		out=$("$STAP" -I testsuite/tapset_doc --man-pages="$dir" 2>&1)
		want=$(cat testsuite/tapset_doc/doc.pages)
		out+=$(cat "$dir/function::doc_twice.3stap"; echo ---; cat "$dir/probe::doc.tick.3stap"; echo ---
		       grep NAME -A1 "$dir/function::doc_hidden.3stap" | tail -1; echo ---
		       [ -e "$dir/function::_doc_private.3stap" ] || echo "no page for _doc_private")
		[ "$out" = "$want" ] && pass "$name" || fail "$name" "$(diff <(echo "$want") <(echo "$out"))"
	fi
	name="cli: --man-pages covers the whole library, and groff reads every page without a warning"
	if selected "$name"; then
		rm -rf "$dir" && mkdir -p "$dir"
		out=$("$STAP" --man-pages="$dir" 2>&1)
		functions=$("$STAP" --dump-functions | sed 's/:.*//' | sort -u | wc -l)
		aliases=$("$STAP" --dump-probe-aliases | wc -l)
		pages="$(ls "$dir" | grep -c '^function::') $(ls "$dir" | grep -c '^probe::')"
		if [ -n "$out" ] || [ "$pages" != "$functions $aliases" ]; then
			fail "$name" "pages (functions, aliases) $pages, want $functions $aliases; $out"
		elif out=$(groff -man -ww -z -Tutf8 "$dir"/* 2>&1) && [ -z "$out" ]; then
			pass "$name"
		else
			fail "$name" "$(head -5 <<<"$out")"
		fi
	fi
}
