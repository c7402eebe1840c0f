/* aion label: energies, forces and stresses of structures computed with CP2K. */
#include "cli.h"
#include "label_driver.h"
#include "opts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *usage =
    "usage: aion label --in STRUCTURES --out LABELLED.xyz [--method xtb|pbe] [--jobs N] [--threads-per-job T]\n"
    "                  [--workdir DIR] [--cp2k EXE] [--set key=value,...] [--template FILE] [--keep] [--timeout S]\n"
    "Runs CP2K on every frame (N processes at once, OMP_NUM_THREADS=T each) and writes the frames with energy (eV),\n"
    "forces (eV/Å), stress (eV/Å³, ASE sign) and info method, cutoff_Ry, kpoints, scf_steps, walltime_s,\n"
    "label_index. Each finished structure is stored at once in DIR/results/; an interrupted run (Ctrl-C, kill)\n"
    "continues where it stopped when the same command is run again. Failed structures are listed in\n"
    "DIR/failures.txt and left out of the output (exit status 1). See docs/labelling.md.";

int cmd_label(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *method = "xtb", *workdir = NULL, *cp2k = "cp2k", *set = NULL,
               *tpl_path = NULL, *data_dir = NULL;
    int jobs = 1, threads = 1, keep = 0, retry = 0, npos, rc = 1;
    double timeout = 0;
    char *pos[2], wd[4096], *tpl = NULL;
    aion_frame *frames = NULL;
    int nframes = 0;
    aion_error err;
    label_opts o;
    label_stats st;
    cli_record *rec = NULL;
    cli_opt t[] = {
        {"in", OPT_STR, &in, "structures to label (any readable format, all frames)", 0, NULL, 0},
        {"out", OPT_STR, &out, "labelled structures (extended XYZ recommended)", 0, NULL, 0},
        {"method", OPT_STR, &method, "preset: xtb (GFN1-xTB, fast) or pbe (PBE/GTH/DZVP-MOLOPT-SR)", 0, NULL, 0},
        {"jobs", OPT_INT, &jobs, "CP2K processes at once (default 1)", 0, NULL, 0},
        {"threads-per-job", OPT_INT, &threads, "OMP_NUM_THREADS of each CP2K process (default 1)", 0, NULL, 0},
        {"workdir", OPT_STR, &workdir, "work directory (default OUT.work): results, failures, CP2K files", 0, NULL,
         0},
        {"cp2k", OPT_STR, &cp2k, "CP2K executable (default cp2k)", 0, NULL, 0},
        {"set", OPT_STR, &set,
         "override preset settings: key=value[,key=value...] (cutoff, rel_cutoff, eps_scf, eps_default, max_scf, "
         "outer_scf, kpoints=NxNxN|gamma|auto, kspacing, charge, stress, basis, data_dir)",
         0, NULL, 0},
        {"template", OPT_STR, &tpl_path,
         "CP2K input template with @AION_PROJECT@, @AION_CELL@, @AION_COORD@, @AION_KINDS@, @AION_SUBSYS@", 0, NULL,
         0},
        {"data-dir", OPT_STR, &data_dir, "CP2K data directory (default /usr/share/cp2k)", 0, NULL, 0},
        {"keep", OPT_FLAG, &keep, "keep CP2K's files of successful structures (DIR/jobs/)", 0, NULL, 0},
        {"retry-failed", OPT_FLAG, &retry, "run structures that failed in an earlier run again", 0, NULL, 0},
        {"timeout", OPT_DBL, &timeout, "seconds per structure before CP2K is stopped (default: none)", 0, NULL, 0},
    };
    int nt = (int)(sizeof t / sizeof t[0]);
    int prc = cli_parse(argc, argv, t, nt, usage, pos, 2, &npos);
    if (prc) {
        cli_opts_free();
        return prc == 2 ? 0 : 1;
    }
    if (!in && npos >= 1) in = pos[0];
    if (!out && npos >= 2) out = pos[1];
    if (!in || !out) {
        cli_fail("need --in STRUCTURES and --out LABELLED.xyz (see --help)");
        goto done;
    }
    if (jobs < 1 || threads < 1 || timeout < 0) {
        cli_fail("--jobs and --threads-per-job must be >= 1, --timeout >= 0");
        goto done;
    }
    memset(&o, 0, sizeof o);
    if (label_cp2k_setup(&o.cp, method, data_dir, set, tpl_path, &tpl)) goto done;
    if (!workdir) {
        snprintf(wd, sizeof wd, "%s.work", out);
        workdir = wd;
    }
    o.cp2k = cp2k;
    o.jobs = jobs;
    o.threads = threads;
    o.workdir = workdir;
    o.keep = keep;
    o.retry_failed = retry;
    o.timeout_s = timeout;

    if (aion_read_all(in, NULL, &frames, &nframes, &err) != AION_OK) {
        cli_fail("%s", err.msg);
        goto done;
    }
    if (nframes < 1) {
        cli_fail("%s: no structures", in);
        goto done;
    }
    rec = cli_record_begin(argc, argv);
    cli_record_options(rec, t, nt);
    int lrc = label_run(frames, nframes, &o, &st);
    if (lrc == 2) goto done;
    if (lrc == 130) {
        fprintf(stderr, "aion: interrupted: %d of %d structures labelled (in %s); run the same command again to "
                        "continue\n",
                st.reused + st.computed, st.total, workdir);
        rc = 130;
        goto done;
    }
    int nw = label_assemble(frames, nframes, &o, out);
    if (nw < 0) goto done;
    fprintf(stderr, "aion: %s: %d of %d structures labelled (%d now, %d from before), %d failed; CP2K time %.1f s\n",
            out, nw, st.total, st.computed, st.reused, st.failed, st.cp2k_wall_s);
    if (st.failed) fprintf(stderr, "aion: failures listed in %s/failures.txt\n", workdir);
    cli_record_string(rec, "results", "output", out);
    cli_record_number(rec, "results", "structures", st.total);
    cli_record_number(rec, "results", "labelled", nw);
    cli_record_number(rec, "results", "computed_now", st.computed);
    cli_record_number(rec, "results", "reused", st.reused);
    cli_record_number(rec, "results", "failed", st.failed);
    cli_record_number(rec, "results", "cp2k_wall_s", st.cp2k_wall_s);
    {
        char rp[4200];
        snprintf(rp, sizeof rp, "%s/run.json", workdir);
        cli_record_write(rec, rp);
    }
    rc = lrc;
done:
    cli_record_free(rec);
    aion_frames_free(frames, nframes);
    free(tpl);
    cli_opts_free();
    return rc;
}
