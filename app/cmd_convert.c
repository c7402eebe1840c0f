/* aion convert IN OUT: stream frames from one format to another. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: aion convert IN OUT [options]\n\n"
            "Convert a structure or trajectory file frame by frame (formats from the file names,\n"
            "or given). The output appears only when everything was written (atomic rename).\n\n"
            "  --format-in F      input format (extxyz, poscar, xdatcar, outcar, lammps-data,\n"
            "                     lammps-dump, cfg, cif); default: from the name\n"
            "  --format-out F     output format; default: from the name\n"
            "  --species A,B,C    elements of types 1,2,3... (LAMMPS files, MLIP .cfg); also the\n"
            "                     type order when writing those formats\n"
            "  --supercell NxMxK  replicate each frame along a, b, c\n"
            "  --wrap             wrap positions into the cell (periodic directions)\n"
            "  --frames S:E:K     frames to keep, Python slice (e.g. ::10, -1, 100:200)\n"
            "  --precision N      significant digits for reals (default: exact round trip)\n"
            "  --append           append to OUT instead of replacing it\n");
}

static int parse_supercell(const char *s, int rep[3])
{
    char tail;
    if (sscanf(s, "%dx%dx%d%c", &rep[0], &rep[1], &rep[2], &tail) != 3 &&
        sscanf(s, "%d,%d,%d%c", &rep[0], &rep[1], &rep[2], &tail) != 3)
        return -1;
    return (rep[0] >= 1 && rep[1] >= 1 && rep[2] >= 1) ? 0 : -1;
}

static void print_notes(aion_reader *r)
{
    const char *notes = aion_reader_notes(r);
    if (notes) fputs(notes, stderr);
}

int cmd_convert(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *frames = NULL;
    aion_read_opts ro;
    aion_write_opts wo;
    aion_slice sl;
    aion_error err;
    aion_reader *r = NULL;
    aion_writer *w = NULL;
    aion_frame f, g;
    int species[AION_MAX_Z], nspecies = 0, rep[3] = {1, 1, 1}, do_super = 0, do_wrap = 0;
    long k, nwritten = 0;
    aion_status st;
    int rc = 1;

    aion_read_opts_init(&ro);
    aion_write_opts_init(&wo);
    aion_slice_all(&sl);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_val = i + 1 < argc;
        if (cli_is_help(a)) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--format-in") || !strcmp(a, "--format-out")) {
            aion_format fm;
            if (!has_val) return cli_fail("%s needs a value", a);
            fm = aion_format_from_name(argv[++i]);
            if (fm == AION_FMT_AUTO) return cli_fail("unknown format '%s'", argv[i]);
            if (a[9] == 'i') ro.format = fm;
            else wo.format = fm;
        } else if (!strcmp(a, "--species")) {
            if (!has_val) return cli_fail("--species needs a list such as Li,P,O");
            nspecies = cli_parse_species(argv[++i], species, AION_MAX_Z);
            if (nspecies < 0) return 1;
        } else if (!strcmp(a, "--supercell")) {
            if (!has_val || parse_supercell(argv[++i], rep))
                return cli_fail("--supercell needs NxMxK with positive integers (e.g. 2x2x2)");
            do_super = rep[0] * rep[1] * rep[2] > 1;
        } else if (!strcmp(a, "--wrap")) {
            do_wrap = 1;
        } else if (!strcmp(a, "--frames")) {
            if (!has_val) return cli_fail("--frames needs START:STOP:STEP");
            frames = argv[++i];
        } else if (!strcmp(a, "--precision")) {
            char *end;
            long p;
            if (!has_val) return cli_fail("--precision needs a number of digits");
            p = strtol(argv[++i], &end, 10);
            if (*end || p < 1 || p > 17) return cli_fail("--precision must be 1..17");
            wo.precision = (int)p;
        } else if (!strcmp(a, "--append")) {
            wo.append = 1;
        } else if (a[0] == '-' && a[1] == '-') {
            return cli_fail("convert: unknown option '%s' (see aion convert --help)", a);
        } else if (!in) {
            in = a;
        } else if (!out) {
            out = a;
        } else {
            return cli_fail("convert: too many arguments ('%s')", a);
        }
    }
    if (!in || !out) {
        usage(stderr);
        return 2;
    }
    if (nspecies > 0) {
        ro.type_z = species;
        ro.n_type_z = nspecies;
        wo.type_z = species;
        wo.n_type_z = nspecies;
    }
    if (frames && aion_slice_parse(&sl, frames, &err)) return cli_fail("%s", err.msg);
    if (aion_slice_needs_count(&sl)) {
        long n;
        if (!strcmp(in, "-")) return cli_fail("--frames with negative indices needs a file, not stdin");
        if (aion_count_frames(in, &ro, &n, &err)) return cli_fail("%s", err.msg);
        aion_slice_resolve(&sl, n);
    }

    aion_frame_init(&f);
    aion_frame_init(&g);
    if (aion_reader_open(&r, in, &ro, &err)) {
        cli_fail("%s", err.msg);
        goto done;
    }
    if (aion_writer_open(&w, out, &wo, &err)) {
        cli_fail("%s", err.msg);
        goto done;
    }
    for (k = 0;; k++) {
        const aion_frame *o = &f;
        int sel;
        st = aion_reader_next(r, &f);
        if (st == AION_EOF) break;
        if (st) {
            cli_fail("%s", aion_reader_errmsg(r));
            goto done;
        }
        sel = aion_slice_select(&sl, k);
        if (sel < 0) break;
        if (!sel) continue;
        if (do_wrap && (st = aion_frame_wrap(&f))) {
            cli_fail("%s: frame %ld: cannot wrap: the cell is singular", in, k);
            goto done;
        }
        if (do_super) {
            if (aion_frame_supercell(&g, &f, rep, &err)) {
                cli_fail("%s: frame %ld: %s", in, k, err.msg);
                goto done;
            }
            o = &g;
        }
        if (aion_writer_write(w, o)) {
            cli_fail("%s", aion_writer_errmsg(w));
            goto done;
        }
        nwritten++;
    }
    print_notes(r);
    if (aion_writer_close(w, &err)) {
        w = NULL;
        cli_fail("%s", err.msg);
        goto done;
    }
    w = NULL;
    fprintf(stderr, "aion: %s (%s) -> %s (%s): %ld frame%s\n", in, aion_format_name(aion_reader_format(r)), out,
            aion_format_name(wo.format ? wo.format : aion_format_guess(out)), nwritten, nwritten == 1 ? "" : "s");
    rc = 0;
done:
    if (rc && r) print_notes(r);
    if (w) aion_writer_abort(w); /* nothing half-written appears at OUT */
    aion_reader_close(r);
    aion_frame_free(&f);
    aion_frame_free(&g);
    return rc;
}
