#!/bin/sh
# Run by tapset_ctx_ids.stp and tapset_task_fields.stp (-c).  First it
# becomes a bash with ids, a nice value, arguments and an environment of
# its own; then that bash writes what /proc says of it into the script's
# procfs files, so each write(2) comes from the process whose context the
# probe reads.
if [ "$1" != as-other ]; then
	exec env -i STP_CTX_WORD="carrot cake" PATH=/usr/bin:/bin nice -n 7 \
		setpriv --ruid=1001 --euid=1002 --rgid=2001 --egid=2002 --clear-groups \
		/bin/bash -p "$0" as-other "two words" ""
fi
args=("$0" "$@")
for f in /proc/systemtap/*/ids /proc/systemtap/*/task; do d=${f%/*}; done
say() { [ -e "$d/$1" ] && printf '%s\n' "$2" >"$d/$1"; }

read -r stat </proc/$$/stat
set -- ${stat##*) }	# from field 3, the state, on
pgrp=$3 sid=$4 prio=${16} nice=${17}
while read -r key a b rest; do
	case $key in
	Uid:) uids="$a $b" ;;
	Gid:) gids="$a $b" ;;
	FDSize:) fdsize=$a ;;
	esac
done </proc/$$/status
read -r comm </proc/$$/comm
read -r pcomm </proc/$PPID/comm
cmdline=
while IFS= read -r -d '' a; do
	[ -n "$cmdline" ] && { [ -n "$a" ] || a='""'; } && a=" $a"
	cmdline=$cmdline$a
done </proc/$$/cmdline

say ids "$$ $$ $PPID $pgrp $sid"
say creds "$uids $gids"
say names "$comm $pcomm"
say cmdline "$cmdline"
for a in /bin/bash -p "${args[@]}"; do say arg "$a"; done
say env "$STP_CTX_WORD"
say cpu "$(getconf _NPROCESSORS_CONF)"

say task "$$ $$ $PPID"
say task_creds "$uids $gids"
say task_prio "$prio $nice"
say task_names "$comm $pcomm"
if [ -e "$d/task_files" ]; then
	# One fd more than now while bash lists them (the directory's) and
	# while it writes (its copy of stdout, as >&8 replaces it).
	exec 8>"$d/task_files"
	set -- /proc/$$/fd/*
	printf '%s\n' "$fdsize $#" >&8
fi
