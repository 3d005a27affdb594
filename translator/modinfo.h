#ifndef MODINFO_H
#define MODINFO_H

#include <stddef.h>

/* The value of KEY in a kernel module's .modinfo ("vermagic", "name"...);
 * 0 on success, -1 if the file or the key is missing. */
int module_info(const char *path, const char *key, char *buf, size_t size);

#endif
