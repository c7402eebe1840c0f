/* Shared pieces of `aion md`, `aion quench` and `aion run`: potential and MD
 * options, output layout, the run loop with progress and signals. */
#ifndef AION_MDCLI_H
#define AION_MDCLI_H

#include "opts.h"

typedef struct mdcli {
    /* potential */
    const char *potential, *coulomb, *species;
    double cutoff, sr_cutoff, dsf_alpha, ewald_accuracy;
    int threads;
    /* dynamics */
    const char *ensemble, *cell, *dilate;
    double temp, temp_end, init_temp, press_gpa, dt, tau_t, tau_p, compress, time_ps;
    long steps;
    uint64_t seed;
    int nhc;
    /* groups */
    const char *freeze_species;
    double freeze_zlo, freeze_zhi;
    /* output */
    const char *out, *traj;
    long traj_every, thermo_every, checkpoint_every, progress_every;
    int restart, minimize;
    double fmax;
    /* filled by mdcli_run: the dynamics of this invocation (a restart counts
     * only its own steps) */
    long run_steps;
    double run_wall_s, run_cpu_s;
    /* MTP extrapolation grade along the run (OUT/grade.csv) */
    int grade;
    long grade_every;
    double grade_stop;
    double max_temp_ratio;   /* blow-up guard (aion_run_opts.max_temp_ratio) */
    const char *active_set;
    /* close-contact guard: stop when a pair is closer than contact_stop x the
     * closest pair of its species in contact_data (the training data) */
    double contact_stop;
    const char *contact_data;
    long contact_every;
    double contact_min_ratio;  /* filled by mdcli_run: the smallest ratio seen (INFINITY: none within the search) */
} mdcli;

/* Defaults; the table entries point into m. Returns the count (<= max). */
void mdcli_defaults(mdcli *m);
int mdcli_potential_opts(mdcli *m, cli_opt *t, int max);
int mdcli_dynamics_opts(mdcli *m, cli_opt *t, int max);
int mdcli_output_opts(mdcli *m, cli_opt *t, int max);

/* Create the potential from the options (prints the error). */
aion_potential *mdcli_potential(const mdcli *m);
/* Fill aion_md_opts from the options (prints errors; returns 0 on success).
 * groups: int array of f->n entries written here when atoms are frozen. */
int mdcli_md_opts(const mdcli *m, const aion_frame *f, aion_md_opts *o, int **groups);
/* Run segments with outputs in m->out (traj.xyz / traj.dump / thermo.csv /
 * checkpoint.bin), progress bar and SIGINT/SIGTERM checkpointing.
 * With --grade/--grade-stop and an .mtp potential, the extrapolation grade
 * of the configuration is logged every grade_every steps to OUT/grade.csv
 * and the run stops (checkpoint written) once it exceeds grade_stop.
 * With --contact-stop R (needs --species and --contact-data), every
 * contact_every steps the closest pair of every species pair is compared with
 * the data's; below R x the data's the run stops (checkpoint written, the
 * configuration in OUT/contact.xyz). Returns 0 on success, 1 on error, 3 when
 * stopped by a signal, 4 when stopped by the extrapolation grade, 5 by a
 * close contact. Fills m->run_steps/run_wall_s/run_cpu_s. */
int mdcli_run(mdcli *m, aion_md *md, const aion_segment *segs, int nseg, const char *label);
/* Write f as extended XYZ to OUT/name (creates OUT); returns 0 on success. */
int mdcli_write_structure(const mdcli *m, const aion_frame *f, const char *name);
/* Write the final structure, the thermo summary and the speed into the record. */
int mdcli_finish(const mdcli *m, aion_md *md, cli_record *rec, const char *final_name);

#endif
