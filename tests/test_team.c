/* The thread team of a fit's passes (lib/core/team.c): every member's share
 * runs exactly once per run, on a team or without one, over many
 * back-to-back runs (members spinning) and runs after a pause (members
 * asleep); a team too small for a run falls back to threads of its own. */
#define _POSIX_C_SOURCE 200809L
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "testutil.h"

#include "core/team.h"

#define MAXT 8

typedef struct tally {
    atomic_int calls[MAXT];
    double work[MAXT]; /* what each share computed, written by its member */
} tally;

static void count_share(void *arg, size_t t)
{
    tally *ty = arg;
    atomic_fetch_add(&ty->calls[t], 1);
    double s = 0.0;
    for (size_t i = 1; i <= 2000 * (t + 1); i++)
        s += 1.0 / (double)i;
    ty->work[t] = s;
}

/* run nt shares `runs` times and check each ran once per run */
static void check_runs(partreg_team *team, size_t nt, int runs)
{
    tally ty;
    memset(&ty, 0, sizeof ty);
    for (int r = 0; r < runs; r++)
        partreg_team_run(team, nt, count_share, &ty);
    for (size_t t = 0; t < MAXT; t++)
        assert_int_equal(atomic_load(&ty.calls[t]), t < nt ? runs : 0);
    for (size_t t = 0; t < nt; t++) {
        double s = 0.0;
        for (size_t i = 1; i <= 2000 * (t + 1); i++)
            s += 1.0 / (double)i;
        assert_true(ty.work[t] == s);
    }
}

static void test_without_team(void **state)
{
    (void)state;
    assert_null(partreg_team_start(0));
    assert_null(partreg_team_start(1));
    assert_null(partreg_team_start(PARTREG_TEAM_MAX + 1));
    assert_int_equal(partreg_team_size(NULL), 1);
    check_runs(NULL, 1, 3);
    check_runs(NULL, 4, 3);
    partreg_team_stop(NULL);
}

static void test_team_runs(void **state)
{
    (void)state;
    partreg_team *team = partreg_team_start(3);
    assert_non_null(team);
    assert_int_equal(partreg_team_size(team), 3);
    check_runs(team, 3, 2000); /* back to back: members spin between runs */
    check_runs(team, 2, 50);   /* fewer shares than members */
    check_runs(team, 1, 5);
    check_runs(team, 5, 20); /* more than the team: threads of its own */
    struct timespec pause = {0, 5 * 1000 * 1000};
    for (int r = 0; r < 3; r++) { /* after a pause: members asleep */
        nanosleep(&pause, NULL);
        check_runs(team, 3, 1);
    }
    partreg_team_stop(team);
    /* stopped right after starting, and right after a run */
    partreg_team_stop(partreg_team_start(2));
    team = partreg_team_start(2);
    check_runs(team, 2, 1);
    partreg_team_stop(team);
}

static void test_thread_counts(void **state)
{
    (void)state;
    assert_int_equal(partreg_team_threads(NULL, 3, 100000, 20000), 3);
    assert_int_equal(partreg_team_threads(NULL, 3, 50000, 20000), 2);
    assert_int_equal(partreg_team_threads(NULL, 3, 100, 20000), 1);
    assert_int_equal(partreg_team_threads(NULL, 1000, 1u << 30, 1), PARTREG_TEAM_MAX);
    assert_true(partreg_team_threads(NULL, 0, 1u << 30, 1) >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_without_team),
        cmocka_unit_test(test_team_runs),
        cmocka_unit_test(test_thread_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
