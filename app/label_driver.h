/*
 * Labelling driver: runs CP2K on many structures as separate processes, keeps
 * one result file per structure in a work directory (written atomically), so
 * that an interrupted run continues where it stopped. Used by `aion label`
 * (and by `aion learn`). Prints progress and failures on stderr.
 *
 * Work directory:
 *   WORKDIR/results/sNNNNNN.xyz   labelled structure N (extended XYZ, one frame)
 *   WORKDIR/failed/sNNNNNN.txt    why structure N failed (key, reason)
 *   WORKDIR/jobs/sNNNNNN/         CP2K's files (input, output, log); removed
 *                                 after a success unless keep
 *   WORKDIR/failures.txt          summary of the failures of the last run
 *   WORKDIR/lock                  pid of the running driver
 * A stored result counts only if its info label_key equals the hash of the
 * CP2K input the current settings give for that structure; anything else is
 * recomputed.
 */
#ifndef AION_LABEL_DRIVER_H
#define AION_LABEL_DRIVER_H

#include "aion.h"

typedef struct label_opts {
    const char *cp2k;       /* executable (PATH is searched) */
    int jobs;               /* CP2K processes at once */
    int threads;            /* OMP_NUM_THREADS of each */
    const char *workdir;
    int keep;               /* keep CP2K's files of successful jobs */
    int retry_failed;       /* run structures that failed before again */
    double timeout_s;       /* per structure; 0 = none */
    aion_cp2k_opts cp;
} label_opts;

typedef struct label_stats {
    int total;              /* structures */
    int reused;             /* finished before this run */
    int computed;           /* labelled in this run */
    int failed;             /* failed (in this run or before) */
    int interrupted;        /* 1 if a stop was requested */
    double cp2k_wall_s;     /* sum of CP2K wall times in this run */
} label_stats;

/* CP2K settings from the command line shared by `aion label` and `aion learn`:
 * the method preset (xtb|pbe), then data_dir (may be NULL), then --set
 * "key=value,..." (may be NULL), then a template file (may be NULL; its text is
 * returned in *template_text, to be freed by the caller after the run).
 * Returns 0, or -1 after printing an error with cli_fail. */
int label_cp2k_setup(aion_cp2k_opts *cp, const char *method, const char *data_dir, const char *set,
                     const char *template_path, char **template_text);

/* Label every frame; results land in o->workdir. Returns 0 when every frame is
 * labelled, 1 when some failed (listed in failures.txt), 2 on a fatal error,
 * 130 when interrupted (SIGINT/SIGTERM: running CP2K jobs are stopped). */
int label_run(const aion_frame *frames, int n, const label_opts *o, label_stats *st);

/* Write the labelled frames, in input order, to out (atomic). Frames without
 * a result are left out. Returns the number written, or -1 after printing an
 * error. */
int label_assemble(const aion_frame *frames, int n, const label_opts *o, const char *out);

#endif
