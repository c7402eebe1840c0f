/* aion quench: not implemented yet. */
#include "cli.h"

int cmd_quench(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_fail("'quench' is not implemented yet");
}
