/**
 * @file linkproof.h
 * @brief Umbrella header for the linkproof library.
 */
#ifndef LINKPROOF_H
#define LINKPROOF_H

#include "linkproof/error.h"
#include "linkproof/facts.h"
#include "linkproof/go.h"
#include "linkproof/ldflags.h"
#include "linkproof/object.h"
#include "linkproof/source.h"

#define LINKPROOF_VERSION "0.1.0"

#endif
