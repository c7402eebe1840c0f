/*
 * Built-in Pedone et al. (2006) pair potential for oxide glasses (PMMCS):
 *
 *   U_ij(r) = k_e q_i q_j / r + D_ij [(1 − exp(−a_ij (r − r0_ij)))² − 1] + C_ij / r¹²
 *
 * The Morse and C/r¹² terms act between a cation and O and between O and O
 * only (cation–cation pairs interact by Coulomb alone); both are cut at 5.5 Å
 * with the energy shifted to zero there. Charges are partial (O: −1.2 e).
 * Coulomb by Ewald unless the caller asks otherwise.
 *
 * A. Pedone, G. Malavasi, M. C. Menziani, A. N. Cormack, U. Segre,
 * J. Phys. Chem. B 110, 11780–11795 (2006), doi:10.1021/jp0611018
 * (parameters as tabulated from the paper by the amorphouspy package).
 */
#include "classical.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

typedef struct pedone_row {
    const char *el;     /* element symbol */
    int ox;             /* oxidation state (to tell Fe(II) from Fe(III)) */
    double q;           /* e */
    double D, a, r0;    /* eV, Å⁻¹, Å (X–O Morse) */
    double C;           /* eV·Å¹² (X–O repulsion) */
} pedone_row;

static const pedone_row pedone_table[] = {
    {"Li", 1, 0.6, 0.001114, 3.429506, 2.681360, 1.0},
    {"Na", 1, 0.6, 0.023363, 1.763867, 3.006315, 5.0},
    {"K", 1, 0.6, 0.011612, 2.062605, 3.305308, 5.0},
    {"Be", 2, 1.2, 0.239919, 2.527420, 1.815405, 1.0},
    {"Mg", 2, 1.2, 0.038908, 2.281000, 2.586153, 5.0},
    {"Ca", 2, 1.2, 0.030211, 2.241334, 2.923245, 5.0},
    {"Sr", 2, 1.2, 0.019623, 1.886000, 3.328330, 3.0},
    {"Ba", 2, 1.2, 0.065011, 1.547596, 3.393410, 5.0},
    {"Sc", 3, 1.8, 0.000333, 3.144445, 3.200000, 2.6},
    {"Ti", 4, 2.4, 0.024235, 2.254703, 2.708943, 1.0},
    {"Zr", 4, 2.4, 0.206237, 2.479675, 2.436997, 1.0},
    {"Cr", 3, 1.8, 0.399561, 1.785079, 2.340810, 1.0},
    {"Mn", 2, 1.2, 0.029658, 1.997543, 2.852075, 3.0},
    {"Fe", 2, 1.2, 0.078171, 1.822638, 2.658163, 2.0},
    {"Fe", 3, 1.8, 0.418981, 1.620376, 2.382183, 2.0},
    {"Co", 2, 1.2, 0.012958, 2.361272, 2.756282, 3.0},
    {"Ni", 2, 1.2, 0.029356, 2.679137, 2.500754, 3.0},
    {"Cu", 1, 0.6, 0.090720, 3.802168, 2.055405, 1.0},
    {"Ag", 1, 0.6, 0.088423, 3.439162, 2.265956, 1.0},
    {"Zn", 2, 1.2, 0.001221, 3.150679, 2.851850, 1.0},
    {"Al", 3, 1.8, 0.361581, 1.900442, 2.164818, 0.9},
    {"Si", 4, 2.4, 0.340554, 2.006700, 2.100000, 1.0},
    {"Ge", 4, 2.4, 0.158118, 2.294230, 2.261313, 5.0},
    {"Sn", 4, 2.4, 0.079400, 2.156770, 2.633076, 3.0},
    {"P", 5, 3.0, 0.831326, 2.585833, 1.800790, 1.0},
    {"Nd", 3, 1.8, 0.014580, 1.825100, 3.398717, 3.0},
    {"Gd", 3, 1.8, 0.000132, 2.013000, 4.351589, 3.0},
    {"Er", 3, 1.8, 0.040448, 2.294078, 2.837722, 3.0},
    /* O–O */
    {"O", -2, -1.2, 0.042395, 1.379316, 3.618701, 22.0},
};

#define PEDONE_RC 5.5 /* Å, short-range cutoff with energy shift */

aion_status aion_pedone_def(cl_def *d, const char *variant, aion_error *err)
{
    int fe_ox = 2;
    const int zO = 8;
    if (variant && *variant) {
        if (!strcasecmp(variant, "fe3") || !strcasecmp(variant, "fe3+") || !strcasecmp(variant, "fe(iii)"))
            fe_ox = 3;
        else if (!strcasecmp(variant, "fe2") || !strcasecmp(variant, "fe2+") || !strcasecmp(variant, "fe(ii)"))
            fe_ox = 2;
        else
            return aion_err_set(err, AION_ERR_INVALID,
                                "pedone:%s: unknown variant (known: pedone, pedone:fe2, pedone:fe3)", variant);
    }
    snprintf(d->name, sizeof d->name, "pedone");
    snprintf(d->origin, sizeof d->origin, "built-in pedone");
    d->coulomb = AION_COUL_EWALD;
    d->sr_cutoff = PEDONE_RC;
    d->shift = 1;
    for (size_t k = 0; k < sizeof pedone_table / sizeof pedone_table[0]; k++) {
        const pedone_row *row = &pedone_table[k];
        int z = aion_element_z(row->el);
        double morse[3] = {row->D, row->a, row->r0};
        double rep[2] = {row->C, 12.0};
        aion_status st;
        if (z == 26 && row->ox != fe_ox) continue;
        d->charge[z] = row->q;
        d->has_charge[z] = 1;
        st = cl_def_add(d, CL_MORSE, z, zO, morse, PEDONE_RC, 1, 0);
        if (st == AION_OK) st = cl_def_add(d, CL_INVPOW, z, zO, rep, PEDONE_RC, 1, 0);
        if (st != AION_OK) return aion_err_set(err, st, "out of memory building the Pedone set");
    }
    aion_sb_printf(&d->notes,
                   "Pedone, Malavasi, Menziani, Cormack, Segre, J. Phys. Chem. B 110, 11780 (2006), "
                   "doi:10.1021/jp0611018 (PMMCS; parameters as tabulated by amorphouspy).\n"
                   "Cation-cation pairs: Coulomb only. Short-range terms cut at 5.5 A, energy shifted to 0 there.\n"
                   "%s\n",
                   fe_ox == 3 ? "Fe is Fe(III), q = 1.8 e." : "Fe is Fe(II), q = 1.2 e (pedone:fe3 selects Fe(III)).");
    return AION_OK;
}
