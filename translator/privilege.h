/* The privilege a module is built for (stap --privilege=LEVEL): stapdev
 * may do anything, stapsys anything but embedded C and guru mode, stapusr
 * only what can't see other users' or the kernel's data.  staprun checks
 * the level the module records (MODULE_INFO stap_privilege). */
#ifndef PRIVILEGE_H
#define PRIVILEGE_H

#include "elaborate.h"

/* From most to least privileged; 0 is the default. */
enum privilege { PRIV_STAPDEV = 0, PRIV_STAPSYS, PRIV_STAPUSR };

/* The level a name names ("stapusr"...), or -1. */
int privilege_parse(const char *name);
const char *privilege_name(int level);

/* Pass 2 checks; each reports what the session's level refuses. */

/* The derived probe dp of point pp of probe p: 1 allowed, 0 refused
 * (reported once per point of the user's script, unless that point is
 * optional: then the point is dropped quietly). */
int privilege_allows_point(struct elab *el, struct probe *p, struct probe_point *pp,
			   const struct derived_probe *dp);
/* A call of library function f (embedded C needs its / * unprivileged * /
 * pragma under stapusr; / * guru * / needs stapdev and -g): 0 refused. */
int privilege_allows_call(struct elab *el, struct expr *call, const struct function *f);
/* A target variable, @cast or @var: 0 refused (reported unless quiet). */
int privilege_allows_target(struct elab *el, struct expr *e, int quiet);
/* printf/sprintf's %m and %M read memory at an address. */
void privilege_check_format(struct elab *el, struct expr *call);
/* Embedded C in the user's script (`what`: "embedded C", "embedded C
 * function") at loc: needs stapdev and -g.  Reported. */
void privilege_refuse_embedded(struct elab *el, const struct loc *loc, const char *what);

#endif
