/*
 * aion eval: energy, forces and stress of every frame of a file, written as
 * extended XYZ (energy=, stress="9 numbers" in eV/Å³ with the ASE sign, a
 * forces column, and per-atom energies with --per-atom). Frames are streamed.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: aion eval --potential SPEC --in FILE --out OUT.xyz [options]\n\n"
            "Evaluate a potential on every frame of FILE and write extended XYZ with\n"
            "energy= (eV), stress=\"9 numbers\" (eV/A^3, ASE sign: tensile positive) and forces (eV/A).\n\n"
            "  --potential SPEC      pedone, pedone:fe3, a parameter file (*.pot, see docs/potentials.md)\n"
            "                        or an MTP file (*.mtp)\n"
            "  --in FILE             input structures (any format aion reads; '-' = stdin with --format)\n"
            "  --format NAME         input format (default: from the file name)\n"
            "  --out OUT.xyz         output (extended XYZ; written atomically)\n"
            "  --coulomb METHOD      ewald, dsf, cut or none (default: the model's)\n"
            "  --cutoff A            Coulomb cutoff (A; default DSF 8, Ewald/cut 10)\n"
            "  --sr-cutoff A         override every short-range cutoff (A)\n"
            "  --dsf-alpha a         DSF damping (1/A; default 0.25)\n"
            "  --ewald-accuracy acc  Ewald relative force accuracy (default 1e-8)\n"
            "  --skin A              neighbour-list skin (A; default 1)\n"
            "  --species A,B,C       elements of types 1,2,3 (LAMMPS data/dump without elements, .cfg, .mtp)\n"
            "  --threads N           OpenMP threads (default: OpenMP's)\n"
            "  --per-atom            also write per-atom energies (column 'energies')\n"
            "  --charges             also write the model's charges (charge equilibration; column 'initial_charges')\n"
            "  --describe            print the potential's description to stderr\n");
}

static int num_arg(const char *opt, const char *val, double *out, int positive)
{
    char *end;
    double v;
    if (!val) return cli_fail("%s needs a value", opt);
    v = strtod(val, &end);
    if (end == val || *end || !(v == v) || v > 1e300 || v < -1e300) return cli_fail("%s: '%s' is not a number", opt, val);
    if (positive && !(v > 0)) return cli_fail("%s must be positive (got %s)", opt, val);
    *out = v;
    return 0;
}

int cmd_eval(int argc, char **argv)
{
    const char *spec = NULL, *in = NULL, *outp = NULL, *fmt = NULL;
    int per_atom = 0, want_q = 0, describe = 0, nspecies = 0, species[AION_MAX_Z + 1];
    aion_potential_opts po;
    aion_read_opts ro;
    aion_write_opts wo;
    aion_potential *pot = NULL;
    aion_reader *rd = NULL;
    aion_writer *wr = NULL;
    aion_frame f;
    aion_error err = {0};
    aion_status st;
    long nframes = 0, natoms = 0;
    int rc = 1;
    struct timespec t0, t1;

    aion_potential_opts_init(&po);
    aion_read_opts_init(&ro);
    aion_write_opts_init(&wo);
    aion_frame_init(&f);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        double x = 0;
        if (cli_is_help(a)) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--charges")) {
            want_q = 1;
            continue;
        }
        if (!strcmp(a, "--per-atom")) {
            per_atom = 1;
            continue;
        }
        if (!strcmp(a, "--describe")) {
            describe = 1;
            continue;
        }
        if (!v) {
            usage(stderr);
            return cli_fail("unknown option or missing value: '%s'", a);
        }
        i++;
        if (!strcmp(a, "--potential")) spec = v;
        else if (!strcmp(a, "--in")) in = v;
        else if (!strcmp(a, "--out")) outp = v;
        else if (!strcmp(a, "--format")) fmt = v;
        else if (!strcmp(a, "--coulomb")) {
            if (!strcmp(v, "ewald")) po.coulomb = AION_COUL_EWALD;
            else if (!strcmp(v, "dsf")) po.coulomb = AION_COUL_DSF;
            else if (!strcmp(v, "cut")) po.coulomb = AION_COUL_CUT;
            else if (!strcmp(v, "none")) po.coulomb = AION_COUL_NONE;
            else return cli_fail("--coulomb: unknown method '%s' (ewald, dsf, cut, none)", v);
        } else if (!strcmp(a, "--cutoff")) {
            if (num_arg(a, v, &po.coul_cutoff, 1)) return 1;
        } else if (!strcmp(a, "--sr-cutoff")) {
            if (num_arg(a, v, &po.sr_cutoff, 1)) return 1;
        } else if (!strcmp(a, "--dsf-alpha")) {
            if (num_arg(a, v, &po.dsf_alpha, 1)) return 1;
        } else if (!strcmp(a, "--ewald-accuracy")) {
            if (num_arg(a, v, &po.ewald_accuracy, 1)) return 1;
            if (po.ewald_accuracy >= 1) return cli_fail("--ewald-accuracy must be below 1");
        } else if (!strcmp(a, "--skin")) {
            if (num_arg(a, v, &po.skin, 1)) return 1;
        } else if (!strcmp(a, "--threads")) {
            if (num_arg(a, v, &x, 1) || x != (int)x || x > 4096) return cli_fail("--threads needs a positive integer");
            po.nthreads = (int)x;
        } else if (!strcmp(a, "--species")) {
            nspecies = cli_parse_species(v, species, AION_MAX_Z);
            if (nspecies <= 0) return nspecies < 0 ? 1 : cli_fail("--species: empty list");
        } else {
            usage(stderr);
            return cli_fail("unknown option '%s'", a);
        }
    }
    if (!spec || !in || !outp) {
        usage(stderr);
        return cli_fail("eval needs --potential, --in and --out");
    }
    if (fmt) {
        ro.format = aion_format_from_name(fmt);
        if (ro.format == AION_FMT_AUTO) return cli_fail("--format: unknown format '%s'", fmt);
    }
    if (nspecies) {
        ro.type_z = species;
        ro.n_type_z = nspecies;
        po.species_z = species;
        po.n_species_z = nspecies;
    }
    wo.format = AION_FMT_EXTXYZ;

    if (aion_potential_create(&pot, spec, &po, &err) != AION_OK) {
        cli_fail("%s", err.msg);
        goto done;
    }
    if (describe) fprintf(stderr, "%s", aion_potential_describe(pot));
    if (aion_reader_open(&rd, in, &ro, &err) != AION_OK) {
        cli_fail("%s", err.msg);
        goto done;
    }
    if (aion_writer_open(&wr, outp, &wo, &err) != AION_OK) {
        cli_fail("%s", err.msg);
        goto done;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while ((st = aion_reader_next(rd, &f)) == AION_OK) {
        aion_eval ev = {0};
        int periodic = (f.has & AION_HAS_CELL) && aion_frame_volume(&f) > 0;
        unsigned want = AION_HAS_FORCES | AION_HAS_ENERGY | (per_atom ? AION_HAS_ATOM_ENERGY : 0) |
                        (want_q ? AION_HAS_CHARGE : 0);
        if (aion_frame_resize(&f, f.n, want) != AION_OK) {
            cli_fail("out of memory");
            goto done;
        }
        ev.forces = f.forces;
        ev.atom_energy = per_atom ? f.atom_energy : NULL;
        ev.charges = want_q ? f.charge : NULL;
        ev.want_virial = periodic;
        if (aion_potential_compute(pot, &f, &ev) != AION_OK) {
            cli_fail("%s: frame %ld: %s", in, nframes + 1, aion_potential_errmsg(pot));
            goto done;
        }
        if (want_q && !ev.charges_set) {
            cli_fail("--charges: potential %s computes no charges", aion_potential_name(pot));
            goto done;
        }
        f.energy = ev.energy;
        f.has &= ~(unsigned)AION_HAS_STRESS;
        if (periodic) {
            double vol = aion_frame_volume(&f);
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++) f.stress[a][b] = -ev.virial[a][b] / vol;
            f.has |= AION_HAS_STRESS;
        }
        if (aion_writer_write(wr, &f) != AION_OK) {
            cli_fail("%s", aion_writer_errmsg(wr));
            goto done;
        }
        nframes++;
        natoms += f.n;
    }
    if (st != AION_EOF) {
        cli_fail("%s", aion_reader_errmsg(rd));
        goto done;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (aion_writer_close(wr, &err) != AION_OK) {
        wr = NULL;
        cli_fail("%s", err.msg);
        goto done;
    }
    wr = NULL;
    {
        double dt = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
        fprintf(stderr, "aion eval: %ld frames, %ld atoms, potential %s, %.3f s -> %s\n", nframes, natoms,
                aion_potential_name(pot), dt, outp);
    }
    rc = 0;
done:
    if (wr) aion_writer_abort(wr);
    aion_reader_close(rd);
    aion_potential_free(pot);
    aion_frame_free(&f);
    return rc;
}
