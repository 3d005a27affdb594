/* SPDX-License-Identifier: GPL-2.0 */
/*
 * printf's conversions that the kernel's vsnprintf lacks: %b, %m and %M.
 * The translator splits a format that has them into pieces: vsnprintf
 * chunks (stp_printf, stp_catf) and these.
 */
/*
 * One conversion, formatted into out: at most room bytes (the rest is
 * cut), no NUL added.  Returns the length, or -1 after a fault, which is
 * the script's error.  Widths and precisions are clamped to MAXSTRINGLEN.
 *   %Nb  the low N bytes of v (1, 2, 4 or 8; 8 by default) as stored
 *   %.Nm N bytes of kernel memory at address v (1 by default)
 *   %.NM the same as hex digits, two per byte
 */
#define STP_SPECIAL_MAX (3 * MAXSTRINGLEN)

static size_t stp_put(char *out, size_t room, size_t pos, const void *src, size_t n)
{
	n = pos < room ? min(n, room - pos) : 0;
	memcpy(out + pos, src, n);
	return pos + n;
}

static size_t stp_pad(char *out, size_t room, size_t pos, size_t n)
{
	n = pos < room ? min(n, room - pos) : 0;
	memset(out + pos, ' ', n);
	return pos + n;
}

static int stp_format_special(struct stp_context *c, char *out, size_t room, char conv, int width,
			      int precision, bool left, int64_t v, const char *near)
{
	const u8 *addr = (const u8 *)(unsigned long)v;
	u8 chunk[32];
	size_t n, len, pad, pos = 0;

	if (conv == 'b') {
		n = (width == 1 || width == 2 || width == 4) ? width : 8;
		return stp_put(out, room, 0, &v, n);	/* little-endian: low bytes first */
	}
	n = clamp(precision < 0 ? 1 : precision, 0, MAXSTRINGLEN);
	len = conv == 'M' ? 2 * n : n;
	pad = clamp(width, 0, MAXSTRINGLEN) > len ? clamp(width, 0, MAXSTRINGLEN) - len : 0;
	if (!left)
		pos = stp_pad(out, room, pos, pad);
	for (size_t done = 0; done < n; done += sizeof(chunk)) {
		size_t k = min(n - done, sizeof(chunk));

		if (copy_from_kernel_nofault(chunk, addr + done, k)) {
			char msg[64];

			snprintf(msg, sizeof(msg), "kernel read fault at 0x%llx",
				 (unsigned long long)(v + done));
			stp_error(c, msg, near);
			return -1;
		}
		for (size_t i = 0; i < k; i++) {
			char hex[2] = { hex_asc_hi(chunk[i]), hex_asc_lo(chunk[i]) };

			pos = conv == 'M' ? stp_put(out, room, pos, hex, 2) : stp_put(out, room, pos, &chunk[i], 1);
		}
	}
	if (left)
		pos = stp_pad(out, room, pos, pad);
	return pos;
}

/* printf's %b, %m, %M; 0, or -1 after a fault. */
static __maybe_unused int stp_print_special(struct stp_context *c, char conv, int width, int precision,
					    bool left, int64_t v, const char *near)
{
	int n;

	if (STP_PRINT_BUF_SIZE - c->print_len < STP_SPECIAL_MAX)
		stp_print_flush(c);
	n = stp_format_special(c, c->print_buf + c->print_len, STP_SPECIAL_MAX, conv, width, precision,
			       left, v, near);
	if (n < 0)
		return -1;
	c->print_len += n;
	return 0;
}

/* sprintf's: appends to dst, a string of at most MAXSTRINGLEN - 1 bytes
 * (what doesn't fit is cut, and a zero byte ends the string early). */
static __maybe_unused int stp_cat_special(struct stp_context *c, char *dst, char conv, int width,
					  int precision, bool left, int64_t v, const char *near)
{
	size_t len = strlen(dst);
	int n = stp_format_special(c, dst + len, MAXSTRINGLEN - 1 - len, conv, width, precision, left, v,
				   near);

	if (n < 0)
		return -1;
	dst[len + n] = '\0';
	return 0;
}

/* sprintf's vsnprintf chunks, appended to dst. */
static __maybe_unused int stp_catf(char *dst, const char *fmt, ...) __printf(2, 3);

static __maybe_unused int stp_catf(char *dst, const char *fmt, ...)
{
	size_t len = strlen(dst);
	va_list ap;

	va_start(ap, fmt);
	vscnprintf(dst + len, MAXSTRINGLEN - len, fmt, ap);
	va_end(ap);
	return 0;
}
