/* aion <command> [options]: dispatch to app/cmd_<command>.c */
#include "cli.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int cli_fail(const char *fmt, ...)
{
    va_list ap;
    fputs("aion: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 1;
}

int cli_is_help(const char *s) { return s && (!strcmp(s, "-h") || !strcmp(s, "--help")); }

int cli_parse_species(const char *list, int *z, int max)
{
    int n = 0;
    const char *p = list;
    while (*p) {
        char sym[8];
        size_t k = 0;
        while (*p && *p != ',' && !isspace((unsigned char)*p)) {
            if (k < sizeof sym - 1) sym[k++] = *p;
            p++;
        }
        sym[k] = '\0';
        while (*p == ',' || isspace((unsigned char)*p)) p++;
        if (!k) continue;
        if (n >= max) {
            cli_fail("too many species in '%s' (at most %d)", list, max);
            return -1;
        }
        z[n] = aion_element_z(sym);
        if (!z[n]) {
            cli_fail("unknown element '%s' in species list '%s'", sym, list);
            return -1;
        }
        n++;
    }
    return n;
}

static void usage(FILE *out)
{
    fprintf(out, "aion %s: ion transport in amorphous solids with machine-learned potentials\n\n", AION_VERSION);
    fprintf(out, "usage: aion <command> [options]   (aion <command> --help for its options)\n\ncommands:\n");
#define X(name, help) fprintf(out, "  %-9s %s\n", #name, help);
    AION_VERBS(X)
#undef X
}

int main(int argc, char **argv)
{
    if (argc < 2 || cli_is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("aion %s (commit %s)\n", AION_VERSION, AION_GIT_COMMIT);
        return 0;
    }
#define X(name, help) \
    if (!strcmp(argv[1], #name)) return cmd_##name(argc - 1, argv + 1);
    AION_VERBS(X)
#undef X
    fprintf(stderr, "aion: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
