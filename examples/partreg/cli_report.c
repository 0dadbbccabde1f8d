/* partreg report: placeholder until the report command lands. */
#include <stdio.h>

#include "cli.h"

int cli_report(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "partreg report: not available in this build yet\n");
    return 2;
}
