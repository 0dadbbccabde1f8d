/* The public structs keep their size: a program built against an earlier
 * header passes and receives structs of the same size as the library's
 * (fields added later take the place of each struct's reserve,
 * docs/DESIGN.md "Public structs"). The sizes are those of the x86-64
 * LP64 ABI; a change here means a changed ABI, which needs a new major
 * version. */
#include <string.h>

#include "partreg.h"
#include "partreg_analysis.h"
#include "partreg_formula.h"
#include "partreg_inference.h"
#include "partreg_margins.h"
#include "partreg_random.h"
#include "partreg_report.h"
#include "partreg_simulate.h"
#include "partreg_survey.h"
#include "partreg_table.h"
#include "testutil.h"

typedef struct struct_size {
    const char *name;
    size_t size, want;
} struct_size;

static void test_struct_sizes(void **state)
{
    (void)state;
#if defined(__x86_64__) && defined(__LP64__)
    static const struct_size sizes[] = {
        {"partreg_error", sizeof(partreg_error), 544},
        {"partreg_data", sizeof(partreg_data), 72},
        {"partreg_fit_options", sizeof(partreg_fit_options), 336},
        {"partreg_fit_stats", sizeof(partreg_fit_stats), 240},
        {"partreg_estimate", sizeof(partreg_estimate), 112},
        {"partreg_analysis_spec", sizeof(partreg_analysis_spec), 1920},
        {"partreg_timing", sizeof(partreg_timing), 168},
        {"partreg_frame_options", sizeof(partreg_frame_options), 328},
        {"partreg_setting", sizeof(partreg_setting), 24},
        {"partreg_chi2_test", sizeof(partreg_chi2_test), 24},
        {"partreg_binary_diagnostics_options", sizeof(partreg_binary_diagnostics_options), 88},
        {"partreg_binary_diagnostics", sizeof(partreg_binary_diagnostics), 264},
        {"partreg_margin", sizeof(partreg_margin), 128},
        {"partreg_wald_term", sizeof(partreg_wald_term), 96},
        {"partreg_html_options", sizeof(partreg_html_options), 184},
        {"partreg_sim_model", sizeof(partreg_sim_model), 160},
        {"partreg_sim_truth", sizeof(partreg_sim_truth), 560},
        {"partreg_sim_covariates", sizeof(partreg_sim_covariates), 112},
        {"partreg_sim_options", sizeof(partreg_sim_options), 824},
        {"partreg_read_options", sizeof(partreg_read_options), 168},
        {"partreg_survey_options", sizeof(partreg_survey_options), 96},
        {"partreg_survey_info", sizeof(partreg_survey_info), 248},
        {"partreg_survey_gof", sizeof(partreg_survey_gof), 112},
        {"partreg_random_intercept", sizeof(partreg_random_intercept), 216},
        {"partreg_group_effect", sizeof(partreg_group_effect), 88},
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        if (sizes[i].size != sizes[i].want) {
            print_error("%s is %zu bytes, was %zu: move the new fields into its reserve\n",
                        sizes[i].name, sizes[i].size, sizes[i].want);
            bad = 1;
        }
    assert_false(bad);
#else
    skip();
#endif
}

/* The defaults leave the reserves zero, which is what a field added later
 * reads as its default. */
static void test_reserves_zero(void **state)
{
    (void)state;
    partreg_fit_options o = partreg_fit_options_default();
    for (size_t i = 0; i < sizeof o.partreg_reserved_; i++)
        assert_int_equal(o.partreg_reserved_[i], 0);
    partreg_frame_options f = partreg_frame_options_default();
    for (size_t i = 0; i < sizeof f.partreg_reserved_; i++)
        assert_int_equal(f.partreg_reserved_[i], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_struct_sizes),
        cmocka_unit_test(test_reserves_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
