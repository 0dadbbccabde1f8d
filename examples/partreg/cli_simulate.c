/* partreg simulate: placeholder until the simulate command lands. */
#include <stdio.h>

#include "cli.h"

int cli_simulate(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "partreg simulate: not available in this build yet\n");
    return 2;
}
