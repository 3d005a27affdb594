/* Checking a module's signature against the machine's trusted keys. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "signature.h"

/* Root's alone: owned by root, writable by nobody else. */
static bool root_only(const struct stat *st)
{
	return st->st_uid == 0 && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

static bool verify_with(EVP_PKEY *key, const void *data, size_t size, const void *sig,
			size_t sig_size)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok;

	ok = ctx && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
	     EVP_DigestVerify(ctx, sig, sig_size, data, size) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

/* The public key in file @name of @dir, if it is root's alone. */
static EVP_PKEY *read_key(int dir, const char *name)
{
	struct stat st;
	EVP_PKEY *key;
	FILE *f;
	int fd;

	fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !root_only(&st)) {
		close(fd);
		return NULL;
	}
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return NULL;
	}
	key = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	return key;
}

static bool is_pem_name(const char *name)
{
	size_t len = strlen(name);

	return len > 4 && !strcmp(name + len - 4, ".pem");
}

bool signature_trusted(const void *data, size_t size, const void *sig, size_t sig_size,
		       char *why, size_t why_size)
{
	struct stat st;
	struct dirent *e;
	bool ok = false;
	DIR *d;
	int dir;

	dir = open(SIGNATURE_KEY_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0 || fstat(dir, &st) < 0 || !root_only(&st)) {
		snprintf(why, why_size, "%s holds no keys this machine trusts", SIGNATURE_KEY_DIR);
		if (dir >= 0)
			close(dir);
		return false;
	}
	d = fdopendir(dir);
	if (!d) {
		close(dir);
		snprintf(why, why_size, "cannot read %s", SIGNATURE_KEY_DIR);
		return false;
	}
	while (!ok && (e = readdir(d)) != NULL) {
		EVP_PKEY *key;

		if (!is_pem_name(e->d_name))
			continue;
		key = read_key(dirfd(d), e->d_name);
		if (key)
			ok = verify_with(key, data, size, sig, sig_size);
		EVP_PKEY_free(key);
	}
	closedir(d);
	if (!ok)
		snprintf(why, why_size, "its signature matches no key in %s", SIGNATURE_KEY_DIR);
	return ok;
}
