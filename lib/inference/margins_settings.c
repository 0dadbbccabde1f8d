/* Settings "name=value,..." for predictive margins (Stata's `margins,
 * at(age=30 sex=male)`): parsing against a frame's variables, with
 * messages that suggest the closest variable name (Levenshtein distance,
 * Wagner & Fischer 1974) and list the levels of a categorical variable; and
 * the inverse, the description used as the margin's term. */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "frame/number.h"
#include "inference/margins_internal.h"

/* Edit distance between a[0..na) and b[0..nb) (bytes), capped to keep the
 * work bounded for long names: 0 when equal, larger is farther. */
static size_t edit_distance(const char *a, size_t na, const char *b, size_t nb)
{
    enum { CAP = 64 };
    if (na > CAP || nb > CAP)
        return na > nb ? na - nb + CAP : nb - na + CAP;
    size_t prev[CAP + 1], cur[CAP + 1];
    for (size_t j = 0; j <= nb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= na; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t sub = prev[j - 1] + (tolower((unsigned char)a[i - 1]) !=
                                        tolower((unsigned char)b[j - 1]));
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (nb + 1) * sizeof *prev);
    }
    return prev[nb];
}

/* Append s to buf (size bytes, NUL-terminated), truncating with "...". */
static void append(char *buf, size_t size, const char *s)
{
    size_t len = strlen(buf), add = strlen(s);
    if (len + add + 1 <= size) {
        memcpy(buf + len, s, add + 1);
    } else if (size > 4 && len + 4 <= size) {
        size_t room = size - len - 4;
        memcpy(buf + len, s, room);
        memcpy(buf + len + room, "...", 4);
    }
}

/* Read a whole string [s, s+len) as a finite decimal number, as the data
 * reader reads a cell: no hexadecimal, "inf" or "nan", and '.' as the
 * decimal point whatever the locale. */
static int read_number(const char *s, size_t len, double *out)
{
    double v;
    if (len == 0 || !partreg_number_parse(s, len, &v) || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

static const char *skip_space(const char *s, const char *end)
{
    while (s < end && isspace((unsigned char)*s))
        s++;
    return s;
}

static const char *trim_end(const char *s, const char *end)
{
    while (end > s && isspace((unsigned char)end[-1]))
        end--;
    return end;
}

/* Match name [s, s+len) to a model variable; ENOTFOUND with a suggestion. */
static partreg_status find_variable(const partreg_frame *fr, const char *s, size_t len,
                                    size_t *v, partreg_error *err)
{
    size_t nvar = partreg_frame_n_variables(fr), best = SIZE_MAX, best_d = SIZE_MAX;
    for (size_t k = 0; k < nvar; k++) {
        const char *name = partreg_frame_variable_name(fr, k);
        size_t nl = strlen(name);
        if (nl == len && memcmp(name, s, len) == 0) {
            *v = k;
            return PARTREG_OK;
        }
        size_t d = edit_distance(s, len, name, nl);
        if (d < best_d) {
            best_d = d;
            best = k;
        }
    }
    char list[256] = "";
    for (size_t k = 0; k < nvar; k++) {
        if (k)
            append(list, sizeof list, ", ");
        append(list, sizeof list, partreg_frame_variable_name(fr, k));
    }
    size_t limit = len / 3 > 2 ? len / 3 : 2;
    if (best != SIZE_MAX && best_d <= limit)
        return partreg_error_set(err, PARTREG_ENOTFOUND,
                                 "unknown variable '%.*s'; did you mean '%s'? (model variables: "
                                 "%s)",
                                 (int)len, s, partreg_frame_variable_name(fr, best), list);
    return partreg_error_set(err, PARTREG_ENOTFOUND,
                             "unknown variable '%.*s' (model variables: %s)", (int)len, s, list);
}

/* Match a level name [s, s+len) of categorical variable v. */
static partreg_status find_level(const partreg_frame *fr, size_t v, const char *s, size_t len,
                                 size_t *level, partreg_error *err)
{
    size_t nl = partreg_frame_variable_n_levels(fr, v);
    for (size_t l = 0; l < nl; l++) {
        const char *name = partreg_frame_variable_level_name(fr, v, l);
        if (name && strlen(name) == len && memcmp(name, s, len) == 0) {
            *level = l;
            return PARTREG_OK;
        }
    }
    double x, y;
    if (read_number(s, len, &x)) {
        for (size_t l = 0; l < nl; l++) {
            const char *name = partreg_frame_variable_level_name(fr, v, l);
            if (name && read_number(name, strlen(name), &y) && x == y) {
                *level = l;
                return PARTREG_OK;
            }
        }
    }
    char list[256] = "";
    for (size_t l = 0; l < nl; l++) {
        if (l)
            append(list, sizeof list, ", ");
        const char *name = partreg_frame_variable_level_name(fr, v, l);
        append(list, sizeof list, name ? name : "");
    }
    return partreg_error_set(err, PARTREG_ENOTFOUND, "unknown level '%.*s' of '%s'; levels: %s",
                             (int)len, s, partreg_frame_variable_name(fr, v), list);
}

partreg_status partreg_parse_settings(const partreg_frame *fr, const char *spec,
                                      partreg_setting **out, size_t *n, partreg_error *err)
{
    if (out)
        *out = NULL;
    if (n)
        *n = 0;
    if (!fr || !spec || !out || !n)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_parse_settings: NULL argument");
    size_t items = 1;
    for (const char *s = spec; *s; s++)
        items += *s == ',';
    const char *spec_end = spec + strlen(spec);
    if (skip_space(spec, spec_end) == spec_end)
        return partreg_error_set(err, PARTREG_EINVAL, "empty settings: expected name=value");
    partreg_setting *set = calloc(items, sizeof *set);
    if (!set)
        return partreg_error_set(err, PARTREG_ENOMEM, "partreg_parse_settings: out of memory");

    partreg_status st; /* set before every goto cleanup */
    size_t count = 0;
    const char *item = spec;
    while (item <= spec_end) {
        const char *comma = strchr(item, ',');
        const char *item_end = comma ? comma : spec_end;
        const char *a = skip_space(item, item_end), *b = trim_end(a, item_end);
        int ilen = (int)(item_end - item);
        if (a == b) {
            st = partreg_error_set_index(err, PARTREG_EINVAL, (long)count,
                                         "empty item %zu in settings '%s'", count + 1, spec);
            goto cleanup;
        }
        const char *eq = memchr(a, '=', (size_t)(b - a));
        if (!eq) {
            st = partreg_error_set_index(err, PARTREG_EINVAL, (long)count,
                                         "setting '%.*s' has no '=': expected name=value", ilen,
                                         item);
            goto cleanup;
        }
        const char *name_end = trim_end(a, eq);
        const char *val = skip_space(eq + 1, b);
        if (name_end == a || val == b) {
            st = partreg_error_set_index(err, PARTREG_EINVAL, (long)count,
                                         "setting '%.*s': expected name=value", ilen, item);
            goto cleanup;
        }
        size_t v = 0;
        st = find_variable(fr, a, (size_t)(name_end - a), &v, err);
        if (st != PARTREG_OK)
            goto cleanup;
        const char *vn = partreg_frame_variable_name(fr, v);
        for (size_t t = 0; t < count; t++)
            if (set[t].variable == v) {
                st = partreg_error_set_index(err, PARTREG_EINVAL, (long)count,
                                             "'%s' is set twice in '%s'", vn, spec);
                goto cleanup;
            }
        set[count].variable = v;
        size_t vlen = (size_t)(b - val);
        if (partreg_frame_variable_is_categorical(fr, v)) {
            st = find_level(fr, v, val, vlen, &set[count].level, err);
            if (st != PARTREG_OK)
                goto cleanup;
        } else if (!read_number(val, vlen, &set[count].value)) {
            st = partreg_error_set_index(err, PARTREG_EINVAL, (long)count,
                                         "'%.*s' is not a finite number (numeric variable '%s')",
                                         (int)vlen, val, vn);
            goto cleanup;
        }
        count++;
        if (!comma)
            break;
        item = comma + 1;
    }
    *out = set;
    *n = count;
    partreg_error_clear(err);
    return PARTREG_OK;

cleanup:
    free(set);
    return st;
}

/* Shortest %.*g form of x that reads back exactly, into buf; plain
 * decimals (30, not 3e+01) for magnitudes in [1e-4, 1e15). */
static void format_number(double x, char *buf, size_t size)
{
    int plain = fabs(x) >= 1e-4 && fabs(x) < 1e15;
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, x);
        if (strtod(buf, NULL) == x && !(plain && strchr(buf, 'e')))
            return;
    }
}

char *partreg_margins_describe_settings(const partreg_frame *fr, const partreg_setting *set,
                                        size_t n_set)
{
    size_t len = 1;
    char num[40];
    for (size_t s = 0; s < n_set; s++) {
        size_t v = set[s].variable;
        len += strlen(partreg_frame_variable_name(fr, v)) + 2;
        if (partreg_frame_variable_is_categorical(fr, v)) {
            const char *ln = partreg_frame_variable_level_name(fr, v, set[s].level);
            len += strlen(ln ? ln : "");
        } else {
            format_number(set[s].value, num, sizeof num);
            len += strlen(num);
        }
    }
    char *out = malloc(len);
    if (!out)
        return NULL;
    out[0] = '\0'; /* len is exact: append never truncates */
    for (size_t s = 0; s < n_set; s++) {
        size_t v = set[s].variable;
        if (s)
            append(out, len, ",");
        append(out, len, partreg_frame_variable_name(fr, v));
        append(out, len, "=");
        if (partreg_frame_variable_is_categorical(fr, v)) {
            const char *ln = partreg_frame_variable_level_name(fr, v, set[s].level);
            append(out, len, ln ? ln : "");
        } else {
            format_number(set[s].value, num, sizeof num);
            append(out, len, num);
        }
    }
    return out;
}

/* ---- at-grids ------------------------------------------------------------ */

/* Cells of one grid at most (a guard against a typo such as 0(0.001)1000). */
#define AT_GRID_MAX_CELLS 100000

/* One clause of an at-text: a variable and its values (numbers or
 * levels). */
typedef struct clause {
    size_t variable;
    size_t n;
    double *value;
    size_t *level;
} clause;

static void clauses_free(clause *cl, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        free(cl[k].value);
        free(cl[k].level);
    }
    free(cl);
}

/* Add a value to a clause. */
static int clause_push(clause *c, double value, size_t level)
{
    if (c->n >= AT_GRID_MAX_CELLS)
        return 0;
    double *v = realloc(c->value, (c->n + 1) * sizeof *v);
    if (!v)
        return 0;
    c->value = v;
    size_t *l = realloc(c->level, (c->n + 1) * sizeof *l);
    if (!l)
        return 0;
    c->level = l;
    c->value[c->n] = value;
    c->level[c->n] = level;
    c->n++;
    return 1;
}

/* A range a(d)b in [s, s+len): 1 and the three numbers when it is one. */
static int read_range(const char *s, size_t len, double *a, double *d, double *b)
{
    const char *open = memchr(s, '(', len);
    const char *close = open ? memchr(open, ')', len - (size_t)(open - s)) : NULL;
    return open && close && read_number(s, (size_t)(open - s), a) &&
           read_number(open + 1, (size_t)(close - open - 1), d) &&
           read_number(close + 1, len - (size_t)(close + 1 - s), b);
}

/* The values of a range a(d)b into c; EINVAL for a step of 0 or one that
 * points away from b. The values are a + k d (not accumulated), k = 0, 1,
 * ..., the last within b up to rounding (1e-9 of a step). */
static partreg_status push_range(clause *c, double a, double d, double b, const char *txt,
                                 size_t len, partreg_error *err)
{
    if (d == 0.0 || (b - a) / d < 0.0)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "range '%.*s' never reaches its end: write start(step)end "
                                 "with a step of the sign of end - start, e.g. 20(10)80",
                                 (int)len, txt);
    double steps = floor((b - a) / d + 1e-9);
    if (!(steps < AT_GRID_MAX_CELLS))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "range '%.*s' has more than %d values", (int)len, txt,
                                 AT_GRID_MAX_CELLS);
    for (size_t k = 0; k <= (size_t)steps; k++)
        if (!clause_push(c, a + (double)k * d, 0))
            return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    return PARTREG_OK;
}

/* One value token [s, s+len) of clause c (a quoted token has its quotes
 * removed already). */
static partreg_status push_value(const partreg_frame *fr, clause *c, const char *s, size_t len,
                                 int quoted, partreg_error *err)
{
    size_t v = c->variable;
    if (len == 0)
        return partreg_error_set(err, PARTREG_EINVAL, "an empty value of '%s'",
                                 partreg_frame_variable_name(fr, v));
    if (partreg_frame_variable_is_categorical(fr, v)) {
        size_t level = 0;
        partreg_status st = find_level(fr, v, s, len, &level, err);
        if (st != PARTREG_OK)
            return st;
        return clause_push(c, 0.0, level) ? PARTREG_OK
                                          : partreg_error_set(err, PARTREG_ENOMEM,
                                                              "out of memory");
    }
    double x, a, d, b;
    if (!quoted && read_number(s, len, &x))
        return clause_push(c, x, 0) ? PARTREG_OK
                                    : partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    if (!quoted && read_range(s, len, &a, &d, &b))
        return push_range(c, a, d, b, s, len, err);
    return partreg_error_set(err, PARTREG_EINVAL,
                             "'%.*s' is not a finite number or a range start(step)end "
                             "(numeric variable '%s')",
                             (int)len, s, partreg_frame_variable_name(fr, v));
}

/* The next value token at *p (after spaces): [*s, *s + *len), quoted or
 * not; *p moves past it. 0 at the end of the text. */
static int next_token(const char **p, const char *end, const char **s, size_t *len,
                      int *quoted)
{
    const char *q = skip_space(*p, end);
    if (q == end)
        return 0;
    *quoted = *q == '"';
    if (*quoted) {
        const char *close = memchr(q + 1, '"', (size_t)(end - q - 1));
        if (!close)
            close = end;
        *s = q + 1;
        *len = (size_t)(close - q - 1);
        *p = close < end ? close + 1 : end;
        return 1;
    }
    const char *t = q;
    while (t < end && !isspace((unsigned char)*t) && *t != ',')
        t++;
    *s = q;
    *len = (size_t)(t - q);
    *p = t;
    return 1;
}

/* Parse one at-text into clauses. */
static partreg_status parse_clauses(const partreg_frame *fr, const char *text, clause **out,
                                    size_t *n_out, partreg_error *err)
{
    const char *p = text, *end = text + strlen(text);
    clause *cl = NULL;
    size_t n = 0;
    partreg_status st;
    *out = NULL;
    *n_out = 0;
    if (skip_space(p, end) == end)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "empty --at: expected name=values, e.g. \"age=20(10)80 "
                                 "insured=yes,no\"");
    for (;;) {
        p = skip_space(p, end);
        if (p == end)
            break;
        /* name up to '=' */
        const char *eq = p;
        while (eq < end && *eq != '=' && *eq != ',' && !isspace((unsigned char)*eq))
            eq++;
        const char *name_end = eq;
        eq = skip_space(eq, end);
        if (eq == end || *eq != '=' || name_end == p) {
            const char *stop = p;
            while (stop < end && !isspace((unsigned char)*stop))
                stop++;
            st = partreg_error_set(err, PARTREG_EINVAL,
                                   "'%.*s' in --at '%s' is not name=values (e.g. age=20,40 or "
                                   "age=20(10)80)",
                                   (int)(stop - p), p, text);
            goto fail;
        }
        size_t v = 0;
        if ((st = find_variable(fr, p, (size_t)(name_end - p), &v, err)) != PARTREG_OK)
            goto fail;
        for (size_t k = 0; k < n; k++)
            if (cl[k].variable == v) {
                st = partreg_error_set(err, PARTREG_EINVAL,
                                       "'%s' is set twice in --at '%s'; give its values once, "
                                       "separated by commas, or use a second --at",
                                       partreg_frame_variable_name(fr, v), text);
                goto fail;
            }
        clause *grown = realloc(cl, (n + 1) * sizeof *cl);
        if (!grown) {
            st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
            goto fail;
        }
        cl = grown;
        memset(&cl[n], 0, sizeof cl[n]);
        cl[n].variable = v;
        n++;
        p = eq + 1;
        /* values: token (',' token)*; a token holding '=' after a comma
         * starts the next clause (the form age=30,sex=male) */
        for (;;) {
            const char *s;
            size_t len;
            int quoted;
            const char *save = p;
            if (!next_token(&p, end, &s, &len, &quoted)) {
                if (cl[n - 1].n == 0) {
                    st = partreg_error_set(err, PARTREG_EINVAL, "'%s=' in --at '%s' has no value",
                                           partreg_frame_variable_name(fr, v), text);
                    goto fail;
                }
                break;
            }
            if (!quoted && memchr(s, '=', len) && cl[n - 1].n > 0) {
                p = save;
                break;
            }
            if ((st = push_value(fr, &cl[n - 1], s, len, quoted, err)) != PARTREG_OK)
                goto fail;
            const char *after = skip_space(p, end);
            if (after < end && *after == ',') {
                p = after + 1;
                continue;
            }
            break;
        }
    }
    *out = cl;
    *n_out = n;
    return PARTREG_OK;
fail:
    clauses_free(cl, n);
    return st;
}

void partreg_at_grid_free(partreg_at_grid *g)
{
    if (!g)
        return;
    free(g->first);
    free(g->count);
    free(g->set);
    free(g);
}

size_t partreg_at_grid_n_cells(const partreg_at_grid *g) { return g ? g->n_cells : 0; }

const partreg_setting *partreg_at_grid_cell(const partreg_at_grid *g, size_t c, size_t *n_set)
{
    if (!g || c >= g->n_cells) {
        if (n_set)
            *n_set = 0;
        return NULL;
    }
    if (n_set)
        *n_set = g->count[c];
    return g->set + g->first[c];
}

/* Append the full grid of clauses cl[0..n) to g: the last clause varies
 * fastest. */
static partreg_status grid_append(partreg_at_grid *g, const clause *cl, size_t n,
                                  partreg_error *err)
{
    size_t cells = 1;
    for (size_t k = 0; k < n; k++) {
        if (cl[k].n == 0 || !cl[k].value || !cl[k].level)
            return partreg_error_set(err, PARTREG_EINVAL, "a clause of --at has no value");
        if (cl[k].n > (size_t)AT_GRID_MAX_CELLS / cells ||
            g->n_cells + cells * cl[k].n > AT_GRID_MAX_CELLS)
            return partreg_error_set(err, PARTREG_EINVAL,
                                     "the --at grid has more than %d cells", AT_GRID_MAX_CELLS);
        cells *= cl[k].n;
    }
    size_t nc = g->n_cells + cells, nset = g->n_cells ? g->first[g->n_cells - 1] +
                                                            g->count[g->n_cells - 1]
                                                      : 0;
    size_t *first = realloc(g->first, nc * sizeof *first);
    if (first)
        g->first = first;
    size_t *count = first ? realloc(g->count, nc * sizeof *count) : NULL;
    if (count)
        g->count = count;
    size_t total = nset + cells * n;
    partreg_setting *set = count ? realloc(g->set, (total ? total : 1) * sizeof *set) : NULL;
    if (!set)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    g->set = set;
    for (size_t c = 0; c < cells; c++) {
        size_t cell = g->n_cells + c, rest = c;
        g->first[cell] = nset + c * n;
        g->count[cell] = n;
        for (size_t k = n; k-- > 0;) {
            size_t idx = rest % cl[k].n;
            rest /= cl[k].n;
            partreg_setting *s = &g->set[nset + c * n + k];
            s->variable = cl[k].variable;
            s->value = cl[k].value[idx];
            s->level = cl[k].level[idx];
        }
    }
    g->n_cells = nc;
    return PARTREG_OK;
}

partreg_status partreg_at_grid_parse(const partreg_frame *fr, const char *const *specs,
                                     size_t n_specs, partreg_at_grid **out, partreg_error *err)
{
    if (out)
        *out = NULL;
    if (!fr || !specs || n_specs == 0 || !out)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "partreg_at_grid_parse: NULL argument or no texts");
    partreg_at_grid *g = calloc(1, sizeof *g);
    if (!g)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    for (size_t t = 0; t < n_specs; t++) {
        clause *cl;
        size_t n;
        if (!specs[t]) {
            partreg_at_grid_free(g);
            return partreg_error_set(err, PARTREG_EINVAL, "partreg_at_grid_parse: NULL text");
        }
        partreg_status st = parse_clauses(fr, specs[t], &cl, &n, err);
        if (st == PARTREG_OK) {
            st = grid_append(g, cl, n, err);
            clauses_free(cl, n);
        }
        if (st != PARTREG_OK) {
            partreg_at_grid_free(g);
            return st;
        }
    }
    *out = g;
    partreg_error_clear(err);
    return PARTREG_OK;
}

partreg_status partreg_contrast_parse(const char *text, partreg_contrast_type *out,
                                      partreg_error *err)
{
    if (text && out && strcmp(text, "reference") == 0) {
        *out = PARTREG_CONTRAST_REFERENCE;
        return PARTREG_OK;
    }
    if (text && out && strcmp(text, "pairwise") == 0) {
        *out = PARTREG_CONTRAST_PAIRWISE;
        return PARTREG_OK;
    }
    return partreg_error_set(err, PARTREG_EINVAL,
                             "unknown contrast '%s'; use reference (each against the first) or "
                             "pairwise (every pair)",
                             text ? text : "(null)");
}

partreg_status partreg_prob_ci_parse(const char *text, partreg_prob_ci *out, partreg_error *err)
{
    if (text && out && strcmp(text, "link") == 0) {
        *out = PARTREG_PROB_CI_LINK;
        return PARTREG_OK;
    }
    if (text && out && strcmp(text, "delta") == 0) {
        *out = PARTREG_PROB_CI_DELTA;
        return PARTREG_OK;
    }
    return partreg_error_set(err, PARTREG_EINVAL,
                             "unknown probability interval '%s'; use link (on the link scale, "
                             "transformed back: inside [0, 1]) or delta (on the probability "
                             "scale, as Stata's margins)",
                             text ? text : "(null)");
}
