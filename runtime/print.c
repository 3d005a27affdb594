/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Script output.  A probe hit collects its output in its context's buffer
 * and hands it to the transport as one record when it ends (or when the
 * buffer fills), so lines from different CPUs never interleave.
 */

static void stp_print_flush(struct stp_context *c)
{
	if (!c->print_len)
		return;
	stp_transport_write(c->print_buf, c->print_len);
	c->print_len = 0;
}

static __maybe_unused void stp_print_n(struct stp_context *c, const char *s, size_t n)
{
	while (n) {
		size_t room = STP_PRINT_BUF_SIZE - c->print_len;
		size_t chunk = min(n, room);

		memcpy(c->print_buf + c->print_len, s, chunk);
		c->print_len += chunk;
		s += chunk;
		n -= chunk;
		if (c->print_len == STP_PRINT_BUF_SIZE)
			stp_print_flush(c);
	}
}

static __maybe_unused void stp_print(struct stp_context *c, const char *s)
{
	stp_print_n(c, s, strnlen(s, MAXSTRINGLEN));
}

static __maybe_unused void stp_printf(struct stp_context *c, const char *fmt, ...) __printf(2, 3);

static __maybe_unused void stp_printf(struct stp_context *c, const char *fmt, ...)
{
	size_t room = STP_PRINT_BUF_SIZE - c->print_len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(c->print_buf + c->print_len, room, fmt, ap);
	va_end(ap);
	if ((size_t)n < room) {
		c->print_len += n;
		return;
	}
	/* Didn't fit: write out what we have and format again. */
	stp_print_flush(c);
	va_start(ap, fmt);
	n = vscnprintf(c->print_buf, STP_PRINT_BUF_SIZE, fmt, ap);
	va_end(ap);
	c->print_len = n;
}

