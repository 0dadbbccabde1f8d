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
