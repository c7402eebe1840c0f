/*
 * Scratch files for tests: one temporary directory per test program, paths in
 * it, small text files written and read back whole. Include after test.h.
 */
#ifndef AION_TEST_FILES_H
#define AION_TEST_FILES_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char test_tmpdir_[128];

/* Make /tmp/aion-test-NAME-XXXXXX; exits with status 2 if it cannot. */
static inline void test_tmpdir_make(const char *name)
{
    snprintf(test_tmpdir_, sizeof test_tmpdir_, "/tmp/aion-test-%s-XXXXXX", name);
    if (!mkdtemp(test_tmpdir_)) {
        perror("mkdtemp");
        exit(2);
    }
}

static inline void test_tmpdir_remove(void)
{
    char cmd[200];
    if (!test_tmpdir_[0]) return;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", test_tmpdir_);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", test_tmpdir_);
}

/* NAME inside the temporary directory (16 rotating buffers). */
static inline const char *test_path(const char *name)
{
    static char buf[16][256];
    static int k;
    char *p = buf[k++ % 16];
    snprintf(p, 256, "%s/%s", test_tmpdir_, name);
    return p;
}

/* Write TEXT to PATH; exits with status 2 if it cannot. */
static inline void test_write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    if (!fp) {
        perror(path);
        exit(2);
    }
    fputs(text, fp);
    fclose(fp);
}

/* Write TEXT to NAME in the temporary directory; returns the path. */
static inline const char *test_file_with(const char *name, const char *text)
{
    const char *p = test_path(name);
    test_write_text(p, text);
    return p;
}

/* The whole file as a NUL-terminated string (free it), or NULL. */
static inline char *test_slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    long n;
    char *s;
    if (!fp) return NULL;
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    rewind(fp);
    if (n < 0 || !(s = malloc((size_t)n + 1))) {
        fclose(fp);
        return NULL;
    }
    if (fread(s, 1, (size_t)n, fp) != (size_t)n) n = 0;
    s[n] = '\0';
    fclose(fp);
    return s;
}

#endif
