/* Parameter layouts, binding a model table to a problem, and the table of
 * built-in models by family (model.h). */
#include "models/model.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "models/random_intercept.h"

partreg_status partreg_layout_add(partreg_layout *lay, const char *name, partreg_param_kind kind,
                                  size_t size, const size_t *column, const size_t *cut)
{
    if (lay->n_blocks >= PARTREG_MAX_BLOCKS)
        return PARTREG_EINVAL;
    size_t K = lay->K + size;
    partreg_param *p = realloc(lay->params, (K ? K : 1) * sizeof *p);
    if (!p)
        return PARTREG_ENOMEM;
    lay->params = p;
    size_t b = lay->n_blocks++;
    lay->blocks[b] = (partreg_block){name, kind, lay->K, size};
    for (size_t e = 0; e < size; e++)
        p[lay->K + e] = (partreg_param){kind, b, column ? column[e] : PARTREG_NONE,
                                        cut ? cut[e] : PARTREG_NONE, NULL};
    lay->K = K;
    return PARTREG_OK;
}

partreg_status partreg_layout_add_columns(partreg_layout *lay, const char *name,
                                          partreg_param_kind kind, size_t p)
{
    size_t first = lay->K;
    partreg_status st = partreg_layout_add(lay, name, kind, p, NULL, NULL);
    for (size_t c = 0; st == PARTREG_OK && c < p; c++)
        lay->params[first + c].column = c;
    return st;
}

partreg_status partreg_layout_add_cuts(partreg_layout *lay, const char *name,
                                       partreg_param_kind kind, size_t J)
{
    size_t first = lay->K, n = J > 1 ? J - 1 : 0;
    partreg_status st = partreg_layout_add(lay, name, kind, n, NULL, NULL);
    for (size_t c = 0; st == PARTREG_OK && c < n; c++)
        lay->params[first + c].cut = c;
    return st;
}

void partreg_layout_free(partreg_layout *lay)
{
    free(lay->params);
    memset(lay, 0, sizeof *lay);
}

partreg_status partreg_model_init(partreg_model *m, const partreg_model_spec *spec, size_t n,
                                  size_t p, size_t J, partreg_error *err)
{
    memset(m, 0, sizeof *m);
    if (!spec || !spec->ops)
        return partreg_error_set(err, PARTREG_EINVAL, "no model given");
    m->ops = spec->ops;
    m->link = spec->link;
    m->n = n;
    m->p = p;
    m->J = J;
    m->penalty = spec->penalty;
    m->flic = spec->flic;
    if (m->penalty != PARTREG_PENALTY_NONE && !(m->ops->traits & PARTREG_TRAIT_EXPECTED_INFO))
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "the Firth penalty needs the model's expected information, "
                                 "which the %s model does not give; it is offered for binary "
                                 "models",
                                 m->ops->name);
    partreg_status st = m->ops->init(m, spec, err);
    if (st != PARTREG_OK)
        partreg_model_release(m);
    return st;
}

void partreg_model_release(partreg_model *m)
{
    if (m->ops && m->ops->release)
        m->ops->release(m);
    partreg_layout_free(&m->layout);
    m->state = NULL;
}

int partreg_model_is_parallel_cumulative(const partreg_model *m)
{
    if (!(m->ops->traits & PARTREG_TRAIT_THRESHOLDS))
        return 0;
    for (size_t j = 0; j < m->layout.K; j++) {
        partreg_param_kind kind = m->layout.params[j].kind;
        if (kind != PARTREG_PARAM_COEFFICIENT && kind != PARTREG_PARAM_THRESHOLD)
            return 0;
    }
    return 1;
}

const partreg_model_ops *partreg_model_for_family(partreg_family family)
{
    switch (family) {
    case PARTREG_BINARY: return partreg_model_binary();
    case PARTREG_ORDINAL: return partreg_model_cumulative();
    }
    return NULL;
}

partreg_status partreg_model_spec_create(partreg_family family, partreg_link link,
                                         partreg_model_spec **out, partreg_error *err)
{
    if (!out)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_model_spec_create: NULL output");
    *out = NULL;
    const partreg_model_ops *ops = partreg_model_for_family(family);
    if (!ops)
        return partreg_error_set(err, PARTREG_EINVAL, "unknown model family %d", (int)family);
    if (!partreg_link_name(link))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "unknown link %d; use logit, probit, cloglog, loglog or cauchit",
                                 (int)link);
    partreg_model_spec *s = calloc(1, sizeof *s);
    if (!s)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    s->ops = ops;
    s->link = link;
    *out = s;
    partreg_error_clear(err);
    return PARTREG_OK;
}

void partreg_model_spec_free(partreg_model_spec *spec)
{
    if (!spec)
        return;
    partreg_ri_spec_free(spec->ri);
    free(spec->nominal);
    free(spec->scale);
    free(spec->scale_only);
    free(spec);
}

/* A malloc'd copy of n elements of `size` bytes (NULL for n = 0 or on
 * failure; *ok = 0 on failure). */
static void *copy_array(const void *src, size_t n, size_t size, int *ok)
{
    if (!n || !src)
        return NULL;
    void *d = malloc(n * size);
    if (!d)
        *ok = 0;
    else
        memcpy(d, src, n * size);
    return d;
}

partreg_status partreg_model_spec_copy(const partreg_model_spec *spec, partreg_model_spec **out)
{
    *out = NULL;
    partreg_model_spec *s = calloc(1, sizeof *s);
    if (!s)
        return PARTREG_ENOMEM;
    int ok = 1;
    *s = *spec;
    s->nominal = copy_array(spec->nominal, spec->n_nominal, sizeof *s->nominal, &ok);
    s->scale = copy_array(spec->scale, spec->n_scale, sizeof *s->scale, &ok);
    s->scale_only = copy_array(spec->scale_only, spec->n_scale, 1, &ok);
    s->ri = partreg_ri_spec_copy(spec->ri, &ok);
    if (!ok) {
        partreg_model_spec_free(s);
        return PARTREG_ENOMEM;
    }
    *out = s;
    return PARTREG_OK;
}

partreg_status partreg_model_spec_set_penalty(partreg_model_spec *spec, partreg_penalty penalty,
                                              partreg_error *err)
{
    if (!spec)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_model_spec_set_penalty: NULL spec");
    if (penalty != PARTREG_PENALTY_NONE && penalty != PARTREG_PENALTY_FIRTH)
        return partreg_error_set(err, PARTREG_EINVAL, "unknown penalty %d", (int)penalty);
    if (penalty != PARTREG_PENALTY_NONE && !(spec->ops->traits & PARTREG_TRAIT_EXPECTED_INFO))
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "--firth is for binary models: the Firth penalty needs the "
                                 "model's expected information, which the %s model does not give",
                                 spec->ops->name);
    spec->penalty = penalty;
    if (penalty == PARTREG_PENALTY_NONE)
        spec->flic = 0;
    partreg_error_clear(err);
    return PARTREG_OK;
}

partreg_status partreg_model_spec_set_flic(partreg_model_spec *spec, int on, partreg_error *err)
{
    if (!spec)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_model_spec_set_flic: NULL spec");
    if (on && spec->penalty != PARTREG_PENALTY_FIRTH)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "FLIC corrects the intercept of a Firth fit; add --firth");
    spec->flic = on != 0;
    partreg_error_clear(err);
    return PARTREG_OK;
}

void partreg_model_spec_set_ops(partreg_model_spec *spec, const partreg_model_ops *ops)
{
    spec->ops = ops;
}
