/* The GSL-object entry points: wrap a gsl_matrix/gsl_vector problem into a
 * partreg_data view (copying only strided vectors) and fit. */
#include <stdlib.h>

#include "core/error.h"
#include "models/fit_internal.h"

/* Contiguous copy of v when its stride is not 1 (else NULL in *copy). */
static const double *contiguous(const gsl_vector *v, double **copy)
{
    *copy = NULL;
    if (!v || v->stride == 1)
        return v ? v->data : NULL;
    *copy = malloc(v->size * sizeof **copy);
    if (*copy)
        for (size_t i = 0; i < v->size; i++)
            (*copy)[i] = gsl_vector_get(v, i);
    return *copy;
}

static partreg_status fit_gsl(partreg_family family, partreg_link link, const gsl_matrix *X,
                              const gsl_vector *y, size_t n_levels, const gsl_vector *w,
                              const partreg_fit_options *opt, partreg_fit **out,
                              partreg_error *err)
{
    if (out)
        *out = NULL;
    if (!X || !y)
        return partreg_error_set(err, PARTREG_EINVAL, "no data given (NULL X or y)");
    if (y->size != X->size1 || (w && w->size != X->size1))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "sizes differ: X has %zu rows, y %zu, w %zu", X->size1, y->size,
                                 w ? w->size : X->size1);
    double *ycopy, *wcopy;
    const double *yp = contiguous(y, &ycopy);
    const double *wp = contiguous(w, &wcopy);
    partreg_status st;
    if (!yp || (w && !wp)) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    } else {
        partreg_data d = {X->size1, X->size2, X->data, X->tda, yp, wp, n_levels, NULL, NULL};
        st = partreg_fit_create(&d, family, link, opt, out, err);
    }
    free(ycopy);
    free(wcopy);
    return st;
}

partreg_status partreg_binary_fit(partreg_link link, const gsl_matrix *X, const gsl_vector *y,
                                  const gsl_vector *w, const partreg_fit_options *opt,
                                  partreg_fit **out, partreg_error *err)
{
    return fit_gsl(PARTREG_BINARY, link, X, y, 2, w, opt, out, err);
}

partreg_status partreg_ordinal_fit(partreg_link link, const gsl_matrix *X, const gsl_vector *y,
                                   size_t n_levels, const gsl_vector *w,
                                   const partreg_fit_options *opt, partreg_fit **out,
                                   partreg_error *err)
{
    return fit_gsl(PARTREG_ORDINAL, link, X, y, n_levels, w, opt, out, err);
}
