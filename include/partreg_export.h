/**
 * @file partreg_export.h
 * @brief ::PARTREG_API, the mark of every function the library exports.
 *
 * The shared library is built with hidden symbol visibility: only the
 * functions declared in the public headers, each marked ::PARTREG_API,
 * are in its dynamic symbol table; the library's internal functions are
 * not (tests/cli_exports.sh compares the two lists). Included by every
 * public header; a program has no need to include it itself.
 */
#ifndef PARTREG_EXPORT_H
#define PARTREG_EXPORT_H

/** Marks a public function: default visibility under GCC and clang, so
 *  that it is exported from a shared library built with
 *  -fvisibility=hidden; empty for other compilers. */
#if defined(__GNUC__) || defined(__clang__)
#define PARTREG_API __attribute__((visibility("default")))
#else
#define PARTREG_API
#endif

#endif /* PARTREG_EXPORT_H */
