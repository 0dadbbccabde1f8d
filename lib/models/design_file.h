/* A design on disk (design_file.c): what an out-of-core fit reads in each
 * pass. Private to lib/. */
#ifndef PARTREG_MODELS_DESIGN_FILE_H
#define PARTREG_MODELS_DESIGN_FILE_H

#include <stddef.h>

#include "partreg.h"

typedef struct partreg_design_file partreg_design_file;

/* A new design file of n rows and p columns (with weights and cluster
 * codes when asked) in directory dir (NULL: /tmp). The file
 * is unlinked at once: it disappears when closed or when the process
 * ends. PARTREG_OK, PARTREG_EIO (the message names the directory),
 * PARTREG_ENOMEM. */
partreg_status partreg_design_file_create(const char *dir, size_t n, size_t p, int weighted,
                                          int clustered, partreg_design_file **out,
                                          partreg_error *err);

/* A design file whose number of rows is not known yet: rows are written
 * (anywhere from row 0 on) until partreg_design_file_set_rows gives their
 * number; it cannot be read before. As partreg_design_file_create
 * otherwise. */
partreg_status partreg_design_file_create_growing(const char *dir, size_t p, int weighted,
                                                  int clustered, partreg_design_file **out,
                                                  partreg_error *err);

/* The rows of a growing file: n, at most the end of the rows written.
 * PARTREG_OK or PARTREG_EINVAL. */
partreg_status partreg_design_file_set_rows(partreg_design_file *f, size_t n, partreg_error *err);

/* Write rows [begin, begin + m): X (m x p, row-major), y, w and cluster (m
 * each; w and cluster only when the file has them). PARTREG_OK or
 * PARTREG_EIO (a full disk names the directory and the size needed, or
 * for a growing file the size written so far). */
partreg_status partreg_design_file_write(partreg_design_file *f, size_t begin, size_t m,
                                         const double *X, const double *y, const double *w,
                                         const size_t *cluster, partreg_error *err);

/* Read rows [begin, begin + m) into X, y, w, cluster (each may be NULL:
 * not read). 0, or -1 on a read error (or a growing file). Thread-safe
 * (pread). */
int partreg_design_file_read(const partreg_design_file *f, size_t begin, size_t m, double *X,
                             double *y, double *w, size_t *cluster);

/* Ask the system to start reading rows [begin, begin + m). */
void partreg_design_file_advise(const partreg_design_file *f, size_t begin, size_t m);

/* Bytes of the file (all sections; of a growing file, the rows written). */
size_t partreg_design_file_bytes(const partreg_design_file *f);

/* Close (and so remove) the file. NULL: no-op. */
void partreg_design_file_close(partreg_design_file *f);

#endif
