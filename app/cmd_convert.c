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
            "  --append           append to OUT instead of replacing it\n\n"
            "Structure generation (training sets; applied after --supercell in this order, labels dropped):\n"
            "  --copies K         write K perturbed copies of each selected frame (default 1)\n"
            "  --substitute A:B:N replace N random atoms of element A by B (e.g. O:N:4)\n"
            "  --remove A:N       then delete N random atoms of A (charge compensation, e.g. O:2)\n"
            "  --strain MAX       random symmetric strain, each component uniform in [-MAX, MAX] (0.03 = 3 %%)\n"
            "  --rattle SIGMA     Gaussian displacements, SIGMA Å per Cartesian component\n"
            "  --seed S           random seed (copy c of frame k uses stream k*K+c; default 1)\n"
            "  --info KEY=VALUE   set a per-frame field (repeatable), e.g. config_type=beta_rattled\n"
            "  --keep LIST        keep only species, positions, cell and these: energy, forces, stress,\n"
            "                     velocities, masses, charges, image, id, type, fixed, atom_energy, time,\n"
            "                     step, and any per-frame field or per-atom column named (e.g.\n"
            "                     energy,forces,stress,config_type); 'none' keeps nothing else; fields\n"
            "                     set with --info are always kept\n");
}

static int parse_el_count(const char *s, int *z, int *n, int two)
{
    char buf[64], *p, *q;
    long v;
    if (strlen(s) >= sizeof buf) return -1;
    strcpy(buf, s);
    if (!(p = strchr(buf, ':'))) return -1;
    *p++ = '\0';
    if (!(z[0] = aion_element_z(buf))) return -1;
    if (two) {
        if (!(q = strchr(p, ':'))) return -1;
        *q++ = '\0';
        if (!(z[1] = aion_element_z(p))) return -1;
        p = q;
    }
    v = strtol(p, &q, 10);
    if (*q || q == p || v < 0 || v > 1000000000L) return -1;
    *n = (int)v;
    return 0;
}

static const struct {
    const char *name;
    unsigned bit;
} keep_bits[] = {
    {"energy", AION_HAS_ENERGY}, {"forces", AION_HAS_FORCES},   {"stress", AION_HAS_STRESS},
    {"velocities", AION_HAS_VEL}, {"vel", AION_HAS_VEL},         {"masses", AION_HAS_MASS},
    {"mass", AION_HAS_MASS},      {"charges", AION_HAS_CHARGE}, {"charge", AION_HAS_CHARGE},
    {"image", AION_HAS_IMAGE},    {"id", AION_HAS_ID},           {"type", AION_HAS_TYPE},
    {"fixed", AION_HAS_FIXED},    {"atom_energy", AION_HAS_ATOM_ENERGY}, {"time", AION_HAS_TIME},
    {"step", AION_HAS_STEP},
};

/* Split LIST at commas into has bits (known names) and free-form keys. */
static int parse_keep(char *list, unsigned *bits, const char **keys, int max, int *nkeys)
{
    *bits = 0;
    *nkeys = 0;
    for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
        int known = 0;
        if (!*tok || !strcmp(tok, "none")) continue;
        for (size_t b = 0; b < sizeof keep_bits / sizeof keep_bits[0]; b++)
            if (!strcmp(tok, keep_bits[b].name)) {
                *bits |= keep_bits[b].bit;
                known = 1;
            }
        if (!known) {
            if (*nkeys >= max) return -1;
            keys[(*nkeys)++] = tok;
        }
    }
    return 0;
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

/* Apply --info KEY=VALUE fields; nonzero when out of memory. */
static int set_fields(aion_frame *f, const char *const *kv, int n)
{
    for (int i = 0; i < n; i++) {
        char key[256];
        const char *eq = strchr(kv[i], '=');
        size_t len = (size_t)(eq - kv[i]);
        if (len >= sizeof key) len = sizeof key - 1;
        memcpy(key, kv[i], len);
        key[len] = '\0';
        if (aion_frame_info_set(f, key, eq + 1)) return 1;
    }
    return 0;
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
    long k, nwritten = 0, copies = 1;
    double strain_max = 0, rattle = 0;
    unsigned long long seed = 1;
    aion_subst sub = {0, 0, 0, 0, 0};
    const char *info_kv[64];
    int n_info_kv = 0, do_keep = 0, nkeep = 0;
    unsigned keep_bits_set = 0;
    const char *keep_keys[64];
    char *keep_list = NULL;
    aion_status st;
    int rc = 1, perturb;

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
        } else if (!strcmp(a, "--copies")) {
            char *end;
            if (!has_val) return cli_fail("--copies needs a number");
            copies = strtol(argv[++i], &end, 10);
            if (*end || copies < 1 || copies > 1000000) return cli_fail("--copies must be 1..1000000");
        } else if (!strcmp(a, "--strain") || !strcmp(a, "--rattle")) {
            char *end;
            double v;
            if (!has_val) return cli_fail("%s needs a value", a);
            v = strtod(argv[++i], &end);
            if (*end || !(v >= 0) || v > (a[2] == 's' ? 0.5 : 2.0))
                return cli_fail("%s must be a number in [0, %s]", a, a[2] == 's' ? "0.5" : "2 Å");
            if (a[2] == 's') strain_max = v;
            else rattle = v;
        } else if (!strcmp(a, "--substitute")) {
            int z[2];
            if (!has_val || parse_el_count(argv[++i], z, &sub.count, 1))
                return cli_fail("--substitute needs FROM:TO:N with elements and a count (e.g. O:N:4)");
            sub.z_from = z[0];
            sub.z_to = z[1];
        } else if (!strcmp(a, "--remove")) {
            if (!has_val || parse_el_count(argv[++i], &sub.z_remove, &sub.n_remove, 0))
                return cli_fail("--remove needs ELEMENT:N (e.g. O:2)");
        } else if (!strcmp(a, "--seed")) {
            char *end;
            if (!has_val) return cli_fail("--seed needs a number");
            seed = strtoull(argv[++i], &end, 10);
            if (*end || argv[i][0] == '-' || !argv[i][0]) return cli_fail("--seed needs a non-negative integer");
        } else if (!strcmp(a, "--info")) {
            if (!has_val || !strchr(argv[i + 1], '=') || argv[i + 1][0] == '=')
                return cli_fail("--info needs KEY=VALUE");
            if (n_info_kv >= 64) return cli_fail("--info: at most 64 fields");
            info_kv[n_info_kv++] = argv[++i];
        } else if (!strcmp(a, "--keep")) {
            if (!has_val) return cli_fail("--keep needs a list (e.g. energy,forces,stress,config_type)");
            free(keep_list);
            keep_list = strdup(argv[++i]);
            if (!keep_list || parse_keep(keep_list, &keep_bits_set, keep_keys, 64, &nkeep)) {
                free(keep_list);
                return cli_fail("--keep: too many names");
            }
            do_keep = 1;
        } else if (a[0] == '-' && a[1] == '-') {
            return cli_fail("convert: unknown option '%s' (see aion convert --help)", a);
        } else if (!in) {
            in = a;
        } else if (!out) {
            out = a;
        } else {
            free(keep_list);
            return cli_fail("convert: too many arguments ('%s')", a);
        }
    }
    if (!in || !out) {
        free(keep_list);
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

    perturb = copies > 1 || strain_max > 0 || rattle > 0 || sub.count > 0 || sub.n_remove > 0;
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
        if (!perturb) {
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
            /* strip first: a field set with --info is kept whatever --keep says */
            if (do_keep) aion_frame_strip(o == &f ? &f : &g, keep_bits_set, keep_keys, nkeep);
            if (set_fields(o == &f ? &f : &g, info_kv, n_info_kv)) goto nomem;
            if (aion_writer_write(w, o)) {
                cli_fail("%s", aion_writer_errmsg(w));
                goto done;
            }
            nwritten++;
            continue;
        }
        for (long c = 0; c < copies; c++) {
            aion_rng rng;
            /* each copy is made from the frame as read: g = (supercell of) f */
            if (do_super) {
                if (aion_frame_supercell(&g, &f, rep, &err)) {
                    cli_fail("%s: frame %ld: %s", in, k, err.msg);
                    goto done;
                }
            } else if (aion_frame_copy(&g, &f)) {
                goto nomem;
            }
            aion_rng_seed(&rng, seed, (uint64_t)(k * copies + c));
            if ((sub.count > 0 || sub.n_remove > 0) && aion_frame_substitute(&g, &sub, &rng, &err)) {
                cli_fail("%s: frame %ld: %s", in, k, err.msg);
                goto done;
            }
            if (strain_max > 0) {
                double eps[3][3];
                aion_strain_random(&rng, strain_max, eps);
                if (aion_frame_strain(&g, eps, &err)) {
                    cli_fail("%s: frame %ld: %s", in, k, err.msg);
                    goto done;
                }
            }
            if (rattle > 0 && aion_frame_rattle(&g, rattle, &rng, &err)) {
                cli_fail("%s: frame %ld: %s", in, k, err.msg);
                goto done;
            }
            if (do_wrap && aion_frame_wrap(&g)) {
                cli_fail("%s: frame %ld: cannot wrap: the cell is singular", in, k);
                goto done;
            }
            if (do_keep) aion_frame_strip(&g, keep_bits_set, keep_keys, nkeep);
            if (set_fields(&g, info_kv, n_info_kv)) goto nomem;
            if (aion_writer_write(w, &g)) {
                cli_fail("%s", aion_writer_errmsg(w));
                goto done;
            }
            nwritten++;
        }
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
    goto done;
nomem:
    cli_fail("out of memory");
done:
    free(keep_list);
    if (rc && r) print_notes(r);
    if (w) aion_writer_abort(w); /* nothing half-written appears at OUT */
    aion_reader_close(r);
    aion_frame_free(&f);
    aion_frame_free(&g);
    return rc;
}
