/*
 * Checks scripts/native/nvrtc-options.c as TornadoVM's JVM meets it (scripts/lib/native.sh, nvrtc_options_check): one
 * source built three ways. ROLE_FAKE: a stand-in NVRTC (libnvrtc.so.13) that records the options a compile gets.
 * ROLE_CALLER: a library linked against it, opened RTLD_LOCAL as the JVM opens TornadoVM's JNI library, that creates and
 * compiles a program. The program (neither): with the options library preloaded and MAMBA2_NVRTC_OPTIONS
 * 'gemmWide=--maxrregcount=128 -lineinfo', a source defining gemmWide must compile with the caller's option and both of
 * the entry's, one defining gemm (a prefix of the name) with the caller's alone. Exit 0 when it holds, 1 when not,
 * 2 when it cannot run.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(ROLE_FAKE)

static char seen[4096];

int nvrtcCreateProgram(void **prog, const char *src, const char *name, int n, const char *const *h, const char *const *hn) {
    (void) name; (void) n; (void) h; (void) hn;
    *prog = strdup(src);
    return 0;
}

int nvrtcCompileProgram(void *prog, int n, const char *const *options) {
    (void) prog;
    seen[0] = '\0';
    for (int i = 0; i < n; i++) {
        strncat(seen, options[i], sizeof seen - strlen(seen) - 2);
        strcat(seen, "|");
    }
    return 0;
}

int nvrtcDestroyProgram(void **prog) {
    free(*prog);
    *prog = NULL;
    return 0;
}

const char *fake_seen(void) {
    return seen;
}

#elif defined(ROLE_CALLER)

int nvrtcCreateProgram(void **prog, const char *src, const char *name, int n, const char *const *h, const char *const *hn);
int nvrtcCompileProgram(void *prog, int n, const char *const *options);
int nvrtcDestroyProgram(void **prog);
const char *fake_seen(void);

/* The options the stand-in saw for one compile of src, '|' after each. */
const char *compile_once(const char *src) {
    void *prog = NULL;
    static const char *const arch[] = {"--gpu-architecture=sm_90"};
    if (nvrtcCreateProgram(&prog, src, "k.cu", 0, NULL, NULL) != 0 || nvrtcCompileProgram(prog, 1, arch) != 0) return NULL;
    const char *s = fake_seen();
    nvrtcDestroyProgram(&prog);
    return s;
}

#else

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: nvrtc-options-check CALLER_LIBRARY\n");
        return 2;
    }
    void *caller = dlopen(argv[1], RTLD_LAZY | RTLD_LOCAL);
    const char *(*compile_once)(const char *) = caller != NULL ? (const char *(*)(const char *)) dlsym(caller, "compile_once") : NULL;
    if (compile_once == NULL) {
        fprintf(stderr, "nvrtc-options check: cannot load %s: %s\n", argv[1], dlerror());
        return 2;
    }
    struct { const char *source, *want; } cases[] = {
        {"extern \"C\" __global__ void gemmWide(int *a) {}", "--gpu-architecture=sm_90|--maxrregcount=128|-lineinfo|"},
        {"extern \"C\" __global__ void gemm(int *a) {}", "--gpu-architecture=sm_90|"},
    };
    int failed = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = compile_once(cases[i].source);
        if (got == NULL || strcmp(got, cases[i].want) != 0) {
            fprintf(stderr, "nvrtc-options check: %s compiled with %s, want %s\n", cases[i].source, got != NULL ? got : "(failed)", cases[i].want);
            failed = 1;
        }
    }
    if (!failed) printf("nvrtc-options check: options added to the named kernel only\n");
    return failed;
}

#endif
