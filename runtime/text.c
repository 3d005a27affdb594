/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Text for people to read: a string or a buffer with its unprintable
 * bytes escaped, as string_quoted(), text_str() and the *_quoted readers
 * of the tapset library show them.  Printable ASCII stays as it is; \a
 * \b \f \n \r \t \v \" \\ get their C escapes; a well-formed UTF-8
 * sequence becomes \uXXXX or \UXXXXXXXX; any other byte is \ooo.
 */

/* The output being written: at most limit bytes before the NUL. */
struct stp_escaper {
	char *out;
	size_t len;
	size_t limit;
	size_t cut;	/* length after the last piece that leaves room for "... */
	bool full;	/* a piece did not fit: the text is cut short */
};

static void stp_escaper_add(struct stp_escaper *e, const char *piece, size_t n)
{
	if (e->full || e->len + n > e->limit) {
		e->full = true;
		return;
	}
	memcpy(e->out + e->len, piece, n);
	e->len += n;
	if (e->len + 3 <= e->limit)
		e->cut = e->len;
}

/* A UTF-8 continuation byte? */
static bool stp_utf8_tail(unsigned char b)
{
	return (b & 0xc0) == 0x80;
}

/*
 * The length of the well-formed UTF-8 sequence of two to four bytes at
 * s (n bytes left), its code point in *cp; 1 for anything else (*cp is
 * then the byte).  Overlong forms, surrogates and code points past
 * U+10FFFF are not well formed.
 */
static size_t stp_utf8_decode(const unsigned char *s, size_t n, u32 *cp)
{
	size_t len, i;
	u32 c, least;

	*cp = s[0];
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2, c = s[0] & 0x1f, least = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3, c = s[0] & 0x0f, least = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4, c = s[0] & 0x07, least = 0x10000;
	} else {
		return 1;
	}
	if (len > n)
		return 1;
	for (i = 1; i < len; i++) {
		if (!stp_utf8_tail(s[i]))
			return 1;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < least || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 1;
	*cp = c;
	return len;
}

/* How one character (a byte, or a code point of len bytes) is shown. */
static size_t stp_escape_char(char *piece, u32 c, size_t len)
{
	static const char short_escapes[] = "\aa\bb\ff\nn\rr\tt\vv\"\"\\\\";
	const char *p;

	if (len > 1)
		return sprintf(piece, c <= 0xffff ? "\\u%04x" : "\\U%08x", c);
	for (p = short_escapes; *p; p += 2) {
		if ((unsigned char)*p == c) {
			piece[0] = '\\';
			piece[1] = p[1];
			return 2;
		}
	}
	if (c >= 0x20 && c < 0x7f) {
		piece[0] = c;
		return 1;
	}
	return sprintf(piece, "\\%03o", c);
}

/*
 * Writes in[0..inlen) escaped into out: up to its first NUL, or all of
 * it with whole_buffer.  At most outlen bytes (0 or more than fits:
 * MAXSTRINGLEN - 1) and a NUL; quoted puts it in double quotes, where a
 * text cut short ends in "... instead of ".  Escapes are never split.
 */
static void stp_text_escape(char *out, size_t outlen, const char *in, size_t inlen, bool quoted,
			    bool whole_buffer)
{
	const unsigned char *s = (const unsigned char *)in;
	struct stp_escaper e = { .out = out + quoted };
	size_t i = 0;

	if (!outlen || outlen > MAXSTRINGLEN - 1)
		outlen = MAXSTRINGLEN - 1;
	e.limit = quoted ? max_t(size_t, outlen, 5) - 2 : outlen;
	while (i < inlen && (s[i] || whole_buffer)) {
		char piece[12];
		u32 c;
		size_t n = stp_utf8_decode(s + i, inlen - i, &c);

		stp_escaper_add(&e, piece, stp_escape_char(piece, c, n));
		if (e.full)
			break;
		i += n;
	}
	if (!quoted) {
		out[e.len] = '\0';
		return;
	}
	out[0] = '"';
	if (e.full)
		strcpy(e.out + e.cut, "\"...");
	else
		strcpy(e.out + e.len, "\"");
}

/* string_quoted() and friends: a whole string, in quotes. */
static __maybe_unused void stp_string_quoted(char *out, const char *in)
{
	stp_text_escape(out, 0, in, strnlen(in, MAXSTRINGLEN - 1), true, false);
}
