/* Worker threads that fits share (partreg.h, partreg_workers).
 *
 * A team (team.h) runs one job at a time, so the workers carry a flag: a
 * fit takes the team when the flag was clear and gives it back at its
 * end; a fit that finds it set (another thread's fit holds the team)
 * starts its own team, as without workers. The flag's acquire and
 * release order the two fits' use of the team; the team's own
 * generation counter hands each job to the members. */
#include "core/workers.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "core/error.h"

struct partreg_workers {
    partreg_team *team; /* NULL: one thread */
    atomic_flag busy;
};

partreg_status partreg_workers_create(int threads, partreg_workers **out, partreg_error *err)
{
    if (!out || threads < 0)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "partreg_workers_create: threads must be >= 0 (0: one per core) "
                                 "and out not NULL");
    *out = NULL;
    partreg_workers *w = malloc(sizeof *w);
    if (!w)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    atomic_flag_clear(&w->busy);
    /* no row limit: as many as asked for (or cores), at most PARTREG_TEAM_MAX */
    w->team = partreg_team_start(partreg_team_threads(NULL, threads, (size_t)-1, 1));
    *out = w;
    return PARTREG_OK;
}

void partreg_workers_free(partreg_workers *workers)
{
    if (!workers)
        return;
    partreg_team_stop(workers->team);
    free(workers);
}

partreg_team *partreg_workers_take(partreg_workers *workers)
{
    if (!workers || !workers->team ||
        atomic_flag_test_and_set_explicit(&workers->busy, memory_order_acquire))
        return NULL;
    return workers->team;
}

int partreg_workers_give_back(partreg_workers *workers, const partreg_team *team)
{
    if (!workers || !team || team != workers->team)
        return 0;
    atomic_flag_clear_explicit(&workers->busy, memory_order_release);
    return 1;
}
