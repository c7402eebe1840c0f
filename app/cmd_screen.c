/* aion screen: not implemented yet. */
#include "cli.h"

int cmd_screen(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_fail("'screen' is not implemented yet");
}
