/* The meat of the sandwich covariances (meat.c): sums of weighted score
 * outer products over the rows, wherever the rows are. Private to lib/. */
#ifndef PARTREG_INFERENCE_MEAT_H
#define PARTREG_INFERENCE_MEAT_H

#include <stddef.h>

#include "models/fit_internal.h"

/* M (k x k, lower triangle; the caller zeroes it) = sum_i u_i u_i' with
 * u_i = s_i / scale, s_i the weighted score of row i at the estimate
 * (obj->row_scores): per segment of the fit's passes, the segment's rows
 * in blocks of the passes' block summed by the rank update
 * (partreg_info_add), the segments' sums added in segment order on the
 * fit's threads: vcov.c's in-memory pass, bit for bit. With rows (the
 * fit's rows, or NULL for obj's own rows in memory) of a distributed fit
 * the call is collective and every process gets M. PARTREG_OK,
 * PARTREG_ENOMEM, PARTREG_EIO. */
partreg_status partreg_meat_rows(const partreg_fit *fit, const partreg_objective *obj,
                                 const partreg_rows *rows, double scale, double *M);

/* Sg (n_clusters x k, zeroed by the caller) = the cluster sums of the
 * u_i: per segment of the fit's passes, each run of rows of one cluster
 * summed in row order, the runs added to their clusters in segment order
 * (vcov.c's in-memory pass, bit for bit): cluster (obj's rows, codes <
 * n_clusters), or NULL for the codes that rows carry. With a distributed
 * fit's rows (collective): a cluster whose rows are all in one process's
 * segments is summed there; the sums of a cluster that spans processes
 * are carried from process to process in order, so every sum is the one
 * process's, bit for bit (docs/scaling.md: cheap for files sorted by
 * cluster, a serial pass over the spanning rows otherwise). Every process
 * gets Sg and, in *G, the number of clusters with rows. PARTREG_OK,
 * PARTREG_ENOMEM, PARTREG_EIO, PARTREG_EINVAL (a code >= n_clusters: *bad
 * its row). */
partreg_status partreg_meat_clusters(const partreg_fit *fit, const partreg_objective *obj,
                                     const partreg_rows *rows, const size_t *cluster,
                                     size_t n_clusters, double scale, double *Sg, size_t *G,
                                     size_t *bad);

/* The same sums for the PSU totals of a design variance (survey.c): where
 * the objective has score_sums, each segment's runs are summed by one call
 * of it over the segment, as the in-memory PSU totals are (their bits). */
partreg_status partreg_meat_psu_totals(const partreg_fit *fit, const partreg_objective *obj,
                                       const partreg_rows *rows, const size_t *psu, size_t n_psu,
                                       double scale, double *z, size_t *G, size_t *bad);

#endif
