#!/bin/sh
# Run by tapset_signal_perl.stp (-c).  Perl blocks SIGUSR1, sends it to
# itself and asks what is pending (sigprocmask, kill, sigpending);
# sends itself an ignored SIGUSR2 with tkill and with tgkill; then takes
# a SIGHUP whose handler runs on an alternate stack at an unmapped
# address, so the kernel can't set its frame up and kills it with
# SIGSEGV.  timeout(1) gets its SIGALRM from a POSIX timer.
{ perl -MPOSIX=:signal_h -e '
	$| = 1;
	open(STDERR, ">&STDOUT");	# its errors in the output
	$SIG{USR2} = "IGNORE";
	sigprocmask(SIG_BLOCK, POSIX::SigSet->new(SIGUSR1)) or die "sigprocmask: $!";
	kill "USR1", $$;
	my $pending = POSIX::SigSet->new;
	sigpending($pending) or die "sigpending: $!";
	print "perl: SIGUSR1 pending: ", $pending->ismember(SIGUSR1) ? "yes" : "no", "\n";
	syscall(200, $$, 12) == 0 or die "tkill: $!";
	syscall(234, $$, $$, 12) == 0 or die "tgkill: $!";
	my $stack = pack("QiiQ", 0x10000, 0, 0, 65536);	# ss_sp, ss_flags, ss_size
	syscall(131, $stack, 0) == 0 or die "sigaltstack: $!";
	sigaction(SIGHUP, POSIX::SigAction->new(sub { print "handled\n" }, POSIX::SigSet->new,
						SA_ONSTACK)) or die "sigaction: $!";
	kill "HUP", $$;
	print "perl: survived\n";
'; } 2>/dev/null	# (and the shell's "Segmentation fault")
echo "perl's status: $?"
timeout 0.3 sleep 10
echo "timeout's status: $?"
