/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Time for the time tapset: dates as ctime() writes them, and the local
 * time zone.  The kernel has no idea of time zones, so staprun passes the
 * one it runs in when it loads the module: _stp_tz_gmtoff (seconds west
 * of UTC, as C's `timezone`) and _stp_tz_name ("CET").
 */
#include <linux/moduleparam.h>
#include <linux/time.h>

static long stp_tz_gmtoff;
static char stp_tz_name[16];
module_param_named(_stp_tz_gmtoff, stp_tz_gmtoff, long, 0);
module_param_string(_stp_tz_name, stp_tz_name, sizeof(stp_tz_name), 0);

/*
 * secs (since the epoch, UTC) as "Wed Jun 30 21:49:08 1993" into out.
 * As in SystemTap, only what 32 bits of seconds can hold (1901 to 2038)
 * is converted: false, and the reason in out, otherwise.
 */
static __maybe_unused bool stp_ctime(char *out, size_t size, s64 secs)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	if (secs > S32_MAX) {
		strscpy(out, "Time too far in the future to be converted", size);
		return false;
	}
	if (secs < S32_MIN) {
		strscpy(out, "Time too far in the past to be converted", size);
		return false;
	}
	time64_to_tm(secs, 0, &tm);
	snprintf(out, size, "%s %s %2d %02d:%02d:%02d %ld", days[tm.tm_wday], months[tm.tm_mon],
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
	return true;
}
