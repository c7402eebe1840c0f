/* aion info: not implemented yet. */
#include "cli.h"

int cmd_info(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_fail("'info' is not implemented yet");
}
