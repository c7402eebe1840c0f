/* aion md: not implemented yet. */
#include "cli.h"

int cmd_md(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_fail("'md' is not implemented yet");
}
