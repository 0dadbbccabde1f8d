/* A minimal streaming JSON writer: objects, arrays, keys, strings with
 * escaping, and numbers at full double precision (non-finite -> null).
 * Private to lib/. */
#ifndef PARTREG_REPORT_JSON_WRITER_H
#define PARTREG_REPORT_JSON_WRITER_H

#include <stdio.h>

typedef struct json_writer {
    FILE *out;
    int depth;
    int first[32]; /* no element written yet at this depth */
    int indent;    /* spaces per level (0 = compact) */
    int after_key; /* a key was written; its value comes next */
} json_writer;

void json_init(json_writer *w, FILE *out, int indent);
void json_begin_object(json_writer *w);
void json_end_object(json_writer *w);
void json_begin_array(json_writer *w);
void json_end_array(json_writer *w);
void json_key(json_writer *w, const char *key);
void json_string(json_writer *w, const char *s);   /* NULL -> null */
void json_number(json_writer *w, double x);       /* %.17g; NaN/inf -> null */
void json_int(json_writer *w, long long x);
void json_bool(json_writer *w, int b);
void json_null(json_writer *w);

/* key + value shorthands */
void json_kv_string(json_writer *w, const char *key, const char *s);
void json_kv_number(json_writer *w, const char *key, double x);
void json_kv_int(json_writer *w, const char *key, long long x);
void json_kv_bool(json_writer *w, const char *key, int b);

#endif
