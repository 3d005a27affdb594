#!/bin/sh
# Run in the guest by procfs_dirs.stp: what the module made under
# /proc/systemtap/MODULE, one line per write to "log".
set -e
for f in /proc/systemtap/*/log; do d=${f%/log}; done
cd "$d"
find . -mindepth 1 | sort | while read -r p; do
	printf %s "$(stat -c '%n %F %a' "$p")" >log
done
for f in a/b/name a/b/second deep/er/and/deeper/file; do
	printf %s "$f: $(cat $f)" >log
done
echo "written into a directory" >a/flat
# a new file there is refused: procfs directories are the module's
if touch a/b/new 2>/dev/null; then printf %s "touch a/b/new: made" >log; else printf %s "touch a/b/new: refused" >log; fi
