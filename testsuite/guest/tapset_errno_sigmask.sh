#!/bin/sh
# Run by tapset_errno_sigmask.stp (-c).  Perl opens a file that doesn't
# exist, one that does, and then sets a SIGHUP handler that blocks
# SIGUSR1 and SIGTERM while it runs.
perl -MPOSIX=:signal_h -e '
	open(my $f, "<", "/nonexistent/errno_p") and die "opened";
	open($f, "<", "/proc/self/stat") or die "open: $!";
	sigaction(SIGHUP, POSIX::SigAction->new(sub { }, POSIX::SigSet->new(SIGUSR1, SIGTERM)))
		or die "sigaction: $!";
'
