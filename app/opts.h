/*
 * Table-driven command-line options shared by the commands that take many of
 * them (md, quench, run, ...). Every option can also come from a run file
 * (--run-file FILE, YAML: `name: value` per option, lists as [a, b] or
 * block sequences); the command line overrides the file.
 */
#ifndef AION_OPTS_H
#define AION_OPTS_H

#include "aion.h"

/* OPT_STR_LIST: a repeatable string option; ptr is const char *[max], count the number
 * given (each --name adds one; in a run file a scalar or a list of strings). */
typedef enum { OPT_STR, OPT_INT, OPT_LONG, OPT_DBL, OPT_FLAG, OPT_DBL_LIST, OPT_U64, OPT_STR_LIST } cli_opt_type;

typedef struct cli_opt {
    const char *name;      /* without the leading -- */
    cli_opt_type type;
    void *ptr;             /* const char **, int *, long *, double *, int * (flag), double[] (list), uint64_t * */
    const char *help;
    int max;               /* OPT_DBL_LIST, OPT_STR_LIST: capacity */
    int *count;            /* OPT_DBL_LIST, OPT_STR_LIST: number read */
    int set;               /* out: 1 if given */
} cli_opt;

/* Parse argv[1..] (argv[0] is the command name). Positional arguments are
 * returned in pos (up to maxpos). Returns 0 on success, 1 after printing an
 * error, 2 after printing help (caller returns 0 then). Strings point into
 * argv or into storage that lives until cli_opts_free(). */
int cli_parse(int argc, char **argv, cli_opt *opts, int nopts, const char *usage, char **pos, int maxpos, int *npos);
/* Free strings that came from a run file. */
void cli_opts_free(void);
/* Look up an option by name (NULL if absent). */
cli_opt *cli_find(cli_opt *opts, int nopts, const char *name);

/* The ZBL baseline option of aion train and aion learn: an OPT_DBL_LIST named "zbl" (max 2) in opts,
 * "INNER,OUTER" (0 < INNER < OUTER, Å) -> *mode = 1, *inner, *outer; "0" -> *mode = -1 (no baseline);
 * not given: nothing changes (mode 0: as the initial potential has it). Returns 0, or 1 after
 * printing an error. */
int cli_zbl(cli_opt *opts, int nopts, int *mode, double *inner, double *outer);

/* Progress bar on stderr when it is a terminal (no-op otherwise). */
void cli_progress(const char *what, long done, long total, double rate_per_s, const char *extra);
void cli_progress_end(void);

/* SIGINT/SIGTERM set a flag instead of killing the process. */
void cli_catch_signals(void);
int cli_stop_requested(void);

/* JSON run record: start it with the command line, add options and results,
 * write atomically to path. All functions tolerate a NULL record. */
typedef struct cli_record cli_record;
cli_record *cli_record_begin(int argc, char **argv);
void cli_record_options(cli_record *r, const cli_opt *opts, int nopts);
void cli_record_number(cli_record *r, const char *section, const char *key, double v);
void cli_record_string(cli_record *r, const char *section, const char *key, const char *v);
int cli_record_write(cli_record *r, const char *path);
void cli_record_free(cli_record *r);

/* Write text to path atomically (tmp + rename). Returns 0 on success. */
int cli_write_file_atomic(const char *path, const char *text);

#endif
