/* aion quench: make a glass by melt-quench at constant pressure, from a
 * composition (random start at a density with minimum distances) or a file. */
#include "cli.h"
#include "mdcli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *usage =
    "usage: aion quench (--composition FORMULA --atoms N | --in FILE) [--potential SPEC] [options]\n"
    "Melt-quench at constant pressure: equilibrate at --t-start, heat to --t-melt at --rate K/ps, hold\n"
    "--hold ps, cool at --rate through the --anneal temperatures (held --anneal-time ps each) to --t-final,\n"
    "hold --final-time ps. Writes OUT/start.xyz (the relaxed start), OUT/glass.xyz, OUT/thermo.csv, the\n"
    "trajectory and OUT/run.json.";

int cmd_quench(int argc, char **argv)
{
    mdcli m;
    cli_opt t[80];
    int k = 0, npos, rc = 1, *groups = NULL, natoms = 0, n_anneal = 0;
    const char *in = NULL, *composition = NULL;
    double density = 0, dmin_scale = 0.8, anneal[64], lateral[2];
    int n_lateral = 0;
    char *pos[2];
    aion_frame start, *frames = NULL;
    int nframes = 0;
    aion_error err;
    aion_potential *p = NULL;
    aion_md *md = NULL;
    aion_md_opts o;
    aion_quench_opts q;
    aion_segment *segs = NULL;
    int nseg = 0;
    cli_record *rec = NULL;
    aion_frame_init(&start);
    mdcli_defaults(&m);
    m.ensemble = "npt";
    m.out = "quench-out";
    m.traj_every = 1000;
    m.thermo_every = 100;
    m.checkpoint_every = 5000;
    memset(&q, 0, sizeof q);
    q.t_start_K = 300, q.t_melt_K = 3000, q.t_final_K = 300, q.rate_K_ps = 100;
    q.t_equil_ps = 5, q.t_hold_ps = 20, q.t_final_ps = 10, q.anneal_ps = 10;
    t[k++] = (cli_opt){"in", OPT_STR, &in, "start structure instead of a composition", 0, NULL, 0};
    t[k++] = (cli_opt){"composition", OPT_STR, &composition, "formula (Li3PO4) or counts (Li:96,P:32,O:128)", 0, NULL, 0};
    t[k++] = (cli_opt){"atoms", OPT_INT, &natoms, "about this many atoms (whole formula units) for --composition", 0, NULL, 0};
    t[k++] = (cli_opt){"density", OPT_DBL, &density, "start density (g/cm³) for --composition (default 2.0)", 0, NULL, 0};
    t[k++] = (cli_opt){"lateral", OPT_DBL_LIST, lateral, "A,B: orthorhombic start cell a = A, b = B (Å), c from --density (glass slabs for aion build interface)", 2, &n_lateral, 0};
    t[k++] = (cli_opt){"dmin-scale", OPT_DBL, &dmin_scale, "minimum distance = this × sum of covalent radii", 0, NULL, 0};
    t[k++] = (cli_opt){"t-start", OPT_DBL, &q.t_start_K, "start temperature (K)", 0, NULL, 0};
    t[k++] = (cli_opt){"t-melt", OPT_DBL, &q.t_melt_K, "melt temperature (K)", 0, NULL, 0};
    t[k++] = (cli_opt){"t-final", OPT_DBL, &q.t_final_K, "final temperature (K)", 0, NULL, 0};
    t[k++] = (cli_opt){"rate", OPT_DBL, &q.rate_K_ps, "heating and cooling rate (K/ps)", 0, NULL, 0};
    t[k++] = (cli_opt){"equil", OPT_DBL, &q.t_equil_ps, "equilibration at --t-start (ps)", 0, NULL, 0};
    t[k++] = (cli_opt){"hold", OPT_DBL, &q.t_hold_ps, "hold at --t-melt (ps)", 0, NULL, 0};
    t[k++] = (cli_opt){"anneal", OPT_DBL_LIST, anneal, "temperatures to hold at on the way down (K)", 64, &n_anneal, 0};
    t[k++] = (cli_opt){"anneal-time", OPT_DBL, &q.anneal_ps, "hold at each anneal temperature (ps)", 0, NULL, 0};
    t[k++] = (cli_opt){"final-time", OPT_DBL, &q.t_final_ps, "hold at --t-final (ps)", 0, NULL, 0};
    k += mdcli_potential_opts(&m, t + k, 80 - k);
    k += mdcli_dynamics_opts(&m, t + k, 80 - k);
    k += mdcli_output_opts(&m, t + k, 80 - k);
    int prc = cli_parse(argc, argv, t, k, usage, pos, 2, &npos);
    if (prc) {
        cli_opts_free();
        return prc == 2 ? 0 : 1;
    }
    if (!in && npos == 1) in = pos[0];
    if (!!in == !!composition) {
        cli_fail("give either --composition FORMULA --atoms N or --in FILE");
        goto done;
    }
    aion_frame *f = &start;
    if (composition) {
        int z[32], cnt[32], ns;
        double amt[32], per = 0;
        if (aion_parse_formula(composition, z, amt, 32, &ns, &err) != AION_OK) {
            cli_fail("%s", err.msg);
            goto done;
        }
        for (int s = 0; s < ns; s++) per += amt[s];
        int explicit = strchr(composition, ':') != NULL;
        double units = explicit ? 1.0 : (natoms > 0 ? floor(natoms / per + 0.5) : 1.0);
        if (units < 1) units = 1;
        for (int s = 0; s < ns; s++) cnt[s] = (int)floor(amt[s] * units + 0.5);
        double dmin[32 * 32];
        for (int a = 0; a < ns; a++)
            for (int b = 0; b < ns; b++)
                dmin[a * ns + b] = dmin_scale * (aion_element_covalent_radius(z[a]) + aion_element_covalent_radius(z[b]));
        if (aion_random_structure(&start, z, cnt, ns, density > 0 ? density : 2.0, dmin, m.seed, &err) != AION_OK) {
            cli_fail("%s", err.msg);
            goto done;
        }
        if (n_lateral) {
            /* affine deformation of the cubic random start to A x B x c at the same volume; the
             * minimisation and the melt remove the distortion */
            double L = start.cell[0][0], eps[3][3] = {{0}};
            if (n_lateral != 2 || !(lateral[0] > 0) || !(lateral[1] > 0)) {
                cli_fail("--lateral needs two positive lengths A,B (Å)");
                goto done;
            }
            eps[0][0] = lateral[0] / L - 1;
            eps[1][1] = lateral[1] / L - 1;
            eps[2][2] = L * L / (lateral[0] * lateral[1]) - 1;
            if (aion_frame_strain(&start, eps, &err) != AION_OK) {
                cli_fail("--lateral: %s", err.msg);
                goto done;
            }
            fprintf(stderr, "aion: start cell %.4f x %.4f x %.4f Å\n", start.cell[0][0], start.cell[1][1], start.cell[2][2]);
        }
    } else {
        aion_read_opts ro;
        if (n_lateral) {
            cli_fail("--lateral applies to --composition starts only");
            goto done;
        }
        aion_read_opts_init(&ro);
        if (aion_read_all(in, &ro, &frames, &nframes, &err) != AION_OK || nframes < 1) {
            cli_fail("%s", nframes < 1 && err.code == AION_OK ? "no structure in the input" : err.msg);
            goto done;
        }
        f = &frames[nframes - 1];
    }
    if (!(p = mdcli_potential(&m))) goto done;
    if (mdcli_md_opts(&m, f, &o, &groups)) goto done;
    for (int a = 0; a < n_anneal; a++) q.anneal_K[a] = anneal[a];
    q.n_anneal = n_anneal;
    q.press_GPa = m.press_gpa;
    q.dt_fs = m.dt;
    if (aion_quench_schedule(&q, &segs, &nseg, &err) != AION_OK) {
        cli_fail("%s", err.msg);
        goto done;
    }
    {
        /* relax the random start so the first MD steps are sane */
        aion_min_opts mo;
        int steps;
        double fm;
        aion_min_opts_init(&mo);
        mo.fmax = 0.1;
        mo.max_steps = 500;
        if (!m.restart && aion_minimize(f, p, &mo, &steps, &fm, &err) != AION_OK) {
            cli_fail("%s", err.msg);
            goto done;
        }
        /* the start of the dynamics, so that other codes can run the same protocol */
        if (!m.restart && mdcli_write_structure(&m, f, "start.xyz")) goto done;
    }
    if (aion_md_create(&md, f, p, &o, &err) != AION_OK) {
        cli_fail("%s", err.msg);
        goto done;
    }
    aion_md_init_velocities(md, q.t_start_K);
    rec = cli_record_begin(argc, argv);
    cli_record_options(rec, t, k);
    cli_record_string(rec, "inputs", "potential_description", aion_potential_describe(p));
    long total = 0;
    for (int s = 0; s < nseg; s++) total += segs[s].nsteps;
    fprintf(stderr, "aion: quench of %d atoms, %d stages, %ld steps (%.1f ps)\n", f->n, nseg, total, total * m.dt / 1000);
    rc = mdcli_run(&m, md, segs, nseg, "quench");
    if (rc == 0) rc = mdcli_finish(&m, md, rec, "glass.xyz");
done:
    free(segs);
    cli_record_free(rec);
    aion_md_free(md);
    aion_potential_free(p);
    aion_frames_free(frames, nframes);
    aion_frame_free(&start);
    free(groups);
    cli_opts_free();
    return rc;
}
