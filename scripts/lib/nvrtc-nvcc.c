/*
 * NVRTC's C interface over nvcc, for TornadoVM's CUDA backend on a machine whose CUDA toolkit has
 * nvcc but no NVRTC (scripts/kernel-registers --backend cuda). NVRTC and nvcc put CUDA C through the
 * same front end, NVVM and ptxas, so the cubin is the one NVRTC of the same toolkit version builds.
 *
 * A compile writes the source to a temporary folder and runs `nvcc -cubin` (or `-ptx` for a
 * compute_XX target) with --resource-usage; where $CUDA_STUB_DUMP is set, each compile's source,
 * module and nvcc's ptxas lines are kept there as nvrtc-<pid>-<n>.cu, .cubin (or .ptx) and .log; where
 * $NVRTC_OPTIONS_LOG names a file, each compile's options are appended to it, a line a compile. Of the
 * options only the target, include paths and --maxrregcount reach nvcc. nvcc is $NVCC, else `nvcc` on the PATH.
 *
 * Build: gcc -O1 -shared -fPIC -o libnvrtc.so.13 -Wl,-soname,libnvrtc.so.13 -Wl,--version-script=V nvrtc-nvcc.c
 * with V: libnvrtc.so.13 { global: nvrtc*; local: *; };
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    char *source;
    char *log;
    char *image;
    size_t image_size;
    int ptx;
} program;

typedef enum { OK = 0, OUT_OF_MEMORY = 1, INVALID_INPUT = 3, INVALID_PROGRAM = 4, COMPILATION = 6 } result;

static char *slurp(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = malloc((size_t) n + 1);
    size_t got = fread(data, 1, (size_t) n, f);
    fclose(f);
    data[got] = 0;
    if (size != NULL) *size = got;
    return data;
}

static int arch_list[] = {75, 80, 86, 87, 88, 89, 90, 100, 103, 110, 120, 121};

result nvrtcVersion(int *major, int *minor) { *major = 13; *minor = 0; return OK; }
result nvrtcGetNumSupportedArchs(int *n) { *n = (int) (sizeof arch_list / sizeof arch_list[0]); return OK; }
result nvrtcGetSupportedArchs(int *archs) { memcpy(archs, arch_list, sizeof arch_list); return OK; }

const char *nvrtcGetErrorString(result r) { return r == OK ? "NVRTC_SUCCESS" : "NVRTC_ERROR (nvcc stand-in)"; }

result nvrtcCreateProgram(program **p, const char *source, const char *name, int headers, const char *const *h, const char *const *hn) {
    (void) name; (void) h; (void) hn;
    if (headers != 0) return INVALID_INPUT;
    *p = calloc(1, sizeof(program));
    if (*p == NULL) return OUT_OF_MEMORY;
    (*p)->source = strdup(source);
    (*p)->log = strdup("");
    return OK;
}

result nvrtcDestroyProgram(program **p) {
    if (p == NULL || *p == NULL) return INVALID_PROGRAM;
    free((*p)->source);
    free((*p)->log);
    free((*p)->image);
    free(*p);
    *p = NULL;
    return OK;
}

result nvrtcCompileProgram(program *p, int n, const char *const *options) {
    char dir[] = "/tmp/nvrtc-nvcc-XXXXXX";
    if (mkdtemp(dir) == NULL) return OUT_OF_MEMORY;
    char src[256], out[256], log[256], cmd[16384];
    snprintf(src, sizeof src, "%s/tornado_kernel.cu", dir);
    snprintf(log, sizeof log, "%s/log", dir);
    FILE *f = fopen(src, "w");
    fputs(p->source, f);
    fclose(f);
    const char *nvcc = getenv("NVCC") ? getenv("NVCC") : "nvcc";
    const char *arch = "sm_90";
    size_t used = 0;
    char extra[4096] = "";
    for (int i = 0; i < n; i++) {
        if (strncmp(options[i], "--gpu-architecture=", 19) == 0) arch = options[i] + 19;
        else if (strncmp(options[i], "--include-path=", 15) == 0) used += (size_t) snprintf(extra + used, sizeof extra - used, " -I'%s'", options[i] + 15);
        else if (strncmp(options[i], "--maxrregcount=", 15) == 0) used += (size_t) snprintf(extra + used, sizeof extra - used, " --maxrregcount=%s", options[i] + 15);
    }
    p->ptx = strncmp(arch, "compute_", 8) == 0;
    snprintf(out, sizeof out, "%s/out.%s", dir, p->ptx ? "ptx" : "cubin");
    snprintf(cmd, sizeof cmd, "'%s' %s -arch=%s -w --resource-usage%s -o '%s' '%s' > '%s' 2>&1", nvcc, p->ptx ? "-ptx" : "-cubin", arch, extra, out, src, log);
    int status = system(cmd);
    free(p->log);
    p->log = slurp(log, NULL);
    if (p->log == NULL) p->log = strdup("");
    const char *dump = getenv("CUDA_STUB_DUMP");
    if (dump != NULL && status == 0) {
        /* each compile kept as nvrtc-<pid>-<n>: its source, its module and nvcc's ptxas lines */
        static int compiles;
        char keep[4096];
        mkdir(dump, 0755);
        snprintf(keep, sizeof keep, "%s/nvrtc-%d-%04d", dump, (int) getpid(), ++compiles);
        snprintf(cmd, sizeof cmd, "cp '%s' '%s.cu' && cp '%s' '%s.%s' && cp '%s' '%s.log'", src, keep, out, keep, p->ptx ? "ptx" : "cubin", log, keep);
        if (system(cmd) != 0) { /* nothing kept: the run goes on */ }
    }
    {
        /* the options each compile got, a line a compile, where NVRTC_OPTIONS_LOG names a file */
        const char *all = getenv("NVRTC_OPTIONS_LOG");
        FILE *a = all != NULL ? fopen(all, "a") : NULL;
        if (a != NULL) {
            for (int i = 0; i < n; i++) fprintf(a, "%s%s", options[i], i + 1 < n ? " " : "\n");
            fclose(a);
        }
    }
    if (status == 0) p->image = slurp(out, &p->image_size);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) { /* a temporary folder left behind */ }
    if (status != 0 || p->image == NULL) return COMPILATION;
    if (p->ptx) p->image_size++; /* NVRTC's PTX size counts the terminating zero */
    return OK;
}

result nvrtcGetProgramLogSize(program *p, size_t *size) { *size = strlen(p->log) + 1; return OK; }
result nvrtcGetProgramLog(program *p, char *log) { strcpy(log, p->log); return OK; }
result nvrtcGetCUBINSize(program *p, size_t *size) { *size = p->ptx ? 0 : p->image_size; return OK; }
result nvrtcGetCUBIN(program *p, char *cubin) { if (!p->ptx) memcpy(cubin, p->image, p->image_size); return OK; }
result nvrtcGetPTXSize(program *p, size_t *size) { *size = p->ptx ? p->image_size : 0; return OK; }
result nvrtcGetPTX(program *p, char *ptx) { if (p->ptx) memcpy(ptx, p->image, p->image_size); return OK; }
