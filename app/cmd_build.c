/* aion build interface|bcc: metal || glass interface models and bcc metal
 * crystals/slabs (library: aion_build_interface, aion_build_bcc_slab). */
#include "cli.h"
#include "opts.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *usage =
    "usage: aion build interface --glass GLASS.xyz --out IFACE.xyz [options]\n"
    "       aion build bcc --size N1xN2 --out SLAB.xyz [options]\n\n"
    "interface: a bcc metal with its (100) or (110) face normal to z, strained laterally onto the\n"
    "glass cell's a and b (smallest strain; the glass keeps its cell), stacked metal | gap | glass |\n"
    "gap along z (periodic: two interfaces) or metal | gap | glass | vacuum (--vacuum). The glass\n"
    "(orthorhombic cell) is cut at its widest empty height interval, keeping covalent units such as\n"
    "PO4 whole (--no-whole cuts bonds). Atoms get the integer column `region` (0 metal, 1 glass).\n"
    "Prints the heights of the regions and `aion analyze slab --edges` for metal, the two interface\n"
    "layers of the glass (--iface-width thick) and the bulk glass between them.\n"
    "bcc: N1 x N2 surface cells of the face, --layers planes, --vacuum above (0 = periodic crystal).";

static int parse_size(const char *s, int *n1, int *n2)
{
    char tail;
    return (s && sscanf(s, "%dx%d%c", n1, n2, &tail) == 2 && *n1 >= 1 && *n2 >= 1) ? 0 : -1;
}

int cmd_build(int argc, char **argv)
{
    cli_opt t[24];
    int k = 0, npos, rc = 1, frame = -1, layers = 6, face = 100, no_whole = 0;
    const char *glass_path = NULL, *out = NULL, *metal = "Li", *size = NULL;
    double a = 0, gap = 2.0, vacuum = 0, max_strain = 0.05, width = 5.0;
    char *pos[2];
    aion_frame *frames = NULL, built;
    int nframes = 0;
    aion_error err;
    aion_writer *w = NULL;
    aion_frame_init(&built);
    t[k++] = (cli_opt){"glass", OPT_STR, &glass_path, "glass structure (orthorhombic cell; the last frame unless --frame)", 0, NULL, 0};
    t[k++] = (cli_opt){"frame", OPT_INT, &frame, "frame of --glass to use (0-based; default the last)", 0, NULL, 0};
    t[k++] = (cli_opt){"out", OPT_STR, &out, "output structure (extxyz keeps the region column)", 0, NULL, 0};
    t[k++] = (cli_opt){"metal", OPT_STR, &metal, "bcc metal element (default Li)", 0, NULL, 0};
    t[k++] = (cli_opt){"a", OPT_DBL, &a, "bcc lattice parameter (Å; default 3.44 for Li)", 0, NULL, 0};
    t[k++] = (cli_opt){"face", OPT_INT, &face, "face normal to z: 100 or 110 (default 100)", 0, NULL, 0};
    t[k++] = (cli_opt){"layers", OPT_INT, &layers, "atomic planes of the metal (default 6)", 0, NULL, 0};
    t[k++] = (cli_opt){"gap", OPT_DBL, &gap, "empty height between metal plane and nearest glass atom (Å; default 2.0)", 0, NULL, 0};
    t[k++] = (cli_opt){"vacuum", OPT_DBL, &vacuum, "vacuum above the glass (Å); 0 = periodic stack (default)", 0, NULL, 0};
    t[k++] = (cli_opt){"no-whole", OPT_FLAG, &no_whole, "cut the glass at a plane even through covalent units", 0, NULL, 0};
    t[k++] = (cli_opt){"max-strain", OPT_DBL, &max_strain, "refuse a lateral metal strain above this fraction (default 0.05)", 0, NULL, 0};
    t[k++] = (cli_opt){"iface-width", OPT_DBL, &width, "thickness of the glass interface layers in the printed edges (Å; default 5)", 0, NULL, 0};
    t[k++] = (cli_opt){"size", OPT_STR, &size, "bcc: surface cells N1xN2", 0, NULL, 0};
    int prc = cli_parse(argc, argv, t, k, usage, pos, 2, &npos);
    if (prc) {
        cli_opts_free();
        return prc == 2 ? 0 : 1;
    }
    int mz = aion_element_z(metal);
    if (npos != 1 || (strcmp(pos[0], "interface") && strcmp(pos[0], "bcc"))) {
        cli_fail("say what to build: aion build interface ... or aion build bcc ... (see --help)");
        goto done;
    }
    if (!out) {
        cli_fail("--out FILE is required");
        goto done;
    }
    if (!mz) {
        cli_fail("unknown element '%s' for --metal", metal);
        goto done;
    }
    if (!strcmp(pos[0], "bcc")) {
        int n1, n2;
        if (parse_size(size, &n1, &n2)) {
            cli_fail("bcc needs --size N1xN2 with positive integers (e.g. 3x3)");
            goto done;
        }
        if (a == 0 && mz == 3) a = 3.44;
        if (aion_build_bcc_slab(mz, a, face, n1, n2, layers, vacuum, &built, &err)) {
            cli_fail("%s", err.msg);
            goto done;
        }
        fprintf(stderr, "aion: bcc %s(%d), a = %g Å: %d atoms, cell %.4f x %.4f x %.4f Å\n", metal, face, a, built.n,
                built.cell[0][0], built.cell[1][1], built.cell[2][2]);
    } else {
        aion_interface_opts o;
        aion_interface_info info;
        if (!glass_path) {
            cli_fail("interface needs --glass FILE");
            goto done;
        }
        if (aion_read_all(glass_path, NULL, &frames, &nframes, &err)) {
            cli_fail("%s", err.msg);
            goto done;
        }
        if (nframes < 1) {
            cli_fail("%s: no frames", glass_path);
            goto done;
        }
        if (frame < -1 || frame >= nframes) {
            cli_fail("--frame %d: %s has %d frames", frame, glass_path, nframes);
            goto done;
        }
        aion_interface_opts_init(&o);
        o.metal_z = mz;
        o.a_A = a;
        o.face = face;
        o.layers = layers;
        o.gap_A = gap;
        o.vacuum_A = vacuum;
        o.whole = !no_whole;
        o.max_strain = max_strain;
        if (aion_build_interface(&frames[frame < 0 ? nframes - 1 : frame], &o, &built, &info, &err)) {
            cli_fail("%s: %s", glass_path, err.msg);
            goto done;
        }
        double c = info.c_A, g0 = info.glass_z_A[0], g1 = info.glass_z_A[1];
        fprintf(stderr,
                "aion: %s(%d) || glass: %d metal + %d glass atoms, cell %.4f x %.4f x %.4f Å\n"
                "aion: metal %d x %d surface cells of %.4f x %.4f Å, %d planes %.4f Å apart; lateral strain of the "
                "metal %+.3f %% (a), %+.3f %% (b)\n"
                "aion: metal planes z = %.3f..%.3f Å, glass z = %.3f..%.3f Å; smallest metal-glass distance "
                "%.3f Å; %d covalent units kept whole across the cut\n",
                metal, face, info.n_metal, info.n_glass, built.cell[0][0], built.cell[1][1], c, info.rep[0],
                info.rep[1], info.period_A[0], info.period_A[1], layers, info.spacing_A, 100 * info.strain[0],
                100 * info.strain[1], info.metal_z_A[0], info.metal_z_A[1], g0, g1, info.min_dist_A,
                info.units_whole);
        if (g1 - g0 > 2 * width) {
            char buf[256];
            snprintf(buf, sizeof buf, "0,%.3f,%.3f,%.3f,%.3f", g0, g0 + width, g1 - width, c);
            aion_frame_info_set(&built, "interface_edges_A", buf);
            aion_frame_info_set(&built, "interface_regions", vacuum > 0 ? "metal,interface,glass,surface"
                                                                        : "metal,interface,glass,interface");
            printf("--edges %s   # %s\n", buf,
                   vacuum > 0 ? "metal+gap | glass at the metal | bulk glass | glass at the vacuum"
                              : "metal+gaps | glass interface 1 | bulk glass | glass interface 2");
        } else {
            fprintf(stderr, "aion: the glass (%.2f Å) is thinner than two interface layers of %.2f Å: no edges\n",
                    g1 - g0, width);
        }
    }
    if (aion_writer_open(&w, out, NULL, &err) || aion_writer_write(w, &built)) {
        cli_fail("%s", w ? aion_writer_errmsg(w) : err.msg);
        aion_writer_abort(w);
        goto done;
    }
    if (aion_writer_close(w, &err)) {
        cli_fail("%s", err.msg);
        goto done;
    }
    rc = 0;
done:
    aion_frames_free(frames, nframes);
    aion_frame_free(&built);
    cli_opts_free();
    return rc;
}
