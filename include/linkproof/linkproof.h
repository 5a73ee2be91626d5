/**
 * @file linkproof.h
 * @brief Umbrella header for the linkproof library: every public header.
 *
 * Build with `pkg-config --cflags --libs linkproof` (or `--static` for the
 * static library). The library never prints and never exits; every fallible
 * call returns an ::lp_code and fills an ::lp_err (error.h).
 */
#ifndef LINKPROOF_H
#define LINKPROOF_H

#include "linkproof/version.h"
#include "linkproof/export.h"
#include "linkproof/error.h"
#include "linkproof/finding.h"
#include "linkproof/limits.h"
#include "linkproof/source.h"
#include "linkproof/object.h"
#include "linkproof/go.h"
#include "linkproof/ldflags.h"
#include "linkproof/xvar.h"
#include "linkproof/root.h"
#include "linkproof/ld.h"
#include "linkproof/facts.h"
#include "linkproof/check.h"
#include "linkproof/diff.h"
#include "linkproof/proc.h"
#include "linkproof/probe.h"
#include "linkproof/fingerprint.h"
#include "linkproof/registry.h"
#include "linkproof/exporter.h"
#include "linkproof/scan.h"
#include "linkproof/vulns.h"
#include "linkproof/gosupport.h"

#endif
