/* aion analyze: not implemented yet. */
#include "cli.h"

int cmd_analyze(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_fail("'analyze' is not implemented yet");
}
