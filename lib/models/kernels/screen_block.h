/* One block of the screening pass (screen_block.c), for collinear.c.
 * Private to lib/. */
#ifndef PARTREG_MODELS_KERNELS_SCREEN_BLOCK_H
#define PARTREG_MODELS_KERNELS_SCREEN_BLOCK_H

#include <stddef.h>

#include "partreg.h"

#include "core/cpu.h"

/* Rows per block of the one-pass cross-product accumulation. Each block
 * starts its read of X with the sums' loop, a stream from memory that the
 * core restarts (and waits on) at every block after the compute between,
 * so a block is as large as keeps its centred copy Z in L2 (80 KiB at
 * p = 10). */
#define PARTREG_SCREEN_BLOCK 1024

/* The moments of a range of rows: total weight, weighted means, centred
 * cross-products (lower triangle), minima and maxima, and whether a value
 * was not finite, and the scratch for one block (a segment's points to
 * the scratch of the member working on it). */
typedef struct partreg_moments {
    const partreg_data *data;
    size_t ldx, begin, end;
    double sw;
    double *mean, *C, *lo, *hi;
    int nonfinite;
    partreg_isa isa; /* the fit's instruction set (core/cpu.h) */
    double *mb, *Cb, *Z; /* block scratch: p, p * p, PARTREG_SCREEN_BLOCK * p */
    double *chk;         /* block scratch: sums of the zero-weight rows, p */
    double *hz;          /* block scratch: the weights of Z's rows, PARTREG_SCREEN_BLOCK */
    double *Zs; /* block scratch for partreg_info_add's scaled rows, PARTREG_SCREEN_BLOCK * p */
    double *buf;         /* the allocation the above live in, when this state owns it */
    int filled;          /* merged states: holds the first segment's (collinear.c's pieces) */
} partreg_moments;

/* Weighted sums of rows [b, e) of mo->data (at most PARTREG_SCREEN_BLOCK)
 * into their own mean mo->mb and weight *wb, and (lower triangle) the
 * cross-products mo->Cb of the rows centred at mo->mb; minima and maxima
 * into mo->lo and mo->hi; a non-finite value of X (in any row, zero
 * weight or not) sets mo->nonfinite, and the rest is then unset. The
 * same bits on every route (mo->isa). */
void partreg_screen_block(partreg_moments *mo, size_t b, size_t e, double *wb);

#endif
