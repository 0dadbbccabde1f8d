/* The parts of an ordinal model beyond the formula's location terms:
 *
 * - scale terms (`--scale "z + w"`, clm's scale = ~ z + w): terms of the
 *   formula language whose columns enter the log scale. A scale term that
 *   is also a term of the formula uses that term's columns; one that is
 *   not becomes an extra term of the frame (after the formula's own), whose
 *   columns enter the scale only. The frame's formula is the model formula
 *   with those extra terms appended, so every later use of the frame
 *   (predictions, margins, new data) codes them as it codes the others.
 * - selections of columns by variable or term (`--nominal "x + V"`): a
 *   bare name is a variable, which selects every location column whose
 *   term involves it (all levels of a factor; a numeric variable with its
 *   transformations and interactions); any other entry (`I(age^2)`,
 *   `log(income)`, `a:b`) must be a term of the formula and selects its
 *   columns. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "frame/frame_internal.h"

/* Append the n bytes of s at *used in buf (the callers size buf for
 * everything they append) and keep it terminated. */
static void append(char *buf, size_t *used, const char *s, size_t n)
{
    memcpy(buf + *used, s, n);
    *used += n;
    buf[*used] = '\0';
}

/* A name as the formula language reads it: in backticks unless it is a
 * plain name (letters, digits, '.', '_' and UTF-8, not starting with a
 * digit). buf must hold 2 * strlen(name) + 3 bytes; returns the length
 * written. */
static size_t quote_name(const char *name, char *buf)
{
    int plain = name[0] != '\0' && !(name[0] >= '0' && name[0] <= '9');
    for (const unsigned char *c = (const unsigned char *)name; *c && plain; c++)
        plain = *c >= 0x80 || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                (*c >= '0' && *c <= '9') || *c == '.' || *c == '_';
    size_t k = 0;
    if (plain && strchr(name, '`') == NULL) {
        append(buf, &k, name, strlen(name));
        return k;
    }
    buf[k++] = '`';
    for (const char *c = name; *c; c++)
        if (*c != '`')
            buf[k++] = *c;
    buf[k++] = '`';
    buf[k] = '\0';
    return k;
}

/* Parse `list` (terms joined by '+') as the right-hand side of a formula
 * with f's response; an error's positions are those in `list`, its
 * message starts with the option's name. */
static partreg_status parse_list(const partreg_formula *f, const char *option, const char *list,
                                 partreg_formula **out, partreg_error *err)
{
    *out = NULL;
    size_t rlen = strlen(f->response), llen = strlen(list);
    char *text = malloc(2 * rlen + 8 + llen);
    if (!text)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    size_t len = quote_name(f->response, text);
    append(text, &len, " ~ ", 3);
    size_t prefix = len;
    append(text, &len, list, llen);
    long shift = partreg_formula_char_pos(text, prefix) - 1;
    partreg_error perr;
    partreg_status st = partreg_formula_parse(text, out, &perr);
    free(text);
    if (st == PARTREG_OK)
        return PARTREG_OK;
    /* positions in the message and the error are shifted to `list`'s */
    char msg[PARTREG_ERROR_MESSAGE_SIZE];
    size_t used = 0;
    const char *m = perr.message;
    while (*m && used + 1 < sizeof msg) {
        static const char key[] = "position ";
        if (strncmp(m, key, sizeof key - 1) == 0) {
            char *end;
            long pos = strtol(m + sizeof key - 1, &end, 10);
            if (end != m + sizeof key - 1) {
                int w = snprintf(msg + used, sizeof msg - used, "%s%ld", key, pos - shift);
                used = w > 0 && (size_t)w < sizeof msg - used ? used + (size_t)w : sizeof msg - 1;
                m = end;
                continue;
            }
        }
        msg[used++] = *m++;
    }
    msg[used] = '\0';
    st = partreg_error_set_at(err, perr.status, 0, perr.column > shift ? perr.column - shift : 0,
                              "%s \"%s\": %s", option, list, msg);
    if (perr.status == PARTREG_EFORMULA && strstr(perr.message, "also appears on the right-hand side"))
        st = partreg_error_set(err, PARTREG_EFORMULA, "%s \"%s\" names the outcome '%s'", option,
                               list, f->response);
    return st;
}

/* Whether term a of formula fa and term b of fb have the same atoms. */
static int same_atom(const partreg_formula *fa, size_t a, const partreg_formula *fb, size_t b)
{
    const partreg_atom *x = &fa->atoms[a], *y = &fb->atoms[b];
    if (x->kind != y->kind)
        return 0;
    if (x->kind == PARTREG_ATOM_VAR)
        return strcmp(fa->vars[x->var], fb->vars[y->var]) == 0;
    return strcmp(x->text, y->text) == 0;
}

static int same_term(const partreg_formula *fa, const partreg_term *ta, const partreg_formula *fb,
                     const partreg_term *tb)
{
    if (ta->n_atoms != tb->n_atoms)
        return 0;
    for (size_t i = 0; i < ta->n_atoms; i++) {
        int found = 0;
        for (size_t j = 0; j < tb->n_atoms && !found; j++)
            found = same_atom(fa, ta->atoms[i], fb, tb->atoms[j]);
        if (!found)
            return 0;
    }
    return 1;
}

/* The term of f equal to t of g, or f->n_terms. */
static size_t find_term(const partreg_formula *f, const partreg_formula *g, const partreg_term *t)
{
    for (size_t k = 0; k < f->n_terms; k++)
        if (same_term(f, &f->terms[k], g, t))
            return k;
    return f->n_terms;
}

partreg_status partreg_formula_add_scale(const partreg_formula *f, const char *scale,
                                         partreg_formula **out, unsigned char **term_scale,
                                         partreg_error *err)
{
    *out = NULL;
    *term_scale = NULL;
    partreg_formula *g = NULL;
    partreg_status st = parse_list(f, "--scale", scale, &g, err);
    if (st != PARTREG_OK || !g)
        return st != PARTREG_OK ? st : partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    char *text = NULL;
    unsigned char *flags = NULL, *extra = calloc(g->n_terms ? g->n_terms : 1, 1);
    if (g->n_terms == 0) {
        st = partreg_error_set(err, PARTREG_EFORMULA,
                               "--scale \"%s\" names no variable; give the scale's terms, e.g. "
                               "--scale \"z + w\"",
                               scale);
        goto cleanup;
    }
    /* the combined formula's text: f's, then " + term" for each scale term
     * that f does not have */
    size_t len = strlen(f->text) + 1, n_extra = 0;
    for (size_t k = 0; extra && k < g->n_terms; k++) {
        if (find_term(f, g, &g->terms[k]) < f->n_terms)
            continue;
        extra[k] = 1;
        n_extra++;
        for (size_t a = 0; a < g->terms[k].n_atoms; a++) {
            const partreg_atom *at = &g->atoms[g->terms[k].atoms[a]];
            len += 2 * strlen(at->kind == PARTREG_ATOM_VAR ? g->vars[at->var] : at->text) + 4;
        }
        len += 3;
    }
    text = extra ? malloc(len) : NULL;
    if (!text) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        goto cleanup;
    }
    size_t used = 0;
    append(text, &used, f->text, strlen(f->text));
    for (size_t k = 0; k < g->n_terms; k++) {
        if (!extra[k])
            continue;
        append(text, &used, " + ", 3);
        for (size_t a = 0; a < g->terms[k].n_atoms; a++) {
            const partreg_atom *at = &g->atoms[g->terms[k].atoms[a]];
            if (a)
                append(text, &used, ":", 1);
            if (at->kind == PARTREG_ATOM_VAR)
                used += quote_name(g->vars[at->var], text + used);
            else
                append(text, &used, at->text, strlen(at->text));
        }
    }
    partreg_formula *h = NULL;
    if ((st = partreg_formula_parse(text, &h, err)) != PARTREG_OK)
        goto cleanup;
    if (h->n_terms != f->n_terms + n_extra) {
        partreg_formula_free(h);
        st = partreg_error_set(err, PARTREG_EFORMULA,
                               "--scale \"%s\": its terms cannot be added to the formula", scale);
        goto cleanup;
    }
    flags = calloc(h->n_terms, 1);
    if (!flags) {
        partreg_formula_free(h);
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t k = 0; k < h->n_terms; k++)
        flags[k] = k >= f->n_terms || find_term(g, h, &h->terms[k]) < g->n_terms;
    *out = h;
    *term_scale = flags;
cleanup:
    free(text);
    free(extra);
    partreg_formula_free(g);
    return st;
}

/* ---- selections of location columns ---------------------------------- */

/* Whether design column j is a location column. */
static int is_location(const partreg_frame *fr, size_t j)
{
    return (partreg_frame_column_roles(fr, j) & PARTREG_ROLE_LOCATION) != 0;
}

partreg_status partreg_frame_select_columns(const partreg_frame *fr, const char *option,
                                            const char *list, size_t **cols, size_t *n,
                                            partreg_error *err)
{
    *cols = NULL;
    *n = 0;
    partreg_formula *g = NULL;
    partreg_status st = parse_list(fr->f, option, list, &g, err);
    if (st != PARTREG_OK || !g)
        return st != PARTREG_OK ? st : partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    unsigned char *pick = calloc(fr->p ? fr->p : 1, 1);
    if (!pick) {
        partreg_formula_free(g);
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    }
    if (g->n_terms == 0)
        st = partreg_error_set(err, PARTREG_EFORMULA, "%s \"%s\" names no variable", option, list);
    for (size_t k = 0; st == PARTREG_OK && k < g->n_terms; k++) {
        const partreg_term *t = &g->terms[k];
        const partreg_atom *at = &g->atoms[t->atoms[0]];
        size_t v = 0, any = 0;
        if (t->n_atoms == 1 && at->kind == PARTREG_ATOM_VAR &&
            partreg_frame_find_variable(fr, g->vars[at->var], &v, NULL) == PARTREG_OK) {
            size_t nc = 0;
            const size_t *vc = partreg_frame_variable_columns(fr, v, &nc);
            for (size_t i = 0; i < nc; i++)
                if (is_location(fr, vc[i])) {
                    pick[vc[i]] = 1;
                    any = 1;
                }
        } else {
            size_t tk = find_term(fr->f, g, t);
            if (tk < fr->n_main_terms) {
                const partreg_frame_term *ft = &fr->terms[tk];
                for (size_t c = 0; c < ft->n_cols; c++)
                    pick[ft->first_col + c] = 1;
                any = ft->n_cols > 0;
            }
        }
        if (!any)
            st = partreg_error_set(err, PARTREG_ENOTFOUND,
                                   "%s names '%s', which is not a variable or term of the "
                                   "formula; %s names variables of --formula",
                                   option, t->label, option);
    }
    size_t count = 0;
    for (size_t j = 0; j < fr->p; j++)
        count += pick[j];
    if (st == PARTREG_OK && !(*cols = malloc((count ? count : 1) * sizeof **cols)))
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    if (st == PARTREG_OK)
        for (size_t j = 0; j < fr->p; j++)
            if (pick[j])
                (*cols)[(*n)++] = j;
    free(pick);
    partreg_formula_free(g);
    return st;
}

/* ---- roles ----------------------------------------------------------- */

unsigned partreg_frame_column_roles(const partreg_frame *fr, size_t j)
{
    if (!fr || j >= fr->p)
        return 0;
    long t = fr->col_term[j];
    if (t < 0) /* the intercept */
        return PARTREG_ROLE_LOCATION;
    unsigned r = (size_t)t < fr->n_main_terms ? PARTREG_ROLE_LOCATION : 0u;
    if (fr->term_scale && fr->term_scale[t])
        r |= PARTREG_ROLE_SCALE;
    return r;
}
