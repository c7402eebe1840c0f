/* aion learn: not implemented yet. */
#include "cli.h"

int cmd_learn(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_fail("'learn' is not implemented yet");
}
