/* CIF reader: syntax, symmetry expansion, oxidation states, disorder, malformed input. */
#include "test.h"
#include "test_files.h"
#include "internal.h"

#include <spglib.h>

/* Read every frame; notes and the error message copied out. */
static aion_status read_cif(const char *path, aion_disorder dis, double symprec, aion_frame **fr, int *n, char *notes,
                            size_t nn, char *err, size_t ne)
{
    aion_read_opts o;
    aion_reader *r;
    aion_error e;
    aion_status st;
    int cap = 8;
    aion_read_opts_init(&o);
    o.format = AION_FMT_CIF;
    o.disorder = dis;
    o.symprec = symprec;
    *n = 0;
    *fr = calloc((size_t)cap, sizeof **fr);
    if (notes) notes[0] = '\0';
    if (err) err[0] = '\0';
    st = aion_reader_open(&r, path, &o, &e);
    if (st) {
        if (err) snprintf(err, ne, "%s", e.msg);
        return st;
    }
    for (;;) {
        if (*n == cap) break;
        aion_frame_init(&(*fr)[*n]);
        st = aion_reader_next(r, &(*fr)[*n]);
        if (st != AION_OK) {
            aion_frame_free(&(*fr)[*n]);
            break;
        }
        (*n)++;
    }
    if (st == AION_EOF) st = AION_OK;
    if (st && err) snprintf(err, ne, "%s", aion_reader_errmsg(r));
    if (notes) snprintf(notes, nn, "%s", aion_reader_notes(r) ? aion_reader_notes(r) : "");
    aion_reader_close(r);
    return st;
}

static void frac_of(const aion_frame *f, int i, double s[3])
{
    double inv[3][3];
    aion_cell_inverse(f->cell, inv);
    for (int k = 0; k < 3; k++) s[k] = f->pos[i][0] * inv[0][k] + f->pos[i][1] * inv[1][k] + f->pos[i][2] * inv[2][k];
}

/* Is there an atom of element z at fractional position s (periodic, 1e-6)? */
static int has_atom(const aion_frame *f, int z, double x, double y, double w)
{
    double t[3] = {x, y, w};
    for (int i = 0; i < f->n; i++) {
        double s[3], d = 0;
        frac_of(f, i, s);
        for (int k = 0; k < 3; k++) {
            double q = s[k] - t[k];
            q -= round(q);
            d += q * q;
        }
        if (f->z[i] == z && d < 1e-12) return 1;
    }
    return 0;
}

static int count_z(const aion_frame *f, int z)
{
    int c = 0;
    for (int i = 0; i < f->n; i++) c += f->z[i] == z;
    return c;
}

static const char p21c[] =
    "# a hand-written P2_1/c structure\n"
    "data_test_p21c\n"
    "_cell_length_a 5.0(1)\n"
    "_cell_length_b 6.0\n"
    "_cell_length_c   7.00(12)\n"
    "_cell_angle_alpha 90\n"
    "_cell_angle_beta 100.0\n"
    "_cell_angle_gamma 90.\n"
    "_symmetry_space_group_name_H-M 'P 1 21/c 1'\n"
    "_publ_section_title\n"
    ";\n"
    "A title with 'quotes' and data_ words; loop_ _tags\n"
    "# not a comment\n"
    ";\n"
    "_journal_name 'it's quoted'   # comment\n"
    "loop_\n"
    "_symmetry_equiv_pos_site_id\n"
    "_symmetry_equiv_pos_as_xyz\n"
    "1 'x, y, z'\n"
    "2 '-x,1/2+y,0.5-z'\n"
    "3 \"-x, -y, -z\"\n"
    "4 'x,-y+1/2, z+0.5'\n"
    "loop_\n"
    "_atom_site_label\n"
    "_atom_site_type_symbol\n"
    "_atom_site_fract_x\n"
    "_atom_site_fract_y\n"
    "_atom_site_fract_z\n"
    "_atom_site_occupancy\n"
    "Fe1 Fe2+ 0.1 0.2(3) 0.3 1.0\n"
    "O1 O2- 0 0 0 1\n"
    "Li1 Li  0.5 0.5\n"
    "0.5 ?\n";

static void test_p21c(void)
{
    aion_frame *fr;
    int n;
    char notes[2048], err[1024];
    const char *p = test_file_with("p21c.cif", p21c);
    CHECK_OK(read_cif(p, AION_DISORDER_ERROR, 0, &fr, &n, notes, sizeof notes, err, sizeof err));
    if (err[0]) fprintf(stderr, "%s\n", err);
    CHECK(n == 1);
    if (n == 1) {
        aion_frame *f = &fr[0];
        double abc[3], ang[3];
        CHECK(f->n == 8); /* 4e: 4, 2a: 2, 2d (1/2,1/2,1/2)... Li on an inversion centre: 2 */
        CHECK(count_z(f, 26) == 4 && count_z(f, 8) == 2 && count_z(f, 3) == 2);
        CHECK(has_atom(f, 26, 0.1, 0.2, 0.3));
        CHECK(has_atom(f, 26, 0.9, 0.7, 0.2));
        CHECK(has_atom(f, 26, 0.9, 0.8, 0.7));
        CHECK(has_atom(f, 26, 0.1, 0.3, 0.8));
        CHECK(has_atom(f, 8, 0, 0, 0) && has_atom(f, 8, 0, 0.5, 0.5));
        CHECK(has_atom(f, 3, 0.5, 0.5, 0.5) && has_atom(f, 3, 0.5, 0.0, 0.0));
        aion_cell_to_params(f->cell, abc, ang);
        CHECK_NEAR(abc[0], 5.0, 1e-12);
        CHECK_NEAR(abc[2], 7.0, 1e-12);
        CHECK_NEAR(ang[1], 100.0, 1e-10);
        CHECK(f->cell[0][1] == 0 && f->cell[0][2] == 0 && f->cell[1][2] == 0); /* a along x */
        {
            aion_column *ox = aion_frame_column_get(f, "oxidation"), *lab = aion_frame_column_get(f, "label");
            CHECK(ox && lab);
            for (int i = 0; ox && lab && i < f->n; i++) {
                if (f->z[i] == 26) CHECK(ox->d[i] == 2.0 && !strcmp(lab->s[i], "Fe1"));
                if (f->z[i] == 8) CHECK(ox->d[i] == -2.0);
                if (f->z[i] == 3) CHECK(ox->d[i] == 0.0);
            }
            CHECK(aion_frame_column_get(f, "occupancy") == NULL);
        }
        CHECK(strstr(notes, "1 atom") == NULL && strstr(notes, "2 atoms without an oxidation state") != NULL);
        CHECK(!strcmp(aion_frame_info_get(f, "cif_block"), "test_p21c"));
        CHECK(!strcmp(aion_frame_info_get(f, "spacegroup"), "P 1 21/c 1"));
    }
    aion_frames_free(fr, n);
}

/* rock salt from its asymmetric unit and the 192 operations of Fm-3m,
 * written as text from spglib's table (hall number 523) */
static void fm3m_ops(aion_strbuf *b)
{
    int (*rot)[3][3] = calloc(192, sizeof *rot);
    double (*tr)[3] = calloc(192, sizeof *tr);
    int n = spg_get_symmetry_from_database(rot, tr, 523);
    aion_sb_puts(b, "loop_\n_space_group_symop_id\n_space_group_symop_operation_xyz\n");
    for (int k = 0; k < n; k++) {
        aion_sb_printf(b, "%d '", k + 1);
        for (int i = 0; i < 3; i++) {
            int first = 1;
            if (tr[k][i] != 0) {
                /* alternate styles: 1/2+x and x+0.5 */
                if (k % 2) aion_sb_printf(b, "1/2"), first = 0;
            }
            for (int j = 0; j < 3; j++) {
                if (!rot[k][i][j]) continue;
                aion_sb_printf(b, "%s%c", rot[k][i][j] < 0 ? "-" : first ? "" : "+", "xyz"[j]);
                first = 0;
            }
            if (tr[k][i] != 0 && !(k % 2)) aion_sb_printf(b, "+0.5");
            aion_sb_puts(b, i < 2 ? "," : "'\n");
        }
    }
    free(rot);
    free(tr);
    CHECK(n == 192);
}

static void test_nacl(void)
{
    aion_frame *fr;
    int n;
    char notes[2048], err[1024];
    aion_strbuf b;
    static const char head[] = "data_NaCl\n_cell_length_a 5.64\n_cell_length_b 5.64\n_cell_length_c 5.64\n"
                               "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n"
                               "_space_group_name_H-M_alt 'F m -3 m'\n";
    static const char atoms[] = "loop_\n_atom_site.label\n_atom_site.type_symbol\n_atom_site.fract_x\n"
                                "_atom_site.fract_y\n_atom_site.fract_z\nNa1 Na+ 0 0 0\nCl1 Cl- 0.5 0.5 0.5\n";
    aion_sb_init(&b);
    aion_sb_puts(&b, head);
    fm3m_ops(&b);
    aion_sb_puts(&b, atoms);
    CHECK_OK(read_cif(test_file_with("nacl.cif", b.s), AION_DISORDER_ERROR, 0, &fr, &n, notes, sizeof notes, err, sizeof err));
    if (err[0]) fprintf(stderr, "%s\n", err);
    CHECK(n == 1 && fr[0].n == 8 && count_z(&fr[0], 11) == 4 && count_z(&fr[0], 17) == 4);
    if (n == 1) {
        CHECK(has_atom(&fr[0], 11, 0.5, 0.5, 0) && has_atom(&fr[0], 17, 0, 0, 0.5) && has_atom(&fr[0], 17, 0.5, 0.5, 0.5));
        CHECK(!has_atom(&fr[0], 11, 0.5, 0.5, 0.5));
    }
    aion_frames_free(fr, n);
    /* the same without operations: from spglib's table by the H-M name, with a note */
    aion_sb_clear(&b);
    aion_sb_puts(&b, head);
    aion_sb_puts(&b, atoms);
    CHECK_OK(read_cif(test_file_with("nacl2.cif", b.s), AION_DISORDER_ERROR, 0, &fr, &n, notes, sizeof notes, err, sizeof err));
    CHECK(n == 1 && fr[0].n == 8 && count_z(&fr[0], 11) == 4);
    CHECK(strstr(notes, "lists no symmetry operations: took the 192 operations of Fm-3m") != NULL);
    aion_frames_free(fr, n);
    /* only the space-group number */
    aion_sb_clear(&b);
    aion_sb_puts(&b, "data_NaCl\n_cell_length_a 5.64\n_cell_length_b 5.64\n_cell_length_c 5.64\n"
                     "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n_space_group_IT_number 225\n");
    aion_sb_puts(&b, atoms);
    CHECK_OK(read_cif(test_file_with("nacl4.cif", b.s), AION_DISORDER_ERROR, 0, &fr, &n, notes, sizeof notes, err, sizeof err));
    CHECK(n == 1 && fr[0].n == 8 && count_z(&fr[0], 17) == 4);
    CHECK(strstr(notes, "took the 192 operations of Fm-3m") != NULL);
    aion_frames_free(fr, n);
    /* no symmetry information at all: P1, with a note */
    CHECK_OK(read_cif(test_file_with("nacl3.cif",
                                   "data_x\n_cell_length_a 5.64\n_cell_length_b 5.64\n_cell_length_c 5.64\n"
                                   "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n"
                                   "loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n"
                                   "Na1 0 0 0\nCl1 0.5 0.5 0.5\n"),
                      AION_DISORDER_ERROR, 0, &fr, &n, notes, sizeof notes, err, sizeof err));
    CHECK(n == 1 && fr[0].n == 2 && fr[0].z[0] == 11 && fr[0].z[1] == 17);
    CHECK(strstr(notes, "read as P1") != NULL);
    CHECK(n == 1 && aion_frame_column_get(&fr[0], "oxidation") == NULL);
    aion_frames_free(fr, n);
    aion_sb_free(&b);
}

static const char multi[] =
    "data_global\n_journal_year 2020\n_publ_author_name 'A. B.'\n"
    "data_one\n_cell_length_a 3\n_cell_length_b 3\n_cell_length_c 3\n_cell_angle_alpha 90\n_cell_angle_beta 90\n"
    "_cell_angle_gamma 90\n_symmetry_space_group_name_H-M 'P 1'\n"
    "loop_\n_atom_type_symbol\n_atom_type_oxidation_number\nLi 1\nF -1\n"
    "loop_ _atom_site_type_symbol _atom_site_fract_x _atom_site_fract_y _atom_site_fract_z\n"
    "Li 0 0 0 F 0.5 0.5 0.5\n"
    "data_two\n_cell_length_a 4\n_cell_length_b 4\n_cell_length_c 4\n_cell_angle_alpha 60\n_cell_angle_beta 60\n"
    "_cell_angle_gamma 60\nloop_\n_symmetry_equiv_pos_as_xyz\nx,y,z\n"
    "loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nCu1 1.25 -0.5 0.0\n";

static void test_multi_block(void)
{
    aion_frame *fr;
    int n;
    char notes[2048], err[1024];
    CHECK_OK(read_cif(test_file_with("multi.cif", multi), AION_DISORDER_ERROR, 0, &fr, &n, notes, sizeof notes, err, sizeof err));
    if (err[0]) fprintf(stderr, "%s\n", err);
    CHECK(n == 2);
    if (n == 2) {
        aion_column *ox = aion_frame_column_get(&fr[0], "oxidation");
        CHECK(fr[0].n == 2 && fr[0].z[0] == 3 && fr[0].z[1] == 9);
        CHECK(ox && ox->d[0] == 1 && ox->d[1] == -1);
        CHECK(fr[1].n == 1 && fr[1].z[0] == 29);
        CHECK(has_atom(&fr[1], 29, 0.25, 0.5, 0));
        {
            double s[3];
            frac_of(&fr[1], 0, s);
            CHECK(s[0] >= 0 && s[0] < 1 && s[1] >= 0 && s[1] < 1); /* wrapped */
        }
        CHECK(!strcmp(aion_frame_info_get(&fr[1], "cif_block"), "two"));
    }
    CHECK(strstr(notes, "block 'global' (line 1) has no atom sites: skipped") != NULL);
    aion_frames_free(fr, n);
}

static const char disordered[] =
    "data_dis\n_cell_length_a 4\n_cell_length_b 4\n_cell_length_c 4\n_cell_angle_alpha 90\n_cell_angle_beta 90\n"
    "_cell_angle_gamma 90\nloop_\n_symmetry_equiv_pos_as_xyz\n'x,y,z'\n'-x,-y,-z'\n"
    "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n"
    "_atom_site_occupancy\n"
    "Fe1 Fe 0.1 0.1 0.1 0.75\n"
    "Mn1 Mn 0.1 0.1 0.1 0.25\n"
    "Li1 Li 0.3 0.2 0.1 0.4\n"
    "O1 O 0.5 0.5 0.5 1\n";

static void test_disorder(void)
{
    aion_frame *fr;
    int n;
    char notes[4096], err[1024];
    const char *p = test_file_with("dis.cif", disordered);
    CHECK(read_cif(p, AION_DISORDER_ERROR, 0, &fr, &n, notes, sizeof notes, err, sizeof err) == AION_ERR_INVALID);
    CHECK(strstr(err, "dis.cif:19: sites share a position: Fe1 (Fe, occupancy 0.75) + Mn1 (Mn, occupancy 0.25)") != NULL);
    aion_frames_free(fr, n);
    /* majority: Fe kept at both positions, Mn dropped; Li (0.4 < vacancy 0.6) dropped */
    CHECK_OK(read_cif(p, AION_DISORDER_MAJORITY, 0, &fr, &n, notes, sizeof notes, err, sizeof err));
    CHECK(n == 1);
    if (n == 1) {
        aion_column *occ = aion_frame_column_get(&fr[0], "occupancy");
        CHECK(fr[0].n == 3 && count_z(&fr[0], 26) == 2 && count_z(&fr[0], 25) == 0 && count_z(&fr[0], 3) == 0);
        CHECK(occ != NULL);
        for (int i = 0; occ && i < fr[0].n; i++) CHECK(occ->d[i] == (fr[0].z[i] == 26 ? 0.75 : 1.0));
    }
    CHECK(strstr(notes, "Fe1 (Fe, occupancy 0.75) + Mn1 (Mn, occupancy 0.25): majority rule at 2 positions: kept 2 atoms, dropped 2") != NULL);
    CHECK(strstr(notes, "Li1 (Li, occupancy 0.4): majority rule at 2 positions: kept 0 atoms, dropped 2") != NULL);
    aion_frames_free(fr, n);
    /* keep all */
    CHECK_OK(read_cif(p, AION_DISORDER_KEEP_ALL, 0, &fr, &n, notes, sizeof notes, err, sizeof err));
    CHECK(n == 1 && fr[0].n == 7 && count_z(&fr[0], 25) == 2 && count_z(&fr[0], 3) == 2);
    CHECK(strstr(notes, "kept all 4 atoms at 2 positions") != NULL);
    aion_frames_free(fr, n);
    /* a single partially occupied site, ERROR mode */
    p = test_file_with("dis2.cif",
                     "data_d\n_cell_length_a 4\n_cell_length_b 4\n_cell_length_c 4\n_cell_angle_alpha 90\n"
                     "_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_atom_site_label\n_atom_site_fract_x\n"
                     "_atom_site_fract_y\n_atom_site_fract_z\n_atom_site_occupancy\nO1 0 0 0 1\nLi2 0.5 0.5 0.5 0.5(1)\n");
    CHECK(read_cif(p, AION_DISORDER_ERROR, 0, &fr, &n, notes, sizeof notes, err, sizeof err) == AION_ERR_INVALID);
    CHECK(strstr(err, "dis2.cif:15: site Li2 has occupancy 0.5 (partial occupancy)") != NULL);
    aion_frames_free(fr, n);
    /* majority with a tie between atom and vacancy keeps the atom */
    CHECK_OK(read_cif(p, AION_DISORDER_MAJORITY, 0, &fr, &n, notes, sizeof notes, err, sizeof err));
    CHECK(n == 1 && fr[0].n == 2);
    aion_frames_free(fr, n);
}

static void test_rounded_coordinates(void)
{
    /* hexagonal 2b-like site with 4-digit coordinates: images ~1e-3 Å apart */
    static const char txt[] =
        "data_h\n_cell_length_a 10\n_cell_length_b 10\n_cell_length_c 5\n_cell_angle_alpha 90\n_cell_angle_beta 90\n"
        "_cell_angle_gamma 120\nloop_\n_symmetry_equiv_pos_as_xyz\nx,y,z\n-y,x-y,z\n-x+y,-x,z\n"
        "loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nC1 0.333 0.667 0\n";
    aion_frame *fr;
    int n;
    char err[1024];
    const char *p = test_file_with("hex.cif", txt);
    CHECK(read_cif(p, AION_DISORDER_ERROR, 0, &fr, &n, NULL, 0, err, sizeof err) == AION_ERR_PARSE);
    CHECK(strstr(err, "hex.cif:18: site C1: two symmetry images are") != NULL && strstr(err, "raise symprec") != NULL);
    aion_frames_free(fr, n);
    CHECK_OK(read_cif(p, AION_DISORDER_ERROR, 0.05, &fr, &n, NULL, 0, err, sizeof err));
    CHECK(n == 1 && fr[0].n == 1);
    aion_frames_free(fr, n);
}

static void test_shared_cifs(void)
{
    aion_frame *fr;
    int n;
    char notes[2048], err[1024];
#define LFP "../shared/data/cifs/LiFePO4-Pnma.cif"
#define LPO "../shared/data/cifs/beta-Li3PO4-mp-13725.cif"
    if (access(LFP, R_OK) != 0 || access(LPO, R_OK) != 0) {
        printf("note: ../shared/data/cifs absent, shared CIF checks skipped\n");
        return;
    }
    CHECK_OK(read_cif(LFP, AION_DISORDER_ERROR, 0, &fr, &n, notes, sizeof notes, err, sizeof err));
    CHECK(n == 1 && fr[0].n == 28);
    if (n == 1) {
        CHECK(count_z(&fr[0], 3) == 4 && count_z(&fr[0], 26) == 4 && count_z(&fr[0], 15) == 4 && count_z(&fr[0], 8) == 16);
        CHECK(has_atom(&fr[0], 26, 0.218845, 0.75, 0.47491));
        CHECK(has_atom(&fr[0], 26, 1 - 0.218845 + 0.5, 0.25, 0.47491 + 0.5)); /* -x+1/2, -y, z+1/2 */
        CHECK_NEAR(aion_frame_volume(&fr[0]), 299.619458734, 1e-6);
    }
    CHECK(notes[0] == '\0'); /* multiplicities agree, nothing to report */
    aion_frames_free(fr, n);
    CHECK_OK(read_cif(LPO, AION_DISORDER_ERROR, 0, &fr, &n, notes, sizeof notes, err, sizeof err));
    CHECK(n == 1 && fr[0].n == 16 && count_z(&fr[0], 3) == 6 && count_z(&fr[0], 15) == 2 && count_z(&fr[0], 8) == 8);
    aion_frames_free(fr, n);
}

static void expect_error(const char *name, const char *text, const char *want)
{
    aion_frame *fr;
    int n;
    char err[1024];
    const char *p = test_file_with(name, text);
    aion_status st = read_cif(p, AION_DISORDER_ERROR, 0, &fr, &n, NULL, 0, err, sizeof err);
    aion_frames_free(fr, n);
    CHECK(st != AION_OK);
    if (!strstr(err, want)) fprintf(stderr, "  %s: got '%s', expected '%s'\n", name, err, want);
    CHECK(strstr(err, want) != NULL);
    CHECK(strstr(err, p) == err);
}

#define CELL "_cell_length_a 4\n_cell_length_b 4\n_cell_length_c 4\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n"
#define SITES "loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n"

static void test_malformed(void)
{
    expect_error("m1", "", "no data_ block");
    expect_error("m2", "_cell_length_a 4\n", ":1: expected a data_ block, found '_cell_length_a'");
    expect_error("m3", "data_x\n_title 'abc\n", ":2: quoted string is not closed on its line");
    expect_error("m4", "data_x\n_title\n;abc\nmore\n", ":3: text field (';') is never closed");
    expect_error("m5", "data_x\n" CELL SITES "O1 0 0\n", ":8: loop_ with 4 tags (_atom_site_label ...) has 3 values");
    expect_error("m6", "data_x\n" CELL "loop_\n_symmetry_equiv_pos_as_xyz\n'x,y'\n" SITES "O1 0 0 0\n",
                 ":10: cannot read symmetry operation 'x,y'");
    expect_error("m7", "data_x\n" CELL "loop_\n_symmetry_equiv_pos_as_xyz\n'x,x,z'\n" SITES "O1 0 0 0\n",
                 ":10: cannot read symmetry operation 'x,x,z'");
    expect_error("m8", "data_x\n_cell_length_a 4\n" SITES "O1 0 0 0\n", ":1: block 'x' has no _cell_length_b");
    expect_error("m9", "data_x\n" CELL SITES "O1 0 0.1.2 0\n", ":13: site O1: bad fractional coordinate '0.1.2'");
    expect_error("m10", "data_x\n" CELL SITES "Qq1 0 0 0\n", ":13: site Qq1: cannot tell the element from 'Qq1'");
    expect_error("m11", "data_x\n_cell_length_a\n", ":2: tag _cell_length_a has no value");
    expect_error("m12", "data_x\n4.0\n", ":2: value '4.0' without a tag");
    expect_error("m13", "data_x\n" CELL SITES "_atom_site_occupancy\nO1 0 0 0 1.5\n", ":14: site O1: occupancy 1.5 is more than 1");
    expect_error("m14", "data_x\n_cell_length_a 4(\n" SITES "O1 0 0 0\n", ":2: _cell_length_a: bad number '4('");
    expect_error("m15", "data_x\n_cell_length_a 4\n_cell_length_b 4\n_cell_length_c 4\n_cell_angle_alpha 90\n"
                        "_cell_angle_beta 90\n_cell_angle_gamma 190\n" SITES "O1 0 0 0\n",
                 ":1: block 'x': impossible cell");
    expect_error("m16", "data_x\n" CELL "_symmetry_space_group_name_H-M 'Q 9'\n" SITES "O1 0 0 0\n",
                 ":8: block 'x' lists no symmetry operations and space group 'Q 9' is unknown");
    expect_error("m17", "data_x\n" CELL "loop_\n_atom_site_label\n_atom_site_Cartn_x\n_atom_site_Cartn_y\n_atom_site_Cartn_z\nO1 0 0 0\n",
                 "gives Cartesian atom sites only");
    expect_error("m18", "data_x\n" CELL "loop_\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n0 0 0\n",
                 "neither _atom_site_type_symbol nor _atom_site_label");
    expect_error("m19", "data_x\nloop_\n", ":2: loop_ without tags");
}

int main(void)
{
    test_tmpdir_make("cif");
    TEST_RUN(test_p21c);
    TEST_RUN(test_nacl);
    TEST_RUN(test_multi_block);
    TEST_RUN(test_disorder);
    TEST_RUN(test_rounded_coordinates);
    TEST_RUN(test_shared_cifs);
    TEST_RUN(test_malformed);
    test_tmpdir_remove();
    return TEST_END();
}
