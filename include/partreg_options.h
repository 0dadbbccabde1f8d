/**
 * @file partreg_options.h
 * @brief The analysis options by name: one table of the command's options
 *        for every program that drives the library with strings.
 *
 * `partreg fit` takes its model options as `--name value`; the Python and
 * R packages take them as keyword arguments; a program reading a settings
 * file has them as pairs of strings. All of them go through this table,
 * so an option has one name, one meaning, one parser and one message for
 * a bad value everywhere: an option added to the table is at once an
 * option of the command and of both packages.
 *
 * A ::partreg_options handle collects options one at a time with
 * partreg_options_set() (copying every string it is given) and keeps a
 * ::partreg_analysis_spec that points into its own storage:
 *
 *     partreg_options *o;
 *     partreg_options_create(&o, &err);
 *     partreg_options_set(o, "formula", "lfp ~ k5 + age + wc", &err);
 *     partreg_options_set(o, "link", "probit", &err);
 *     partreg_options_set(o, "margins", NULL, &err);   // a flag
 *     partreg_analysis_run_table(table, partreg_options_spec(o), &a, &err);
 *     partreg_options_free(o);  // after the last use of the spec
 *
 * Names are the command's long options, with or without the leading
 * "--"; '_' may stand for '-' ("sampling_weights"), which is how the
 * packages spell them as arguments. partreg_options_count() and
 * partreg_options_name() list them (docs/partreg.1 explains each).
 *
 * The command's own options (`--format`, `--out`, `--timing`, `--newdata`,
 * the data files) are not in the table: they say where output goes, not
 * what is computed.
 */
#ifndef PARTREG_OPTIONS_H
#define PARTREG_OPTIONS_H

#include "partreg.h"
#include "partreg_analysis.h"
#include "partreg_export.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Options collected by name (opaque). */
typedef struct partreg_options partreg_options;

/** What an option takes. Values are frozen; new kinds are appended. */
typedef enum partreg_option_kind {
    /** A switch: value NULL, "", "1", "true", "TRUE", "yes" turn it on;
     *  "0", "false", "FALSE", "no" turn it off. */
    PARTREG_OPTION_FLAG = 0,
    /** A value, required; a later value replaces an earlier one. */
    PARTREG_OPTION_VALUE = 1,
    /** A value that may be left out (NULL or a switch's words: the
     *  default value; `--autofit [ALPHA]`). The command takes the next
     *  argument as its value when it is a number. */
    PARTREG_OPTION_OPTIONAL = 2,
    /** A value each time it is given; the values accumulate (`--ref`,
     *  `--na`). */
    PARTREG_OPTION_REPEATABLE = 3
} partreg_option_kind;

/**
 * New options holding the defaults of partreg_analysis_spec_default().
 * @return PARTREG_OK with *out owned by the caller (partreg_options_free());
 *         PARTREG_EINVAL (out NULL); PARTREG_ENOMEM (*out NULL).
 * Thread-safe.
 */
PARTREG_API partreg_status partreg_options_create(partreg_options **out, partreg_error *err);

/** Release the options and every string they hold; a spec obtained from
 *  them is invalid afterwards. NULL is a no-op. */
PARTREG_API void partreg_options_free(partreg_options *o);

/**
 * Set option `name` to `value` (both copied).
 *
 * @param o      options from partreg_options_create().
 * @param name   an option of the table: "link" or "--link"; '_' may stand
 *               for '-'.
 * @param value  its value as the command takes it ("probit", "0.9",
 *               "age=30", "A,B,C"); NULL for a flag or an optional value
 *               left out. A flag given "false" is turned off.
 * @param err    optional; the message is the command's for the same
 *               mistake, e.g. "--conf-level '2' must be a number in (0,
 *               1), e.g. 0.95".
 * @return PARTREG_OK; PARTREG_ENOTFOUND (no such option: the message
 *         suggests the closest name); PARTREG_EINVAL (a missing or invalid
 *         value, NULL o or name); PARTREG_ENOMEM. On failure the options
 *         are as they were.
 * Not thread-safe on one handle.
 */
PARTREG_API partreg_status partreg_options_set(partreg_options *o, const char *name,
                                               const char *value, partreg_error *err);

/**
 * As partreg_options_set() but writing the option's fields into `spec`
 * (a caller's spec, e.g. one that the caller also fills directly) instead
 * of the handle's own; strings are still copied into, and owned by, `o`,
 * so `spec` is valid while `o` lives. What the `partreg` command uses.
 * PARTREG_EINVAL also for a NULL spec.
 */
PARTREG_API partreg_status partreg_options_set_into(partreg_options *o, const char *name,
                                                    const char *value, partreg_analysis_spec *spec,
                                                    partreg_error *err);

/** The options as an analysis spec (borrowed: valid until the next
 *  partreg_options_set() or partreg_options_free()); for
 *  partreg_analysis_run_table() and partreg_analysis_run(). NULL for a
 *  NULL handle. */
PARTREG_API const partreg_analysis_spec *partreg_options_spec(const partreg_options *o);

/** 1 if option `name` (as for partreg_options_set()) was set on the
 *  handle, 0 otherwise (also for names not in the table). */
PARTREG_API int partreg_options_is_set(const partreg_options *o, const char *name);

/**
 * Fit a model to a data view (partreg_fit_create() on `data`) with the
 * options that apply to arrays: family (auto: binary when data->n_levels
 * is 2 or less, else ordinal), link, vcov (model, hc0 or hc1), firth,
 * flic, expected-information, max-iter, threads, cluster-df is refused.
 * conf-level is the spec's (for partreg_fit_estimate()); it is not stored
 * in the fit.
 *
 * @return PARTREG_OK, PARTREG_ENOTCONVERGED or PARTREG_ESEPARATION with
 *         *out set (as partreg_fit_create()); PARTREG_EUNSUPPORTED (an
 *         option set that needs a formula and a table, named in the
 *         message, e.g. margins or a survey design, or vcov cluster or cr2,
 *         which need cluster ids); any status of partreg_fit_create(),
 *         partreg_model_spec_set_penalty() or partreg_fit_set_vcov() with
 *         *out NULL. Thread-safe.
 */
PARTREG_API partreg_status partreg_options_fit(const partreg_options *o, const partreg_data *data,
                                               partreg_fit **out, partreg_error *err);

/** Number of options in the table. */
PARTREG_API size_t partreg_options_count(void);
/** Name of option i without "--" ("link"), or NULL when i is out of
 *  range. Static storage. */
PARTREG_API const char *partreg_options_name(size_t i);
/** What option i takes (PARTREG_OPTION_FLAG for i out of range). */
PARTREG_API partreg_option_kind partreg_options_kind(size_t i);
/** One line saying what option i does, or NULL out of range. Static
 *  storage. */
PARTREG_API const char *partreg_options_help(size_t i);
/** 1 if option i applies to partreg_options_fit() (arrays), else 0. */
PARTREG_API int partreg_options_for_arrays(size_t i);
/**
 * Index of option `name` (as for partreg_options_set()) in *i.
 * @return PARTREG_OK; PARTREG_ENOTFOUND with a message suggesting the
 *         closest name; PARTREG_EINVAL (NULL arguments). Thread-safe.
 */
PARTREG_API partreg_status partreg_options_find(const char *name, size_t *i, partreg_error *err);

#ifdef __cplusplus
}
#endif

#endif /* PARTREG_OPTIONS_H */
