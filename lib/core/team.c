/* A team of threads for a fit's passes (team.h).
 *
 * A run publishes the job and bumps the generation `gen`; members wait for
 * a new generation, run their share, and count down `pending`; the caller
 * runs share 0 and waits for `pending` to reach 0. Waiting is a spin of at
 * most SPIN_NS, then a sleep on a condition variable: on the benchmark
 * machine (KVM, two cores) a sleeping thread takes about 80 us to wake
 * (a condition-variable round trip; starting a thread and joining it costs
 * about as much), a spinning one under 1 us, and a fit's passes follow
 * each other within microseconds (a k x k solve between them). */
#define _POSIX_C_SOURCE 200809L
#include "core/team.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* Longest spin before sleeping: a few wake-ups' worth, so that a pass
 * that follows within it finds its members awake, and an idle team costs
 * at most this much of a core after each run. */
#define SPIN_NS 200000L

struct partreg_team {
    size_t size;
    size_t cores; /* online cores when it started */
    pthread_t tid[PARTREG_TEAM_MAX];
    pthread_mutex_t mu;
    pthread_cond_t wake; /* a new generation, or quit */
    pthread_cond_t done; /* pending reached 0 */
    atomic_uint gen;
    atomic_size_t pending;
    atomic_int quit;
    /* the job of the current generation, written before gen is bumped */
    partreg_team_job job;
    void *arg;
    size_t nt;
};

typedef struct member {
    partreg_team *team;
    size_t t;
} member;

static long elapsed_ns(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)(t.tv_sec - t0->tv_sec) * 1000000000L + (t.tv_nsec - t0->tv_nsec);
}

static inline void cpu_relax(void)
{
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    __builtin_ia32_pause();
#endif
}

/* Whether what a spin waits for has come: a member (done = 0) waits for
 * a generation other than `seen`, or quit; the caller of a run (done = 1)
 * for every member to have finished it. */
static int has_come(partreg_team *team, int done, unsigned seen)
{
    if (done)
        return atomic_load_explicit(&team->pending, memory_order_acquire) == 0;
    return atomic_load_explicit(&team->gen, memory_order_acquire) != seen ||
           atomic_load_explicit(&team->quit, memory_order_acquire);
}

/* Spin until has_come, at most SPIN_NS; returns whether it came (if not,
 * the waiter sleeps on its condition variable). */
static int spin_until(partreg_team *team, int done, unsigned seen)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (unsigned i = 1;; i++) {
        if (has_come(team, done, seen))
            return 1;
        cpu_relax();
        if (i % 64 == 0 && elapsed_ns(&t0) > SPIN_NS)
            return 0;
    }
}

static void *member_main(void *arg)
{
    member *m = arg;
    partreg_team *team = m->team;
    size_t t = m->t;
    free(m);
    unsigned seen = 0;
    for (;;) {
        if (!spin_until(team, 0, seen)) {
            pthread_mutex_lock(&team->mu);
            while (atomic_load(&team->gen) == seen && !atomic_load(&team->quit))
                pthread_cond_wait(&team->wake, &team->mu);
            pthread_mutex_unlock(&team->mu);
        }
        if (atomic_load_explicit(&team->quit, memory_order_acquire))
            return NULL;
        seen = atomic_load_explicit(&team->gen, memory_order_acquire);
        if (t < team->nt)
            team->job(team->arg, t);
        if (atomic_fetch_sub_explicit(&team->pending, 1, memory_order_acq_rel) == 1) {
            /* under the lock: the caller checks pending under it before sleeping */
            pthread_mutex_lock(&team->mu);
            pthread_cond_signal(&team->done);
            pthread_mutex_unlock(&team->mu);
        }
    }
}

static size_t online_cores(void)
{
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (size_t)online : 1;
}

partreg_team *partreg_team_start(size_t size)
{
    if (size < 2 || size > PARTREG_TEAM_MAX)
        return NULL;
    partreg_team *team = calloc(1, sizeof *team);
    if (!team)
        return NULL;
    if (pthread_mutex_init(&team->mu, NULL) != 0) {
        free(team);
        return NULL;
    }
    if (pthread_cond_init(&team->wake, NULL) != 0) {
        pthread_mutex_destroy(&team->mu);
        free(team);
        return NULL;
    }
    if (pthread_cond_init(&team->done, NULL) != 0) {
        pthread_cond_destroy(&team->wake);
        pthread_mutex_destroy(&team->mu);
        free(team);
        return NULL;
    }
    atomic_init(&team->gen, 0u);
    atomic_init(&team->pending, (size_t)0);
    atomic_init(&team->quit, 0);
    team->cores = online_cores();
    team->size = 1; /* members started so far; stop joins these */
    for (size_t t = 1; t < size; t++) {
        member *m = malloc(sizeof *m);
        if (!m)
            break;
        m->team = team;
        m->t = t;
        if (pthread_create(&team->tid[t], NULL, member_main, m) != 0) {
            free(m);
            break;
        }
        team->size++;
    }
    if (team->size < size) {
        partreg_team_stop(team);
        return NULL;
    }
    return team;
}

void partreg_team_stop(partreg_team *team)
{
    if (!team)
        return;
    pthread_mutex_lock(&team->mu);
    atomic_store_explicit(&team->quit, 1, memory_order_release);
    pthread_cond_broadcast(&team->wake);
    pthread_mutex_unlock(&team->mu);
    for (size_t t = 1; t < team->size; t++)
        pthread_join(team->tid[t], NULL);
    pthread_cond_destroy(&team->done);
    pthread_cond_destroy(&team->wake);
    pthread_mutex_destroy(&team->mu);
    free(team);
}

size_t partreg_team_size(const partreg_team *team)
{
    return team ? team->size : 1;
}

/* A run without a team: one thread per member for this run. */
typedef struct solo {
    partreg_team_job job;
    void *arg;
    size_t t;
} solo;

static void *solo_main(void *arg)
{
    const solo *s = arg;
    s->job(s->arg, s->t);
    return NULL;
}

static void run_started(size_t nt, partreg_team_job job, void *arg)
{
    solo s[PARTREG_TEAM_MAX];
    pthread_t tid[PARTREG_TEAM_MAX];
    size_t started = 0;
    for (size_t t = 1; t < nt; t++) {
        s[t] = (solo){job, arg, t};
        if (pthread_create(&tid[t], NULL, solo_main, &s[t]) != 0)
            break;
        started = t;
    }
    job(arg, 0);
    for (size_t t = started + 1; t < nt; t++) /* threads that could not start */
        job(arg, t);
    for (size_t t = 1; t <= started; t++)
        pthread_join(tid[t], NULL);
}

void partreg_team_run(partreg_team *team, size_t nt, partreg_team_job job, void *arg)
{
    if (nt <= 1) {
        job(arg, 0);
        return;
    }
    if (!team || team->size < nt) {
        run_started(nt, job, arg);
        return;
    }
    team->job = job;
    team->arg = arg;
    team->nt = nt;
    atomic_store_explicit(&team->pending, team->size - 1, memory_order_relaxed);
    pthread_mutex_lock(&team->mu);
    atomic_fetch_add_explicit(&team->gen, 1u, memory_order_release);
    pthread_cond_broadcast(&team->wake);
    pthread_mutex_unlock(&team->mu);
    job(arg, 0);
    if (!spin_until(team, 1, 0)) {
        pthread_mutex_lock(&team->mu);
        while (atomic_load(&team->pending) != 0)
            pthread_cond_wait(&team->done, &team->mu);
        pthread_mutex_unlock(&team->mu);
    }
}

/* What the members of a run over segments share. */
typedef struct segment_run {
    partreg_segment_job job;
    void *arg;
    size_t nseg;
    atomic_size_t next; /* the next unclaimed segment */
} segment_run;

static void claim_segments(void *arg, size_t t)
{
    segment_run *r = arg;
    for (;;) {
        size_t s = atomic_fetch_add_explicit(&r->next, 1, memory_order_relaxed);
        if (s >= r->nseg)
            return;
        r->job(r->arg, s, t);
    }
}

void partreg_team_run_segments(partreg_team *team, size_t nt, size_t nseg,
                               partreg_segment_job job, void *arg)
{
    segment_run r = {job, arg, nseg, 0};
    atomic_init(&r.next, 0);
    partreg_team_run(team, nt < nseg ? nt : nseg, claim_segments, &r);
}

size_t partreg_team_threads(const partreg_team *team, int threads, size_t n, size_t min_rows)
{
    size_t nt = threads > 0 ? (size_t)threads : team ? team->cores : online_cores();
    if (nt > PARTREG_TEAM_MAX)
        nt = PARTREG_TEAM_MAX;
    if (team && nt > team->size) /* shared workers smaller than asked for */
        nt = team->size;
    while (nt > 1 && n / nt < min_rows)
        nt--;
    return nt;
}
