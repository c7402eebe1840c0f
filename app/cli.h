/*
 * Command-line front end: only parses arguments, calls the library and talks
 * to the user. Each verb lives in app/cmd_<verb>.c.
 */
#ifndef AION_CLI_H
#define AION_CLI_H

#include "aion.h"

#define AION_VERBS(X)                                                        \
    X(eval, "energy, forces and stress of every frame of a file")           \
    X(convert, "convert structure/trajectory files between formats")        \
    X(build, "build metal || glass interfaces and bcc metal slabs")          \
    X(info, "summary of a structure/trajectory/data file or a potential")   \
    X(md, "molecular dynamics")                                              \
    X(quench, "melt-quench a glass")                                         \
    X(analyze, "transport and structure analysis of trajectories")          \
    X(train, "fit a Moment Tensor Potential")                                \
    X(select, "pick extrapolating configurations (active learning)")        \
    X(screen, "rank crystals by their mobile-ion energy landscape")         \
    X(label, "label structures with CP2K")                                   \
    X(learn, "active-learning loop")                                         \
    X(run, "run a pipeline (default: the shipped Li3PO4 job)")

#define X(name, help) int cmd_##name(int argc, char **argv);
AION_VERBS(X)
#undef X

/* Print "aion: msg" to stderr; returns 1 (use as `return cli_fail(...)`). */
int cli_fail(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* Parse a comma-separated element list ("Mg,V,O") into Z values. Returns the
 * count, or -1 with a message printed. */
int cli_parse_species(const char *list, int *z, int max);
/* 1 if s is "-h" or "--help". */
int cli_is_help(const char *s);

#endif
