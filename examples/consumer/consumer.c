/* consumer: the smallest program built against an installed partreg.
 *
 * It includes only the public header, prints the library version and fits
 * a logit of a made-up 0/1 outcome on an intercept and one predictor, held
 * in plain arrays (a borrowed partreg_data view). tests/cli_install.sh
 * builds it through CMake's find_package and through pkg-config and checks
 * its output. */
#include <stdio.h>
#include <string.h>

#include <partreg.h>

#define N_ROWS 24

int main(void)
{
    /* columns: (Intercept), hours; outcome: took part (1) or not (0) */
    static const double hours[N_ROWS] = {
        0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 1.75, 2.0, 2.25, 2.5, 2.75, 3.0,
        3.25, 3.5, 4.0, 4.25, 4.5, 4.75, 5.0, 5.5, 5.75, 6.0, 6.25, 6.5};
    static const double took_part[N_ROWS] = {
        0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0,
        1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1};
    double X[N_ROWS * 2];
    for (size_t i = 0; i < N_ROWS; i++) {
        X[2 * i] = 1.0;
        X[2 * i + 1] = hours[i];
    }
    static const char *const names[2] = {"(Intercept)", "hours"};

    printf("partreg %s (header %s)\n", partreg_version(), PARTREG_VERSION_STRING);
    if (strcmp(partreg_version(), PARTREG_VERSION_STRING) != 0) {
        fprintf(stderr, "consumer: header and library versions differ\n");
        return 1;
    }

    partreg_data data;
    memset(&data, 0, sizeof data);
    data.n = N_ROWS;
    data.p = 2;
    data.X = X;
    data.y = took_part;
    data.n_levels = 2;
    data.column_names = names;

    partreg_fit *fit = NULL;
    partreg_error err;
    partreg_status st = partreg_fit_create(&data, PARTREG_BINARY, PARTREG_LOGIT, NULL, &fit, &err);
    if (st != PARTREG_OK) {
        fprintf(stderr, "consumer: %s: %s\n", partreg_status_name(st), err.message);
        partreg_fit_free(fit);
        return 1;
    }
    printf("converged %d after %d iterations, loglik %.6f\n", partreg_fit_converged(fit),
           partreg_fit_iterations(fit), partreg_fit_loglik(fit));
    for (size_t j = 0; j < 2; j++) {
        partreg_estimate e;
        if (partreg_fit_estimate(fit, j, 0.95, &e, &err) != PARTREG_OK) {
            fprintf(stderr, "consumer: %s\n", err.message);
            partreg_fit_free(fit);
            return 1;
        }
        printf("%-12s %10.6f  se %.6f\n", names[j], e.estimate, e.std_error);
    }
    partreg_fit_free(fit);
    return 0;
}
