/* aion md: molecular dynamics on a structure with any potential. */
#include "cli.h"
#include "mdcli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *usage =
    "usage: aion md --in STRUCTURE [--potential SPEC] [--ensemble E] [--temp K] [--steps N | --time PS] [options]\n"
    "Runs molecular dynamics and writes OUT/traj.xyz (or .dump), OUT/thermo.csv, OUT/checkpoint.bin,\n"
    "OUT/final.xyz and OUT/run.json. Ctrl-C (SIGINT) or SIGTERM writes a checkpoint and stops;\n"
    "--restart continues bit for bit.";

int cmd_md(int argc, char **argv)
{
    mdcli m;
    cli_opt t[64];
    int k = 0, npos, rc = 1, *groups = NULL;
    const char *in = NULL;
    char *pos[2];
    aion_frame *frames = NULL;
    int nframes = 0;
    aion_read_opts ro;
    aion_error err;
    aion_potential *p = NULL;
    aion_md *md = NULL;
    aion_md_opts o;
    cli_record *rec = NULL;
    mdcli_defaults(&m);
    t[k++] = (cli_opt){"in", OPT_STR, &in, "input structure (any readable format; the last frame is used)", 0, NULL, 0};
    k += mdcli_potential_opts(&m, t + k, 64 - k);
    k += mdcli_dynamics_opts(&m, t + k, 64 - k);
    k += mdcli_output_opts(&m, t + k, 64 - k);
    int prc = cli_parse(argc, argv, t, k, usage, pos, 2, &npos);
    if (prc) {
        cli_opts_free();
        return prc == 2 ? 0 : 1;
    }
    if (!in && npos == 1) in = pos[0];
    if (!in) {
        cli_fail("no input structure (--in FILE)");
        goto done;
    }
    aion_read_opts_init(&ro);
    int zs[64];
    if (m.species) {
        int nz = cli_parse_species(m.species, zs, 64);
        if (nz < 0) goto done;
        ro.type_z = zs;
        ro.n_type_z = nz;
    }
    if (aion_read_all(in, &ro, &frames, &nframes, &err) != AION_OK) {
        cli_fail("%s", err.msg);
        goto done;
    }
    if (nframes < 1) {
        cli_fail("%s: no structure in the file", in);
        goto done;
    }
    aion_frame *f = &frames[nframes - 1];
    if (!(p = mdcli_potential(&m))) goto done;
    if (mdcli_md_opts(&m, f, &o, &groups)) goto done;
    if (m.minimize) {
        aion_min_opts mo;
        int steps;
        double fm;
        aion_min_opts_init(&mo);
        mo.fmax = m.fmax;
        if (aion_minimize(f, p, &mo, &steps, &fm, &err) != AION_OK) {
            cli_fail("%s", err.msg);
            goto done;
        }
        fprintf(stderr, "aion: minimised in %d FIRE steps, max force %.3g eV/Å\n", steps, fm);
    }
    if (aion_md_create(&md, f, p, &o, &err) != AION_OK) {
        cli_fail("%s: %s", in, err.msg);
        goto done;
    }
    if (m.init_temp >= 0 || !(f->has & AION_HAS_VEL)) aion_md_init_velocities(md, m.init_temp >= 0 ? m.init_temp : m.temp);
    long steps = m.steps;
    if (m.time_ps > 0) steps = (long)(m.time_ps * 1000.0 / m.dt + 0.5);
    if (steps <= 0) {
        cli_fail("give the run length with --steps N or --time PS");
        goto done;
    }
    aion_segment seg = {m.temp, m.temp_end > 0 ? m.temp_end : m.temp, m.press_gpa, steps};
    rec = cli_record_begin(argc, argv);
    cli_record_options(rec, t, k);
    cli_record_string(rec, "inputs", "potential_description", aion_potential_describe(p));
    rc = mdcli_run(&m, md, &seg, 1, "md");
    if (rc == 0) rc = mdcli_finish(&m, md, rec, "final.xyz");
done:
    cli_record_free(rec);
    aion_md_free(md);
    aion_potential_free(p);
    aion_frames_free(frames, nframes);
    free(groups);
    cli_opts_free();
    return rc;
}
