/*
 * cluster-blas-probe: checks the BLAS library that libtorch will use, in a process of its own.
 *
 * OpenBLAS picks its kernels once, when the library loads, from OPENBLAS_CORETYPE or its own CPU detection. Builds of
 * Debian 12's age detect some virtual CPUs as generic (SSE3 "Prescott", 3-5x slower) and have kernels that crash or
 * compute wrong results on some newer CPUs. So the cluster tries a kernel family here first: a crash takes down this
 * probe, not a node.
 *
 *   cluster-blas-probe [--library PATH] [--measure REPEATS]
 *
 * Prints one JSON object: the library file, OpenBLAS's core name and build config (null for another BLAS), whether
 * sgemm/dgemm agree with a plain double-precision reference on shapes that reach the kernels' edge cases, and with
 * --measure the sgemm rate on 1024^3 (best and median of REPEATS). Exit code 0 when the results are right, 2 when they
 * are wrong, 3 when the library cannot be loaded.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef void (*sgemm_fn)(const char*, const char*, const int*, const int*, const int*, const float*, const float*,
                         const int*, const float*, const int*, const float*, float*, const int*);
typedef void (*dgemm_fn)(const char*, const char*, const int*, const int*, const int*, const double*, const double*,
                         const int*, const double*, const int*, const double*, double*, const int*);
typedef char* (*string_fn)(void);

static unsigned long long lcg_state = 0x2545F4914F6CDD1DULL;

static double next_uniform(void) {
  lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(lcg_state >> 11) / (double)(1ULL << 53) * 2.0 - 1.0;
}

static void json_string(const char* text) {
  if (text == NULL) {
    fputs("null", stdout);
    return;
  }
  putchar('"');
  for (const char* c = text; *c; c++) {
    if (*c == '"' || *c == '\\') printf("\\%c", *c);
    else if ((unsigned char)*c < 0x20) printf("\\u%04x", *c);
    else putchar(*c);
  }
  putchar('"');
}

/* Column-major C = op(A) op(B) against a double reference; returns the worst error relative to sum |a||b|. */
static double check_sgemm(sgemm_fn sgemm, int m, int n, int k, char trans_a) {
  int lda = trans_a == 'N' ? m : k;
  float* a = malloc(sizeof(float) * (size_t)m * k);
  float* b = malloc(sizeof(float) * (size_t)k * n);
  float* c = malloc(sizeof(float) * (size_t)m * n);
  for (long i = 0; i < (long)m * k; i++) a[i] = (float)next_uniform();
  for (long i = 0; i < (long)k * n; i++) b[i] = (float)next_uniform();
  for (long i = 0; i < (long)m * n; i++) c[i] = NAN; /* beta 0 must not read C */
  float one = 1.0f, zero = 0.0f;
  const char no = 'N';
  sgemm(&trans_a, &no, &m, &n, &k, &one, a, &lda, b, &k, &zero, c, &m);
  double worst = 0.0;
  for (int j = 0; j < n; j++) {
    for (int i = 0; i < m; i++) {
      double sum = 0.0, scale = 1e-30;
      for (int p = 0; p < k; p++) {
        double av = trans_a == 'N' ? a[i + (long)p * m] : a[p + (long)i * k];
        double bv = b[p + (long)j * k];
        sum += av * bv;
        scale += fabs(av * bv);
      }
      double error = fabs((double)c[i + (long)j * m] - sum) / scale;
      if (!(error <= worst)) worst = isnan(error) ? INFINITY : error;
    }
  }
  free(a);
  free(b);
  free(c);
  return worst;
}

static double check_dgemm(dgemm_fn dgemm, int m, int n, int k) {
  double* a = malloc(sizeof(double) * (size_t)m * k);
  double* b = malloc(sizeof(double) * (size_t)k * n);
  double* c = malloc(sizeof(double) * (size_t)m * n);
  for (long i = 0; i < (long)m * k; i++) a[i] = next_uniform();
  for (long i = 0; i < (long)k * n; i++) b[i] = next_uniform();
  double one = 1.0, zero = 0.0;
  const char no = 'N';
  dgemm(&no, &no, &m, &n, &k, &one, a, &m, b, &k, &zero, c, &m);
  double worst = 0.0;
  for (int j = 0; j < n; j++) {
    for (int i = 0; i < m; i++) {
      long double sum = 0.0L;
      double scale = 1e-300;
      for (int p = 0; p < k; p++) {
        sum += (long double)a[i + (long)p * m] * b[p + (long)j * k];
        scale += fabs(a[i + (long)p * m] * b[p + (long)j * k]);
      }
      double error = fabs((double)((long double)c[i + (long)j * m] - sum)) / scale;
      if (!(error <= worst)) worst = isnan(error) ? INFINITY : error;
    }
  }
  free(a);
  free(b);
  free(c);
  return worst;
}

static double seconds_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int compare_doubles(const void* x, const void* y) {
  double a = *(const double*)x, b = *(const double*)y;
  return (a > b) - (a < b);
}

int main(int argc, char** argv) {
  const char* library = "libblas.so.3";
  int repeats = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--library") == 0 && i + 1 < argc) library = argv[++i];
    else if (strcmp(argv[i], "--measure") == 0 && i + 1 < argc) repeats = atoi(argv[++i]);
    else {
      fprintf(stderr, "cluster-blas-probe: unknown argument '%s' (expected --library PATH, --measure REPEATS)\n", argv[i]);
      return 64;
    }
  }

  void* handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
  if (handle == NULL) {
    fprintf(stderr, "cluster-blas-probe: cannot load %s: %s\n", library, dlerror());
    return 3;
  }
  sgemm_fn sgemm = (sgemm_fn)dlsym(handle, "sgemm_");
  dgemm_fn dgemm = (dgemm_fn)dlsym(handle, "dgemm_");
  if (sgemm == NULL || dgemm == NULL) {
    fprintf(stderr, "cluster-blas-probe: %s has no sgemm_/dgemm_\n", library);
    return 3;
  }
  Dl_info where;
  char resolved[PATH_MAX];
  const char* file = dladdr((void*)sgemm, &where) && where.dli_fname ? where.dli_fname : library;
  if (realpath(file, resolved) != NULL) file = resolved;
  string_fn corename = (string_fn)dlsym(handle, "openblas_get_corename");
  string_fn config = (string_fn)dlsym(handle, "openblas_get_config");

  /* Shapes: tiny, odd edges of the micro-kernels, transposed A, and one large enough to take the blocked path. */
  static const int shapes[][4] = {{1, 1, 1, 'N'}, {7, 5, 3, 'N'}, {67, 129, 253, 'N'}, {33, 250, 17, 'T'}, {256, 256, 256, 'N'}, {257, 31, 300, 'T'}};
  double sgemm_error = 0.0;
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
    double error = check_sgemm(sgemm, shapes[s][0], shapes[s][1], shapes[s][2], (char)shapes[s][3]);
    if (!(error <= sgemm_error)) sgemm_error = isnan(error) ? INFINITY : error;
  }
  double dgemm_error = fmax(check_dgemm(dgemm, 67, 129, 253), check_dgemm(dgemm, 256, 256, 256));
  /* float: a few ulps of the accumulated sum; double: the same in its own precision. */
  int right = sgemm_error <= 1e-5 && dgemm_error <= 1e-13;

  printf("{\"library\": ");
  json_string(file);
  printf(", \"corename\": ");
  json_string(corename ? corename() : NULL);
  printf(", \"config\": ");
  json_string(config ? config() : NULL);
  printf(", \"sgemm_error\": %.3g, \"dgemm_error\": %.3g, \"right\": %s", isinf(sgemm_error) ? 1e300 : sgemm_error,
         isinf(dgemm_error) ? 1e300 : dgemm_error, right ? "true" : "false");

  if (repeats > 0 && right) {
    const int n = 1024;
    float* a = malloc(sizeof(float) * n * n);
    float* b = malloc(sizeof(float) * n * n);
    float* c = malloc(sizeof(float) * n * n);
    for (int i = 0; i < n * n; i++) {
      a[i] = (float)next_uniform();
      b[i] = (float)next_uniform();
    }
    float one = 1.0f, zero = 0.0f;
    const char no = 'N';
    sgemm(&no, &no, &n, &n, &n, &one, a, &n, b, &n, &zero, c, &n); /* warm-up: pages, thread pool */
    double* rates = malloc(sizeof(double) * repeats);
    for (int r = 0; r < repeats; r++) {
      double start = seconds_now();
      sgemm(&no, &no, &n, &n, &n, &one, a, &n, b, &n, &zero, c, &n);
      rates[r] = 2.0 * n * n * n / (seconds_now() - start) / 1e9;
    }
    qsort(rates, repeats, sizeof(double), compare_doubles);
    printf(", \"gemm_gflops_best\": %.2f, \"gemm_gflops_median\": %.2f", rates[repeats - 1], rates[repeats / 2]);
    free(rates);
    free(a);
    free(b);
    free(c);
  }
  printf("}\n");
  return right ? 0 : 2;
}
