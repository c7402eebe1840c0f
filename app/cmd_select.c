/* aion select: pick the configurations of a pool on which an MTP extrapolates. */
#include "cli.h"
#include "opts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *usage =
    "usage: aion select --potential POT.mtp --species Li[,..] --pool FILE --out SELECTED.xyz\n"
    "                   [--threshold 2] [--max N] [--active-set POT.als] [--train FILE] [--grades FILE.csv]\n"
    "Computes the extrapolation grade (MaxVol, Podryabinkin & Shapeev 2017) of every configuration of the pool\n"
    "against the potential's active set (POT.als, written by `aion train`; or built here from --train) and\n"
    "writes the configurations to label next: greedily the one with the largest grade above the threshold,\n"
    "then the grades of the rest are updated as if it had been added, and so on (similar configurations are\n"
    "picked once). Each written frame carries its grade as `mtp_gamma`.";

int cmd_select(int argc, char **argv)
{
    const char *pot = NULL, *species = NULL, *poolp = NULL, *out = NULL, *als = NULL, *train = NULL, *grades = NULL;
    double threshold = 2.0;
    int maxn = 0, nthreads = 0, k = 0, npos, rc = 1, zs[64], nz;
    cli_opt t[16];
    char *pos[1];
    aion_frame *pool = NULL, *trf = NULL;
    int npool = 0, ntr = 0, *picked = NULL, npicked = 0;
    double *gam = NULL;
    aion_mtp_grade *g = NULL;
    aion_error err;
    char alsbuf[4200];
    t[k++] = (cli_opt){"potential", OPT_STR, &pot, "trained MTP (.mtp)", 0, NULL, 0};
    t[k++] = (cli_opt){"species", OPT_STR, &species, "elements of species 0,1,...", 0, NULL, 0};
    t[k++] = (cli_opt){"pool", OPT_STR, &poolp, "candidate configurations (any readable format)", 0, NULL, 0};
    t[k++] = (cli_opt){"out", OPT_STR, &out, "selected configurations (extended XYZ)", 0, NULL, 0};
    t[k++] = (cli_opt){"threshold", OPT_DBL, &threshold, "grade above which a configuration is picked (default 2)", 0, NULL, 0};
    t[k++] = (cli_opt){"max", OPT_INT, &maxn, "pick at most N configurations (default: no limit)", 0, NULL, 0};
    t[k++] = (cli_opt){"active-set", OPT_STR, &als, "active set (default POT.als)", 0, NULL, 0};
    t[k++] = (cli_opt){"train", OPT_STR, &train, "build the active set from this training set first (writes it)", 0, NULL, 0};
    t[k++] = (cli_opt){"grades", OPT_STR, &grades, "write every pool configuration's grade to this CSV", 0, NULL, 0};
    t[k++] = (cli_opt){"threads", OPT_INT, &nthreads, "OpenMP threads", 0, NULL, 0};
    int prc = cli_parse(argc, argv, t, k, usage, pos, 1, &npos);
    if (prc) {
        cli_opts_free();
        return prc == 2 ? 0 : 1;
    }
    if (!pot || !species || !poolp || !out) {
        cli_fail("--potential, --species, --pool and --out are required (aion select --help)");
        goto done;
    }
    if ((nz = cli_parse_species(species, zs, 64)) <= 0) goto done;
    aion_read_opts ro;
    aion_read_opts_init(&ro);
    ro.type_z = zs;
    ro.n_type_z = nz;
    if (!als) {
        size_t L = strlen(pot);
        snprintf(alsbuf, sizeof alsbuf, "%s", pot);
        if (L > 4 && L < sizeof alsbuf && !strcmp(alsbuf + L - 4, ".mtp")) alsbuf[L - 4] = 0;
        strncat(alsbuf, ".als", sizeof alsbuf - strlen(alsbuf) - 1);
        als = alsbuf;
    }
    if (train) {
        aion_mtp_grade_opts go;
        aion_mtp_grade_opts_init(&go);
        go.nthreads = nthreads;
        if (aion_read_all(train, &ro, &trf, &ntr, &err) ||
            aion_mtp_active_set_build(pot, zs, nz, trf, ntr, als, &go, &err)) {
            cli_fail("%s", err.msg);
            goto done;
        }
        fprintf(stderr, "aion: wrote the active set %s\n", als);
    }
    if (aion_mtp_grade_create(&g, pot, als, zs, nz, nthreads, &err)) {
        cli_fail("%s", err.msg);
        goto done;
    }
    if (aion_read_all(poolp, &ro, &pool, &npool, &err)) {
        cli_fail("%s", err.msg);
        goto done;
    }
    picked = calloc((size_t)npool + 1, sizeof *picked);
    gam = calloc((size_t)npool + 1, sizeof *gam);
    if (!picked || !gam) {
        cli_fail("out of memory");
        goto done;
    }
    if (aion_mtp_select(g, pool, npool, threshold, maxn, gam, picked, &npicked, &err)) {
        cli_fail("%s", err.msg);
        goto done;
    }
    int above = 0;
    for (int q = 0; q < npool; q++) above += gam[q] > threshold;
    {
        aion_write_opts wo;
        aion_writer *w = NULL;
        aion_write_opts_init(&wo);
        if (aion_writer_open(&w, out, &wo, &err)) {
            cli_fail("%s", err.msg);
            goto done;
        }
        for (int q = 0; q < npicked; q++) {
            char buf[64];
            aion_frame *f = &pool[picked[q]];
            snprintf(buf, sizeof buf, "%.6g", gam[picked[q]]);
            aion_frame_info_set(f, "mtp_gamma", buf);
            snprintf(buf, sizeof buf, "%d", picked[q]);
            aion_frame_info_set(f, "pool_index", buf);
            if (aion_writer_write(w, f)) {
                cli_fail("%s", aion_writer_errmsg(w));
                aion_writer_abort(w);
                goto done;
            }
        }
        if (aion_writer_close(w, &err)) {
            cli_fail("%s", err.msg);
            goto done;
        }
    }
    if (grades) {
        FILE *fp = fopen(grades, "w");
        if (!fp) {
            cli_fail("%s: cannot write", grades);
            goto done;
        }
        fprintf(fp, "pool_index,gamma,picked\n");
        for (int q = 0; q < npool; q++) {
            int p = 0;
            for (int j = 0; j < npicked; j++) p |= picked[j] == q;
            fprintf(fp, "%d,%.6g,%d\n", q, gam[q], p);
        }
        fclose(fp);
    }
    double gmax = 0;
    for (int q = 0; q < npool; q++) gmax = gam[q] > gmax ? gam[q] : gmax;
    printf("pool %d configurations: %d with grade > %g (largest %.3g); picked %d -> %s\n", npool, above, threshold,
           gmax, npicked, out);
    rc = 0;
done:
    aion_mtp_grade_free(g);
    if (pool) aion_frames_free(pool, npool);
    if (trf) aion_frames_free(trf, ntr);
    free(picked);
    free(gam);
    cli_opts_free();
    return rc;
}
