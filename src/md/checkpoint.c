/*
 * MD checkpoints: the complete integrator state in a small binary file,
 * written atomically (temporary file, fsync, rename). Loading it into an md
 * created from the same system continues the run bit for bit: positions,
 * velocities, forces, energies, virial, cell, thermostat and barostat
 * variables and the random-number state are all restored exactly.
 *
 * Layout: "AIONCKP1", u32 endian mark, u32 version, then fixed-size scalars,
 * (version 3) the cell degrees of freedom as i32 + i32 (version 4: frozen
 * atoms fixed under the barostat, then the frozen atoms' virial, 9 doubles),
 * arrays (native doubles), a caller blob (e.g. trajectory offsets), and a
 * trailing FNV-1a checksum of everything before it. Version 2 files (no cell
 * mode) and 3 (frozen atoms dilated) still load.
 */
#include "md.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CKPT_MAGIC "AIONCKP1"
#define CKPT_VERSION 4u

typedef struct {
    FILE *fp;
    uint64_t hash;
    int bad;
} ck_io;

static void hash_bytes(uint64_t *h, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t k = 0; k < n; k++) {
        *h ^= c[k];
        *h *= 0x100000001b3ULL;
    }
}

static void put(ck_io *io, const void *p, size_t n)
{
    if (io->bad || n == 0) return;
    if (fwrite(p, 1, n, io->fp) != n) io->bad = 1;
    hash_bytes(&io->hash, p, n);
}

static void get(ck_io *io, void *p, size_t n)
{
    if (io->bad || n == 0) return;
    if (fread(p, 1, n, io->fp) != n) io->bad = 1;
    else hash_bytes(&io->hash, p, n);
}

/* The scalar state, in one struct so that save and load cannot drift apart. */
typedef struct {
    int32_t n, ngroups, ensemble, nhc_length;
    int64_t step, ramp_start, ramp_len;
    double time_fs, epot, heat, press_target, temp_K, temp_end_K, ramp_t0, ramp_t1;
    double virial[3][3], cell[3][3];
    double t_target[AION_MD_MAX_GROUPS], tau_t[AION_MD_MAX_GROUPS];
    double nhc_x[AION_MD_MAX_GROUPS][AION_NHC_MAX], nhc_v[AION_MD_MAX_GROUPS][AION_NHC_MAX];
    int32_t have_forces;
    aion_rng rng;
} ck_scalars;

aion_status aion_md_save(const aion_md *md, const char *path, const void *extra, size_t extra_len)
{
    ck_io io = {NULL, 0xcbf29ce484222325ULL, 0};
    ck_scalars s;
    uint32_t mark = 0x01020304u, ver = CKPT_VERSION;
    uint64_t elen = extra_len;
    size_t plen = strlen(path) + 32;
    char *tmp = malloc(plen);
    aion_error *err = (aion_error *)&md->err; /* errors are reported on the handle */
    if (!tmp) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    snprintf(tmp, plen, "%s.tmp.%ld", path, (long)getpid());
    io.fp = fopen(tmp, "wb");
    if (!io.fp) {
        aion_err_set(err, AION_ERR_IO, "%s: cannot write checkpoint: %s", tmp, strerror(errno));
        free(tmp);
        return AION_ERR_IO;
    }
    memset(&s, 0, sizeof s);
    s.n = md->f.n;
    s.ngroups = md->ngroups;
    s.ensemble = (int32_t)md->o.ensemble;
    s.nhc_length = md->o.nhc_length;
    s.step = md->step;
    s.ramp_start = md->ramp_start;
    s.ramp_len = md->ramp_len;
    s.time_fs = md->time_fs;
    s.epot = md->epot;
    s.heat = md->heat;
    s.press_target = md->press_target;
    s.temp_K = md->o.temp_K;
    s.temp_end_K = md->o.temp_end_K;
    s.ramp_t0 = md->ramp_t0;
    s.ramp_t1 = md->ramp_t1;
    memcpy(s.virial, md->virial, sizeof s.virial);
    memcpy(s.cell, md->f.cell, sizeof s.cell);
    memcpy(s.t_target, md->t_target, sizeof s.t_target);
    memcpy(s.tau_t, md->tau_t, sizeof s.tau_t);
    memcpy(s.nhc_x, md->nhc_x, sizeof s.nhc_x);
    memcpy(s.nhc_v, md->nhc_v, sizeof s.nhc_v);
    s.have_forces = md->have_forces;
    s.rng = md->rng;
    put(&io, CKPT_MAGIC, 8);
    put(&io, &mark, sizeof mark);
    put(&io, &ver, sizeof ver);
    put(&io, &s, sizeof s);
    int32_t cellmode[2] = {(int32_t)md->o.cell_dof, md->o.frozen_fixed ? 1 : 0};
    put(&io, cellmode, sizeof cellmode);
    put(&io, md->virial_frozen, sizeof md->virial_frozen);
    put(&io, md->f.z, (size_t)md->f.n * sizeof *md->f.z);
    put(&io, md->f.pos, (size_t)md->f.n * sizeof *md->f.pos);
    put(&io, md->f.vel, (size_t)md->f.n * sizeof *md->f.vel);
    put(&io, md->f.forces, (size_t)md->f.n * sizeof *md->f.forces);
    put(&io, &elen, sizeof elen);
    put(&io, extra, extra_len);
    /* the potential's state (neighbour-list reference) fixes summation order */
    uint64_t slen = aion_potential_state_size(md->pot);
    void *sbuf = slen ? malloc(slen) : NULL;
    if (slen && (!sbuf || aion_potential_state_save(md->pot, sbuf, slen) != AION_OK)) io.bad = 1;
    put(&io, &slen, sizeof slen);
    put(&io, sbuf, slen);
    free(sbuf);
    uint64_t h = io.hash;
    if (!io.bad && fwrite(&h, sizeof h, 1, io.fp) != 1) io.bad = 1;
    if (!io.bad && (fflush(io.fp) != 0 || fsync(fileno(io.fp)) != 0)) io.bad = 1;
    if (fclose(io.fp) != 0) io.bad = 1;
    if (io.bad || rename(tmp, path) != 0) {
        aion_err_set(err, AION_ERR_IO, "%s: cannot write checkpoint: %s", path, strerror(errno));
        remove(tmp);
        free(tmp);
        return AION_ERR_IO;
    }
    free(tmp);
    return AION_OK;
}

aion_status aion_md_load(aion_md *md, const char *path, void *extra, size_t extra_cap, size_t *extra_len)
{
    ck_io io = {NULL, 0xcbf29ce484222325ULL, 0};
    ck_scalars s;
    char magic[8];
    uint32_t mark, ver;
    uint64_t elen = 0, h, hfile;
    int *z = NULL;
    double(*pos)[3] = NULL, (*vel)[3] = NULL, (*frc)[3] = NULL;
    void *blob = NULL, *pbuf = NULL;
    aion_status st = AION_ERR_PARSE;
    io.fp = fopen(path, "rb");
    if (!io.fp) return aion_err_set(&md->err, AION_ERR_IO, "%s: cannot open checkpoint: %s", path, strerror(errno));
    get(&io, magic, 8);
    get(&io, &mark, sizeof mark);
    get(&io, &ver, sizeof ver);
    if (io.bad || memcmp(magic, CKPT_MAGIC, 8) != 0) {
        aion_err_set(&md->err, AION_ERR_PARSE, "%s: not an aion checkpoint", path);
        goto done;
    }
    if (mark != 0x01020304u || ver < 2u || ver > CKPT_VERSION) {
        aion_err_set(&md->err, AION_ERR_PARSE, "%s: checkpoint from another machine type or version %u (this is %u)",
                     path, ver, CKPT_VERSION);
        goto done;
    }
    get(&io, &s, sizeof s);
    int32_t cellmode[2] = {-1, 0}; /* -1: not stored (version 2); [1] = 0: frozen atoms dilated (< 4) */
    double vfrozen[3][3] = {{0}};
    if (ver >= 3u) get(&io, cellmode, sizeof cellmode);
    if (ver >= 4u) get(&io, vfrozen, sizeof vfrozen);
    if (io.bad || s.n != md->f.n) {
        aion_err_set(&md->err, AION_ERR_INVALID, "%s: checkpoint has %d atoms, the system has %d", path, io.bad ? -1 : s.n,
                     md->f.n);
        goto done;
    }
    z = malloc((size_t)s.n * sizeof *z);
    pos = malloc((size_t)s.n * sizeof *pos);
    vel = malloc((size_t)s.n * sizeof *vel);
    frc = malloc((size_t)s.n * sizeof *frc);
    if (!z || !pos || !vel || !frc) {
        st = aion_err_set(&md->err, AION_ERR_NOMEM, "out of memory");
        goto done;
    }
    get(&io, z, (size_t)s.n * sizeof *z);
    get(&io, pos, (size_t)s.n * sizeof *pos);
    get(&io, vel, (size_t)s.n * sizeof *vel);
    get(&io, frc, (size_t)s.n * sizeof *frc);
    get(&io, &elen, sizeof elen);
    if (io.bad || elen > (1u << 30)) {
        aion_err_set(&md->err, AION_ERR_PARSE, "%s: truncated checkpoint", path);
        goto done;
    }
    blob = malloc(elen ? elen : 1);
    if (!blob) {
        st = aion_err_set(&md->err, AION_ERR_NOMEM, "out of memory");
        goto done;
    }
    get(&io, blob, elen);
    uint64_t plen = 0;
    get(&io, &plen, sizeof plen);
    if (io.bad || plen > ((uint64_t)1 << 34)) {
        aion_err_set(&md->err, AION_ERR_PARSE, "%s: truncated checkpoint", path);
        goto done;
    }
    pbuf = malloc(plen ? plen : 1);
    if (!pbuf) {
        st = aion_err_set(&md->err, AION_ERR_NOMEM, "out of memory");
        goto done;
    }
    get(&io, pbuf, plen);
    h = io.hash;
    if (io.bad || fread(&hfile, sizeof hfile, 1, io.fp) != 1 || hfile != h) {
        aion_err_set(&md->err, AION_ERR_PARSE, "%s: checkpoint is truncated or corrupt (checksum)", path);
        goto done;
    }
    for (int i = 0; i < s.n; i++)
        if (z[i] != md->f.z[i]) {
            aion_err_set(&md->err, AION_ERR_INVALID, "%s: atom %d is %s in the checkpoint but %s in the system", path, i,
                         aion_element_symbol(z[i]), aion_element_symbol(md->f.z[i]));
            goto done;
        }
    if (s.ensemble != (int32_t)md->o.ensemble || s.ngroups != md->ngroups || s.nhc_length != md->o.nhc_length) {
        aion_err_set(&md->err, AION_ERR_INVALID, "%s: checkpoint was written with other MD settings (ensemble/groups)", path);
        goto done;
    }
    if (cellmode[0] >= 0 && cellmode[0] != (int32_t)md->o.cell_dof &&
        (s.ensemble == AION_NPT_CSVR || s.ensemble == AION_NPT_LANGEVIN)) {
        static const char *const names[] = {"iso", "aniso", "tri", "z"};
        int a = cellmode[0], b = (int)md->o.cell_dof;
        aion_err_set(&md->err, AION_ERR_INVALID, "%s: checkpoint was written with cell degrees of freedom %s, this run has %s",
                     path, a >= 0 && a < 4 ? names[a] : "?", b >= 0 && b < 4 ? names[b] : "?");
        goto done;
    }
    if (cellmode[1] != (md->o.frozen_fixed ? 1 : 0) && (s.ensemble == AION_NPT_CSVR || s.ensemble == AION_NPT_LANGEVIN)) {
        aion_err_set(&md->err, AION_ERR_INVALID,
                     "%s: checkpoint was written with frozen atoms %s under the barostat, this run %s them", path,
                     cellmode[1] ? "fixed" : "dilated", md->o.frozen_fixed ? "fixes" : "dilates");
        goto done;
    }
    if (extra_len) *extra_len = elen;
    if (extra && elen > extra_cap) {
        aion_err_set(&md->err, AION_ERR_INVALID, "%s: checkpoint extra data larger than expected", path);
        goto done;
    }
    if (extra) memcpy(extra, blob, elen);
    memcpy(md->f.pos, pos, (size_t)s.n * sizeof *pos);
    memcpy(md->f.vel, vel, (size_t)s.n * sizeof *vel);
    memcpy(md->f.forces, frc, (size_t)s.n * sizeof *frc);
    memcpy(md->f.cell, s.cell, sizeof s.cell);
    memcpy(md->virial, s.virial, sizeof s.virial);
    memcpy(md->virial_frozen, vfrozen, sizeof vfrozen);
    memcpy(md->t_target, s.t_target, sizeof s.t_target);
    memcpy(md->tau_t, s.tau_t, sizeof s.tau_t);
    memcpy(md->nhc_x, s.nhc_x, sizeof s.nhc_x);
    memcpy(md->nhc_v, s.nhc_v, sizeof s.nhc_v);
    md->step = s.step;
    md->ramp_start = s.ramp_start;
    md->ramp_len = s.ramp_len;
    md->time_fs = s.time_fs;
    md->epot = s.epot;
    md->heat = s.heat;
    md->press_target = s.press_target;
    md->o.temp_K = s.temp_K;
    md->o.temp_end_K = s.temp_end_K;
    md->ramp_t0 = s.ramp_t0;
    md->ramp_t1 = s.ramp_t1;
    md->have_forces = s.have_forces;
    md->rng = s.rng;
    md->f.has |= AION_HAS_VEL | AION_HAS_FORCES;
    if (aion_potential_state_load(md->pot, pbuf, plen, &md->f) != AION_OK) {
        st = aion_err_set(&md->err, AION_ERR_INVALID, "%s: %s", path, aion_potential_errmsg(md->pot));
        goto done;
    }
    st = AION_OK;
done:
    free(pbuf);
    fclose(io.fp);
    free(z);
    free(pos);
    free(vel);
    free(frc);
    free(blob);
    return st;
}
