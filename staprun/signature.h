/*
 * Signed modules: MODULE.ko.sgn holds a signature of the module file
 * (SHA-256, as `openssl dgst -sha256 -sign KEY.pem` makes it), checked
 * against the public keys this machine trusts: the PEM files in
 * SIGNATURE_KEY_DIR, a directory root's alone.
 */
#ifndef SIGNATURE_H
#define SIGNATURE_H

#include <stdbool.h>
#include <stddef.h>

#ifndef SIGNATURE_KEY_DIR
#define SIGNATURE_KEY_DIR "/etc/systemtap/staprun"
#endif

/* Whether @sig is a signature of @data by a trusted key; when not, @why
 * says why. */
bool signature_trusted(const void *data, size_t size, const void *sig, size_t sig_size,
		       char *why, size_t why_size);

#endif
