/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Script strings: fixed MAXSTRINGLEN buffers in frames and globals.
 * Values that don't fit are truncated, never overflow.
 */

/* Copies src into dst (MAXSTRINGLEN bytes); they may overlap. */
static __maybe_unused char *stp_strcpy(char *dst, const char *src)
{
	size_t n;

	if (dst == src)
		return dst;
	n = strnlen(src, MAXSTRINGLEN - 1);
	memmove(dst, src, n);
	dst[n] = '\0';
	return dst;
}

/* Appends src to dst (MAXSTRINGLEN bytes). */
static __maybe_unused char *stp_strcat(char *dst, const char *src)
{
	size_t len = strnlen(dst, MAXSTRINGLEN - 1);
	size_t n = strnlen(src, MAXSTRINGLEN - 1 - len);

	memmove(dst + len, src, n);
	dst[len + n] = '\0';
	return dst;
}

/* dst = a . b; dst is a temporary distinct from a and b. */
static __maybe_unused char *stp_concat(char *dst, const char *a, const char *b)
{
	stp_strcpy(dst, a);
	return stp_strcat(dst, b);
}

static __maybe_unused char *stp_sprintf(char *dst, const char *fmt, ...) __printf(2, 3);

static __maybe_unused char *stp_sprintf(char *dst, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vscnprintf(dst, MAXSTRINGLEN, fmt, ap);
	va_end(ap);
	return dst;
}

/* Integer division and modulo, which a script may get wrong. */
static __maybe_unused int64_t stp_div(struct stp_context *c, int64_t a, int64_t b, const char *near)
{
	if (unlikely(b == 0)) {
		stp_error(c, "division by zero", near);
		return 0;
	}
	if (unlikely(b == -1))
		return (int64_t)(0 - (u64)a);	/* INT64_MIN / -1 traps on x86 */
	return a / b;
}

static __maybe_unused int64_t stp_mod(struct stp_context *c, int64_t a, int64_t b, const char *near)
{
	if (unlikely(b == 0)) {
		stp_error(c, "division by zero", near);
		return 0;
	}
	if (unlikely(b == -1))
		return 0;
	return a % b;
}
