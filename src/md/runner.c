/*
 * Protocol runner: runs a list of segments (temperature ramps at a pressure)
 * with trajectory, thermodynamic log and checkpoint output, and restarts a
 * killed run so that it continues bit for bit: the checkpoint carries the
 * position in the protocol and the byte sizes of every output file at that
 * moment; on restart the files are cut back to those sizes and appended to.
 */
#include "md.h"

#include <math.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    char magic[8];
    int32_t seg;
    int32_t pad;
    int64_t seg_done;    /* steps done in segment seg */
    int64_t done;        /* steps done in total */
    int64_t off_xyz, off_dump, off_csv;
} run_state;

typedef struct {
    aion_writer *xyz, *dump;
    FILE *csv;
} run_out;

static aion_status cut_file(const char *path, long size, aion_error *err)
{
    if (!path) return AION_OK;
    if (truncate(path, size) != 0)
        return aion_err_set(err, AION_ERR_IO, "%s: cannot cut back to %ld bytes for the restart: %s", path, size,
                            strerror(errno));
    return AION_OK;
}

static aion_status open_outputs(run_out *out, const aion_run_opts *o, int fresh, aion_error *err)
{
    aion_write_opts wo;
    aion_status st;
    memset(out, 0, sizeof *out);
    if (fresh) {
        const char *paths[3] = {o->traj_xyz, o->traj_dump, o->thermo_csv};
        for (int k = 0; k < 3; k++) {
            if (!paths[k]) continue;
            FILE *fp = fopen(paths[k], "wb");
            if (!fp) return aion_err_set(err, AION_ERR_IO, "%s: cannot create: %s", paths[k], strerror(errno));
            fclose(fp);
        }
    }
    aion_write_opts_init(&wo);
    wo.append = 1;
    wo.precision = o->traj_precision;
    if (o->traj_xyz) {
        wo.format = AION_FMT_EXTXYZ;
        if ((st = aion_writer_open(&out->xyz, o->traj_xyz, &wo, err)) != AION_OK) return st;
    }
    if (o->traj_dump) {
        wo.format = AION_FMT_LAMMPS_DUMP;
        if ((st = aion_writer_open(&out->dump, o->traj_dump, &wo, err)) != AION_OK) return st;
    }
    if (o->thermo_csv) {
        out->csv = fopen(o->thermo_csv, "ab");
        if (!out->csv) return aion_err_set(err, AION_ERR_IO, "%s: cannot open: %s", o->thermo_csv, strerror(errno));
        if (fresh)
            fputs("step,time_fs,T_K,Epot_eV,Ekin_eV,Etot_eV,conserved_eV,P_GPa,V_A3,density_gcc,a_A,b_A,c_A,alpha_deg,"
                  "beta_deg,gamma_deg\n",
                  out->csv);
    }
    return AION_OK;
}

static aion_status close_outputs(run_out *out, aion_error *err)
{
    aion_status st = AION_OK, s2;
    if (out->xyz && (s2 = aion_writer_close(out->xyz, err)) != AION_OK) st = s2;
    if (out->dump && (s2 = aion_writer_close(out->dump, err)) != AION_OK && st == AION_OK) st = s2;
    if (out->csv && fclose(out->csv) != 0 && st == AION_OK) st = aion_err_set(err, AION_ERR_IO, "thermo log: close failed");
    memset(out, 0, sizeof *out);
    return st;
}

static aion_status write_thermo(aion_md *md, run_out *out)
{
    aion_thermo t;
    double abc[3], ang[3];
    aion_md_thermo(md, &t);
    aion_cell_to_params(t.cell, abc, ang);
    fprintf(out->csv, "%ld,%.6f,%.6f,%.10g,%.10g,%.10g,%.10g,%.8g,%.8g,%.8g,%.8g,%.8g,%.8g,%.6g,%.6g,%.6g\n", t.step,
            t.time_fs, t.temp_K, t.epot, t.ekin, t.etot, t.conserved, t.press * AION_EV_A3_TO_GPA, t.volume, t.density,
            abc[0], abc[1], abc[2], ang[0], ang[1], ang[2]);
    return ferror(out->csv) ? AION_ERR_IO : AION_OK;
}

static aion_status write_frames(aion_md *md, run_out *out, int positions_only, aion_error *err)
{
    const aion_frame *f = aion_md_frame(md);
    aion_frame slim;
    aion_status st;
    if (!f) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    if (positions_only) {
        /* shallow copy that hides the per-atom data a transport analysis does not need */
        slim = *f;
        slim.has &= ~(unsigned)(AION_HAS_VEL | AION_HAS_FORCES | AION_HAS_MASS | AION_HAS_ATOM_ENERGY);
        f = &slim;
    }
    if (out->xyz && (st = aion_writer_write(out->xyz, f)) != AION_OK)
        return aion_err_set(err, st, "%s", aion_writer_errmsg(out->xyz));
    if (out->dump && (st = aion_writer_write(out->dump, f)) != AION_OK)
        return aion_err_set(err, st, "%s", aion_writer_errmsg(out->dump));
    return AION_OK;
}

static aion_status checkpoint(aion_md *md, run_out *out, run_state *rs, const char *path, aion_error *err)
{
    aion_status st;
    long off;
    rs->off_xyz = rs->off_dump = rs->off_csv = 0;
    if (out->xyz) {
        if ((st = aion_writer_flush(out->xyz, &off)) != AION_OK) return aion_err_set(err, st, "%s", aion_writer_errmsg(out->xyz));
        rs->off_xyz = off;
    }
    if (out->dump) {
        if ((st = aion_writer_flush(out->dump, &off)) != AION_OK) return aion_err_set(err, st, "%s", aion_writer_errmsg(out->dump));
        rs->off_dump = off;
    }
    if (out->csv) {
        if (fflush(out->csv) != 0) return aion_err_set(err, AION_ERR_IO, "thermo log: write error: %s", strerror(errno));
        rs->off_csv = ftell(out->csv);
    }
    if ((st = aion_md_save(md, path, rs, sizeof *rs)) != AION_OK) return aion_err_copy(err, &md->err);
    return AION_OK;
}

static long until_next(long done, long every) { return every > 0 ? every - done % every : -1; }

aion_status aion_md_run(aion_md *md, const aion_segment *segs, int nseg, const aion_run_opts *o, aion_error *err)
{
    run_state rs;
    run_out out;
    aion_status st;
    long total = 0;
    int fresh = 1;
    memset(&rs, 0, sizeof rs);
    memcpy(rs.magic, "AIONRUN1", 8);
    for (int k = 0; k < nseg; k++) {
        if (segs[k].nsteps < 0) return aion_err_set(err, AION_ERR_INVALID, "segment %d has a negative length", k);
        total += segs[k].nsteps;
    }
    if (o->restart) {
        size_t len = 0;
        if (!o->checkpoint) return aion_err_set(err, AION_ERR_INVALID, "restart needs a checkpoint file");
        if (access(o->checkpoint, R_OK) == 0) {
            if ((st = aion_md_load(md, o->checkpoint, &rs, sizeof rs, &len)) != AION_OK) return aion_err_copy(err, &md->err);
            if (len != sizeof rs || memcmp(rs.magic, "AIONRUN1", 8) != 0 || rs.seg < 0 || rs.seg > nseg)
                return aion_err_set(err, AION_ERR_INVALID, "%s: checkpoint does not belong to a protocol run", o->checkpoint);
            if ((st = cut_file(o->traj_xyz, (long)rs.off_xyz, err)) || (st = cut_file(o->traj_dump, (long)rs.off_dump, err)) ||
                (st = cut_file(o->thermo_csv, (long)rs.off_csv, err)))
                return st;
            fresh = 0;
        }
        /* no checkpoint yet: start from the beginning */
    }
    /* blow-up guard: the largest target temperature of the segments */
    double ratio = o->max_temp_ratio == 0 ? 20 : o->max_temp_ratio, tmax = 0;
    for (int k = 0; k < nseg && ratio > 0; k++) tmax = fmax(tmax, fmax(segs[k].t_start_K, segs[k].t_end_K));
    tmax *= ratio > 0 ? ratio : 0;
    if ((st = open_outputs(&out, o, fresh, err)) != AION_OK) {
        close_outputs(&out, NULL);
        return st;
    }
    if (fresh) {
        if (segs && nseg > 0) {
            aion_md_set_ramp(md, segs[0].t_start_K, segs[0].t_end_K, segs[0].nsteps);
            aion_md_set_pressure(md, segs[0].press_GPa);
        }
        if ((st = aion_md_compute(md)) != AION_OK) {
            aion_err_copy(err, &md->err);
            goto done;
        }
        if (out.csv && o->thermo_every > 0 && (st = write_thermo(md, &out)) != AION_OK) goto done;
        if (o->traj_every > 0 && (st = write_frames(md, &out, o->traj_positions_only, err)) != AION_OK) goto done;
    }
    while (rs.seg < nseg) {
        const aion_segment *sg = &segs[rs.seg];
        if (sg->nsteps == 0) {
            rs.seg++;
            continue;
        }
        if (rs.seg_done == 0) {
            aion_md_set_ramp(md, sg->t_start_K, sg->t_end_K, sg->nsteps);
            aion_md_set_pressure(md, sg->press_GPa);
        }
        while (rs.seg_done < sg->nsteps) {
            long n = sg->nsteps - rs.seg_done, e;
            if ((e = until_next(rs.done, o->traj_every)) > 0 && e < n) n = e;
            if ((e = until_next(rs.done, o->thermo_every)) > 0 && e < n) n = e;
            if ((e = until_next(rs.done, o->checkpoint_every)) > 0 && e < n) n = e;
            if ((e = until_next(rs.done, o->progress_every)) > 0 && e < n) n = e;
            if ((st = aion_md_step(md, n)) != AION_OK) {
                aion_err_copy(err, &md->err);
                goto done;
            }
            rs.seg_done += n;
            rs.done += n;
            if (rs.seg_done == sg->nsteps) {
                rs.seg++;
                rs.seg_done = 0;
            }
            if (o->thermo_every > 0 && rs.done % o->thermo_every == 0 && out.csv && (st = write_thermo(md, &out)) != AION_OK) {
                aion_err_set(err, st, "%s: write error", o->thermo_csv);
                goto done;
            }
            if (o->traj_every > 0 && rs.done % o->traj_every == 0 && (st = write_frames(md, &out, o->traj_positions_only, err)) != AION_OK) goto done;
            if (o->checkpoint && o->checkpoint_every > 0 && rs.done % o->checkpoint_every == 0 &&
                (st = checkpoint(md, &out, &rs, o->checkpoint, err)) != AION_OK)
                goto done;
            int report = o->progress && (o->progress_every <= 0 || rs.done % o->progress_every == 0 || rs.done == total);
            aion_thermo t;
            if (tmax > 0 || report) aion_md_thermo(md, &t);
            if (tmax > 0 && !(t.temp_K <= tmax)) {
                st = aion_err_set(err, AION_ERR_NUMERIC,
                                  "step %ld: temperature %.3g K, more than %g x the highest target temperature "
                                  "(%g K): the dynamics has blown up (a potential outside its training data: "
                                  "check the extrapolation grade; atoms too close; or too long a time step)",
                                  aion_md_step_count(md), t.temp_K, ratio, tmax / ratio);
                goto done;
            }
            if (report) {
                if (o->progress(o->user, rs.done, total, &t)) {
                    if (o->checkpoint && (st = checkpoint(md, &out, &rs, o->checkpoint, err)) != AION_OK) goto done;
                    st = AION_EOF;
                    goto done;
                }
            }
            if (rs.seg >= nseg) break;
            if (rs.seg_done == 0) break; /* next segment: set its ramp first */
        }
    }
    if (o->checkpoint) st = checkpoint(md, &out, &rs, o->checkpoint, err);
    else st = AION_OK;
done:;
    aion_status s2 = close_outputs(&out, err);
    return st != AION_OK ? st : s2;
}
