/* version.c - the library's version at run time (linkproof/version.h, generated from meson.build). */
#include "linkproof/version.h"

const char *lp_version(void) { return LINKPROOF_VERSION; }
