/* Streaming JSON writer (json_writer.h). Numbers use "%.17g", which
 * round-trips every double; JSON has no NaN or infinity, so those are
 * written as null (a missing statistic), never as a made-up number. */
#include "report/json_writer.h"

#include "partreg.h"

#include <math.h>

static void newline(json_writer *w)
{
    if (!w->indent)
        return;
    fputc('\n', w->out);
    for (int i = 0; i < w->depth * w->indent; i++)
        fputc(' ', w->out);
}

/* Separator before a value in an array or before a key in an object. */
static void element(json_writer *w)
{
    if (w->depth > 0) {
        if (!w->first[w->depth])
            fputc(',', w->out);
        w->first[w->depth] = 0;
        newline(w);
    }
}

void json_init(json_writer *w, FILE *out, int indent)
{
    w->out = out;
    w->depth = 0;
    w->indent = indent;
    w->first[0] = 1;
    w->after_key = 0;
}

/* Before any value: nothing after a key, else an element separator. */
static void value_prefix(json_writer *w)
{
    if (w->after_key)
        w->after_key = 0;
    else
        element(w);
}

static void open(json_writer *w, char c)
{
    value_prefix(w);
    fputc(c, w->out);
    if (w->depth < 31)
        w->depth++;
    w->first[w->depth] = 1;
}

static void close_(json_writer *w, char c)
{
    int empty = w->first[w->depth];
    if (w->depth > 0)
        w->depth--;
    if (!empty)
        newline(w);
    fputc(c, w->out);
}

void json_begin_object(json_writer *w) { open(w, '{'); }
void json_end_object(json_writer *w) { close_(w, '}'); }
void json_begin_array(json_writer *w) { open(w, '['); }
void json_end_array(json_writer *w) { close_(w, ']'); }

/* Every string goes through the one JSON escaping (partreg.h). */
static void raw_string(json_writer *w, const char *s)
{
    partreg_write_json_string(w->out, s);
}

void json_key(json_writer *w, const char *key)
{
    element(w);
    raw_string(w, key);
    fputs(w->indent ? ": " : ":", w->out);
    w->after_key = 1;
}

void json_string(json_writer *w, const char *s)
{
    value_prefix(w);
    if (s)
        raw_string(w, s);
    else
        fputs("null", w->out);
}

void json_number(json_writer *w, double x)
{
    value_prefix(w);
    if (!isfinite(x)) {
        fputs("null", w->out);
        return;
    }
    x = x == 0.0 ? 0.0 : x; /* no "-0" */
    fprintf(w->out, "%.17g", x);
}

void json_int(json_writer *w, long long x)
{
    value_prefix(w);
    fprintf(w->out, "%lld", x);
}

void json_bool(json_writer *w, int b)
{
    value_prefix(w);
    fputs(b ? "true" : "false", w->out);
}

void json_null(json_writer *w)
{
    value_prefix(w);
    fputs("null", w->out);
}

void json_kv_string(json_writer *w, const char *key, const char *s) { json_key(w, key); json_string(w, s); }
void json_kv_number(json_writer *w, const char *key, double x) { json_key(w, key); json_number(w, x); }
void json_kv_int(json_writer *w, const char *key, long long x) { json_key(w, key); json_int(w, x); }
void json_kv_bool(json_writer *w, const char *key, int b) { json_key(w, key); json_bool(w, b); }
