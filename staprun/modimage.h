/*
 * A module file read once into memory: what staprun checks is exactly
 * what the kernel gets (no second open between check and load).
 */
#ifndef MODIMAGE_H
#define MODIMAGE_H

#include <stddef.h>
#include <sys/stat.h>

/* The kernel's MODULE_NAME_LEN (64 - sizeof(unsigned long)) less the NUL. */
#define MAX_MODULE_NAME 55

struct modimage {
	unsigned char *data;
	size_t size;
	struct stat st;		/* of the open file the image came from */
	char name[MAX_MODULE_NAME + 1];	/* the module's own name */
	char *name_field;	/* in .gnu.linkonce.this_module */
	char *modinfo;		/* the .modinfo section */
	size_t modinfo_size;
	unsigned char *sig;	/* MODULE.ko.sgn, if there is one */
	size_t sig_size;
};

/* Reads the whole of the open file @fd and finds the parts staprun needs.
 * Returns 0, or -1 with a reason in @why. */
int modimage_read(struct modimage *m, int fd, const char **why);

/* Reads the signature file @path (missing: no signature); 0 or -1. */
int modimage_read_signature(struct modimage *m, const char *path);

/* The value of .modinfo's KEY=VALUE entry, or NULL. */
const char *modimage_info(const struct modimage *m, const char *key);

/* Gives the module a new name (staprun -R); 0, or -1 if it is too long. */
int modimage_rename(struct modimage *m, const char *name);

void modimage_free(struct modimage *m);

#endif
