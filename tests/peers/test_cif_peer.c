/*
 * Peer check of the CIF reader against pymatgen (CifParser) and ASE
 * (ase.io.read): for the shared LiFePO4 and beta-Li3PO4 files and for
 * hand-written CIFs that need symmetry expansion (P2_1/c, Fm-3m rock salt
 * from 192 operations, P3_221 with 'x-y' style operations and Si on a special position, triclinic P-1),
 * aion must give the same cell parameters and the same atoms (element and
 * fractional position, matched one to one up to permutation, 1e-6).
 * Skips (77) when python3 with pymatgen and ASE is not available.
 */
#include "test.h"
#include "internal.h"

#include <spglib.h>

static char dir[64];

/* python3 peer.py OUT CIF...: writes OUT.<k>.<tool> for the k-th CIF */
static const char script[] =
    "import sys, warnings\n"
    "warnings.filterwarnings('ignore')\n"
    "from pymatgen.io.cif import CifParser\n"
    "import ase.io\n"
    "out = sys.argv[1]\n"
    "for k, path in enumerate(sys.argv[2:]):\n"
    "    try:\n"
    "        s = CifParser(path).get_structures(primitive=False)[0]\n"
    "        L = s.lattice\n"
    "        with open('%s.%d.pymatgen' % (out, k), 'w') as fp:\n"
    "            print(len(s), L.a, L.b, L.c, L.alpha, L.beta, L.gamma, file=fp)\n"
    "            for site in s:\n"
    "                print(site.specie.Z, *[repr(float(v)) for v in site.frac_coords], file=fp)\n"
    "    except Exception as e:\n"
    "        print('pymatgen', path, e, file=sys.stderr)\n"
    "    try:\n"
    "        a = ase.io.read(path, format='cif')\n"
    "        with open('%s.%d.ase' % (out, k), 'w') as fp:\n"
    "            print(len(a), *a.cell.cellpar(), file=fp)\n"
    "            for z, f in zip(a.numbers, a.get_scaled_positions(wrap=True)):\n"
    "                print(z, *[repr(float(v)) for v in f], file=fp)\n"
    "    except Exception as e:\n"
    "        print('ase', path, e, file=sys.stderr)\n";

static const char *P(const char *name)
{
    static char buf[8][256];
    static int k;
    char *p = buf[k++ % 8];
    snprintf(p, 256, "%s/%s", dir, name);
    return p;
}

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    if (!fp) return;
    fputs(text, fp);
    fclose(fp);
}

static void compare_with(const char *cif, int idx, const char *tool)
{
    char out[300];
    FILE *fp;
    int n = 0, ok = 1, matched = 0;
    double par[6], abc[3], ang[3], inv[3][3];
    aion_read_opts o;
    aion_frame *fr;
    aion_error e;
    int nf;
    unsigned char *used;
    snprintf(out, sizeof out, "%s/peer.%d.%s", dir, idx, tool);
    aion_read_opts_init(&o);
    CHECK_OK(aion_read_all(cif, &o, &fr, &nf, &e));
    if (nf != 1) {
        fprintf(stderr, "%s: %s\n", cif, e.msg);
        CHECK(nf == 1);
        return;
    }
    fp = fopen(out, "r");
    if (!fp) printf("%s gave no result for %s\n", tool, cif);
    if (!fp || fscanf(fp, "%d %lf %lf %lf %lf %lf %lf", &n, &par[0], &par[1], &par[2], &par[3], &par[4], &par[5]) != 7) {
        CHECK(0);
        if (fp) fclose(fp);
        aion_frames_free(fr, nf);
        return;
    }
    aion_cell_to_params(fr[0].cell, abc, ang);
    for (int k = 0; k < 3; k++) {
        CHECK_NEAR(abc[k], par[k], 1e-9);
        CHECK_NEAR(ang[k], par[3 + k], 1e-9);
    }
    CHECK(n == fr[0].n);
    aion_cell_inverse(fr[0].cell, inv);
    used = calloc((size_t)fr[0].n + 1, 1);
    for (int q = 0; q < n; q++) {
        int z, hit = -1;
        double f[3];
        if (fscanf(fp, "%d %lf %lf %lf", &z, &f[0], &f[1], &f[2]) != 4) {
            ok = 0;
            break;
        }
        for (int i = 0; i < fr[0].n && hit < 0; i++) {
            double s[3], d = 0;
            if (used[i] || fr[0].z[i] != z) continue;
            for (int k = 0; k < 3; k++) {
                double t = fr[0].pos[i][0] * inv[0][k] + fr[0].pos[i][1] * inv[1][k] + fr[0].pos[i][2] * inv[2][k] - f[k];
                t -= round(t);
                d = fmax(d, fabs(t));
            }
            (void)s;
            if (d < 1e-6) hit = i;
        }
        if (hit >= 0) used[hit] = 1, matched++;
    }
    fclose(fp);
    CHECK(ok);
    CHECK(matched == n && matched == fr[0].n);
    printf("%-10s %-28s aion %3d atoms, peer %3d, matched %3d\n", tool, strrchr(cif, '/') + 1, fr[0].n, n, matched);
    free(used);
    aion_frames_free(fr, nf);
}

static const char p21c[] =
    "data_p21c\n_cell_length_a 5.0\n_cell_length_b 6.0\n_cell_length_c 7.0\n_cell_angle_alpha 90\n"
    "_cell_angle_beta 100.0\n_cell_angle_gamma 90\n_symmetry_space_group_name_H-M 'P 21/c'\n"
    "loop_\n_symmetry_equiv_pos_site_id\n_symmetry_equiv_pos_as_xyz\n1 'x, y, z'\n2 '-x,1/2+y,0.5-z'\n"
    "3 '-x, -y, -z'\n4 'x,-y+1/2, z+0.5'\n"
    "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n"
    "Fe1 Fe 0.1 0.2 0.3\nO1 O 0 0 0\nLi1 Li 0.5 0.5 0.5\nP1 P 0.7 0.1 0.95\n";

static const char quartz[] =
    "data_quartz\n_cell_length_a 4.916\n_cell_length_b 4.916\n_cell_length_c 5.4054\n_cell_angle_alpha 90\n"
    "_cell_angle_beta 90\n_cell_angle_gamma 120\n_symmetry_space_group_name_H-M 'P 32 2 1'\n"
    "loop_\n_symmetry_equiv_pos_as_xyz\nx,y,z\n-y,x-y,z+2/3\n-x+y,-x,z+1/3\ny,x,-z\nx-y,-y,-z+1/3\n-x,-x+y,-z+2/3\n"
    "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n"
    "Si1 Si 0.4697 0.0000 0.666667\nO1 O 0.4135 0.2669 0.1191\n";

static const char triclinic[] =
    "data_tric\n_cell_length_a 5.1\n_cell_length_b 6.3\n_cell_length_c 7.7\n_cell_angle_alpha 81.5\n"
    "_cell_angle_beta 103.2\n_cell_angle_gamma 95.7\n_symmetry_space_group_name_H-M 'P -1'\n"
    "loop_\n_symmetry_equiv_pos_as_xyz\n'x, y, z'\n'-x, -y, -z'\n"
    "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n"
    "Li1 Li 0.11 0.23 0.37\nMg1 Mg 0 0.5 0.5\nO1 O 0.61 0.92 0.05\nO2 O -0.2 1.3 0.7\n";

static void write_nacl(const char *path)
{
    aion_strbuf b;
    int (*rot)[3][3] = calloc(192, sizeof *rot);
    double (*tr)[3] = calloc(192, sizeof *tr);
    int n = spg_get_symmetry_from_database(rot, tr, 523);
    aion_sb_init(&b);
    aion_sb_puts(&b, "data_NaCl\n_cell_length_a 5.64\n_cell_length_b 5.64\n_cell_length_c 5.64\n_cell_angle_alpha 90\n"
                     "_cell_angle_beta 90\n_cell_angle_gamma 90\n_space_group_name_H-M_alt 'F m -3 m'\n"
                     "loop_\n_space_group_symop_id\n_space_group_symop_operation_xyz\n");
    for (int k = 0; k < n; k++) {
        aion_sb_printf(&b, "%d '", k + 1);
        for (int i = 0; i < 3; i++) {
            int first = 1;
            for (int j = 0; j < 3; j++) {
                if (!rot[k][i][j]) continue;
                aion_sb_printf(&b, "%s%c", rot[k][i][j] < 0 ? "-" : first ? "" : "+", "xyz"[j]);
                first = 0;
            }
            if (tr[k][i] != 0) aion_sb_puts(&b, "+1/2");
            aion_sb_puts(&b, i < 2 ? "," : "'\n");
        }
    }
    aion_sb_puts(&b, "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
                     "_atom_site_fract_z\nNa1 Na 0 0 0\nCl1 Cl 0.5 0.5 0.5\n");
    write_text(path, b.s);
    aion_sb_free(&b);
    free(rot);
    free(tr);
}

int main(void)
{
    const char *cifs[8];
    char *owned[8];
    int nc = 0, nown = 0;
    if (system("/usr/bin/python3 -c 'import pymatgen.io.cif, ase.io' >/dev/null 2>&1") != 0)
        TEST_SKIP("python3 with pymatgen and ASE not available");
    snprintf(dir, sizeof dir, "/tmp/aion_cif_peer_XXXXXX");
    if (!mkdtemp(dir)) return 1;
    {
        char sp[256];
        snprintf(sp, sizeof sp, "%s/peer.py", dir);
        write_text(sp, script);
    }
    if (access("../shared/data/cifs/LiFePO4-Pnma.cif", R_OK) == 0) cifs[nc++] = "../shared/data/cifs/LiFePO4-Pnma.cif";
    if (access("../shared/data/cifs/beta-Li3PO4-mp-13725.cif", R_OK) == 0)
        cifs[nc++] = "../shared/data/cifs/beta-Li3PO4-mp-13725.cif";
    write_text(P("p21c.cif"), p21c);
    cifs[nc++] = owned[nown++] = aion_strdup(P("p21c.cif"));
    write_text(P("quartz.cif"), quartz);
    cifs[nc++] = owned[nown++] = aion_strdup(P("quartz.cif"));
    write_text(P("tric.cif"), triclinic);
    cifs[nc++] = owned[nown++] = aion_strdup(P("tric.cif"));
    write_nacl(P("nacl.cif"));
    cifs[nc++] = owned[nown++] = aion_strdup(P("nacl.cif"));
    {
        aion_strbuf cmd;
        aion_sb_init(&cmd);
        aion_sb_printf(&cmd, "/usr/bin/python3 %s/peer.py %s/peer", dir, dir);
        for (int k = 0; k < nc; k++) aion_sb_printf(&cmd, " '%s'", cifs[k]);
        CHECK(system(cmd.s) == 0);
        aion_sb_free(&cmd);
    }
    for (int k = 0; k < nc; k++) {
        compare_with(cifs[k], k, "pymatgen");
        compare_with(cifs[k], k, "ase");
    }
    {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    }
    for (int k = 0; k < nown; k++) free(owned[k]);
    return TEST_END();
}
