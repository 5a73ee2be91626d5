/**
 * @file export.h
 * @brief LP_API: what the shared library exports.
 *
 * liblinkproof is built with -fvisibility=hidden, so only declarations
 * marked LP_API are part of its ABI; every other function (the internal
 * helpers under src/) stays inside the library.
 */
#ifndef LINKPROOF_EXPORT_H
#define LINKPROOF_EXPORT_H

#if defined(LP_BUILDING_LIBRARY) && (defined(__GNUC__) || defined(__clang__))
#define LP_API __attribute__((visibility("default")))
#else
#define LP_API
#endif

#endif
