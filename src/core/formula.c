/*
 * Chemical formulas: "Li3PO4", "Li2.88PO3.73N0.14" (real amounts), or explicit
 * counts "Li:96,P:32,O:128". Repeated elements are summed.
 */
#include "internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

aion_status aion_parse_formula(const char *s, int *z, double *amount, int max, int *n, aion_error *err)
{
    const char *p = s;
    int explicit = strchr(s, ':') != NULL;
    *n = 0;
    while (*p) {
        char sym[4] = "";
        int k = 0, zz, slot;
        double a = 1.0;
        while (*p == ' ' || *p == ',' || *p == '_') p++;
        if (!*p) break;
        if (!isupper((unsigned char)*p)) return aion_err_set(err, AION_ERR_PARSE, "formula '%s': expected an element symbol at '%s'", s, p);
        sym[k++] = *p++;
        while (islower((unsigned char)*p) && k < 3) sym[k++] = *p++;
        sym[k] = '\0';
        zz = aion_element_z(sym);
        if (!zz) return aion_err_set(err, AION_ERR_INVALID, "formula '%s': unknown element '%s'", s, sym);
        if (explicit) {
            if (*p != ':') return aion_err_set(err, AION_ERR_PARSE, "formula '%s': expected ':' after %s", s, sym);
            p++;
        }
        if (isdigit((unsigned char)*p) || *p == '.') {
            char *end;
            a = strtod(p, &end);
            if (end == p || !(a >= 0) || a > 1e9) return aion_err_set(err, AION_ERR_PARSE, "formula '%s': bad amount for %s", s, sym);
            p = end;
        } else if (explicit) {
            return aion_err_set(err, AION_ERR_PARSE, "formula '%s': missing count for %s", s, sym);
        }
        for (slot = 0; slot < *n; slot++)
            if (z[slot] == zz) break;
        if (slot == *n) {
            if (*n >= max) return aion_err_set(err, AION_ERR_INVALID, "formula '%s': more than %d elements", s, max);
            z[slot] = zz;
            amount[slot] = 0;
            (*n)++;
        }
        amount[slot] += a;
    }
    if (*n == 0) return aion_err_set(err, AION_ERR_PARSE, "empty formula '%s'", s);
    return AION_OK;
}
