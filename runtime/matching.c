/* SPDX-License-Identifier: GPL-2.0 */
/*
 * s =~ "re" and matched(n): regex.c runs a program the translator
 * compiled; the last successful match of a probe hit is kept in its
 * context (with a copy of the text) for matched().
 */

/* s =~ re.  work: the caller's workspace, STP_REGEX_WORK_SIZE bytes. */
static __maybe_unused bool stp_regex_test(struct stp_context *c, const struct stp_regex *re,
					  const char *text, void *work)
{
	struct stp_regex_match m;

	if (!stp_regex_match(re, text, work, &m))
		return false;
	strscpy(c->match_text, text, sizeof(c->match_text));
	c->match = m;
	c->match.text = c->match_text;
	c->has_match = true;
	return true;
}

/* matched(n): group n of the last match, "" if it took no part. */
static __maybe_unused char *stp_matched(struct stp_context *c, char *out, int64_t n,
					const char *near)
{
	int start, end;

	out[0] = '\0';
	if (!c->has_match) {
		stp_error(c, "matched() without a successful =~ in this probe", near);
		return out;
	}
	if (n < 0 || n > STP_REGEX_MAX_GROUP || n > c->match.ngroups) {
		stp_error(c, "matched() of a group the expression doesn't have", near);
		return out;
	}
	start = c->match.start[n];
	end = c->match.end[n];
	if (start < 0 || end < start)
		return out;
	memcpy(out, c->match_text + start, end - start);
	out[end - start] = '\0';
	return out;
}
