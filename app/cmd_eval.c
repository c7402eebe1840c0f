/* aion eval: not implemented yet. */
#include "cli.h"

int cmd_eval(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_fail("'eval' is not implemented yet");
}
