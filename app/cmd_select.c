/* aion select: not implemented yet. */
#include "cli.h"

int cmd_select(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_fail("'select' is not implemented yet");
}
