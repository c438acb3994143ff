/*
 * A CUDA driver that has no GPU behind it, for looking at what TornadoVM's PTX and CUDA backends
 * generate on a machine without one (scripts/kernel-registers --backend ptx|cuda).
 *
 * It answers the driver calls TornadoVM 5.2's PTX and CUDA back ends make as one H200 would
 * (compute capability 9.0, 132 SMs, 141 GB), keeps "device" memory in host memory, and runs no
 * kernel: a launch or a graph replay does nothing, so every result computed on the device is
 * whatever the buffer held. What it is for is the module each task loads: the PTX text the PTX
 * backend hands the driver's JIT (with the JIT options, the register cap among them) or the
 * cubin NVRTC built for the CUDA backend. cuModuleGetFunction names the kernel and writes the
 * module to $CUDA_STUB_DUMP/<kernel>.ptx or .cubin (<kernel>#2 ... for a kernel loaded again with
 * other code) and <kernel>.jit, the JIT options as "option value" lines, where ptxas, nvdisasm or
 * cuobjdump read it.
 *
 * No CUDA header is needed: the types below are the driver's as its ABI has them, and the functions
 * carry the names the driver exports (cuMemAlloc_v2, cuCtxCreate_v4, ...: what cuda.h 13 maps to).
 *
 * Build: gcc -O1 -shared -fPIC -o libcuda.so.1 -Wl,-soname,libcuda.so.1 cuda-driver-stub.c
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef int CUresult, CUdevice, CUdevice_attribute, CUjit_option, CUstreamCaptureMode, CUstreamCaptureStatus;
typedef void *CUcontext, *CUmodule, *CUfunction, *CUstream, *CUevent, *CUgraph, *CUgraphExec, *CUoccupancyB2DSize;
typedef unsigned long long CUdeviceptr;
typedef struct CUctxCreateParams CUctxCreateParams;
typedef struct CUgraphExecUpdateResultInfo CUgraphExecUpdateResultInfo;
typedef struct { char bytes[16]; } CUuuid;
enum { CUDA_SUCCESS = 0, CUDA_ERROR_OUT_OF_MEMORY = 2, CUDA_ERROR_INVALID_DEVICE = 101, CUDA_ERROR_NOT_SUPPORTED = 801 };
enum { CU_STREAM_CAPTURE_STATUS_NONE = 0 };
enum {
    CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 1, CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X = 2, CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y = 3,
    CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z = 4, CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X = 5, CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y = 6,
    CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z = 7, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK = 8, CU_DEVICE_ATTRIBUTE_TOTAL_CONSTANT_MEMORY = 9,
    CU_DEVICE_ATTRIBUTE_WARP_SIZE = 10, CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK = 12, CU_DEVICE_ATTRIBUTE_CLOCK_RATE = 13,
    CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16, CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE = 36, CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH = 37,
    CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE = 38, CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR = 39,
    CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76,
    CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR = 81, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97
};

typedef struct {
    void *image;
    size_t size;
    int ptx;
    unsigned int options;
    CUjit_option option[16];
    long value[16];
} stub_module;

static int dummy_handles[64];

static void *handle(int i) { return &dummy_handles[i % 64]; }

CUresult cuInit(unsigned int flags) { (void) flags; return CUDA_SUCCESS; }
CUresult cuDriverGetVersion(int *version) { *version = 13000; return CUDA_SUCCESS; }
CUresult cuDeviceGetCount(int *count) { *count = 1; return CUDA_SUCCESS; }
CUresult cuDeviceGet(CUdevice *device, int ordinal) { *device = ordinal; return ordinal == 0 ? CUDA_SUCCESS : CUDA_ERROR_INVALID_DEVICE; }

CUresult cuDeviceGetName(char *name, int len, CUdevice device) {
    (void) device;
    snprintf(name, (size_t) len, "NVIDIA H200 (no GPU: driver stub)");
    return CUDA_SUCCESS;
}

CUresult cuDeviceTotalMem_v2(size_t *bytes, CUdevice device) { (void) device; *bytes = 150754820096UL; return CUDA_SUCCESS; }

CUresult cuDeviceGetAttribute(int *value, CUdevice_attribute attribute, CUdevice device) {
    (void) device;
    switch (attribute) {
        case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK: *value = 1024; break;
        case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X: *value = 1024; break;
        case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y: *value = 1024; break;
        case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z: *value = 64; break;
        case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X: *value = 2147483647; break;
        case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y: *value = 65535; break;
        case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z: *value = 65535; break;
        case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK: *value = 49152; break;
        case CU_DEVICE_ATTRIBUTE_TOTAL_CONSTANT_MEMORY: *value = 65536; break;
        case CU_DEVICE_ATTRIBUTE_WARP_SIZE: *value = 32; break;
        case CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK: *value = 65536; break;
        case CU_DEVICE_ATTRIBUTE_CLOCK_RATE: *value = 1980000; break;
        case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: *value = 132; break;
        case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: *value = 9; break;
        case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: *value = 0; break;
        case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR: *value = 2048; break;
        case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR: *value = 233472; break;
        case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN: *value = 232448; break;
        case CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH: *value = 6144; break;
        case CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE: *value = 2619000; break;
        case CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE: *value = 52428800; break;
        default: *value = 1; break;
    }
    return CUDA_SUCCESS;
}

CUresult cuCtxCreate_v4(CUcontext *ctx, CUctxCreateParams *params, unsigned int flags, CUdevice device) {
    (void) params; (void) flags; (void) device;
    *ctx = (CUcontext) handle(1);
    return CUDA_SUCCESS;
}
CUresult cuCtxDestroy_v2(CUcontext ctx) { (void) ctx; return CUDA_SUCCESS; }
CUresult cuCtxSetCurrent(CUcontext ctx) { (void) ctx; return CUDA_SUCCESS; }
CUresult cuCtxSynchronize(void) { return CUDA_SUCCESS; }
CUresult cuCtxGetStreamPriorityRange(int *least, int *greatest) { *least = 0; *greatest = -5; return CUDA_SUCCESS; }

/* NVRTC asks a loaded driver for its private tables; this one has none to give */
CUresult cuGetExportTable(const void **table, const CUuuid *id) { (void) id; *table = NULL; return CUDA_ERROR_NOT_SUPPORTED; }

CUresult cuGetErrorName(CUresult error, const char **name) { (void) error; *name = "CUDA_STUB_ERROR"; return CUDA_SUCCESS; }
CUresult cuGetErrorString(CUresult error, const char **text) { (void) error; *text = "driver stub"; return CUDA_SUCCESS; }

/* memory: device pointers are host pointers */
CUresult cuMemAlloc_v2(CUdeviceptr *ptr, size_t bytes) {
    void *p = calloc(1, bytes ? bytes : 1);
    if (p == NULL) return CUDA_ERROR_OUT_OF_MEMORY;
    *ptr = (CUdeviceptr) p;
    return CUDA_SUCCESS;
}
CUresult cuMemFree_v2(CUdeviceptr ptr) { free((void *) ptr); return CUDA_SUCCESS; }
CUresult cuMemAllocHost_v2(void **ptr, size_t bytes) { *ptr = calloc(1, bytes ? bytes : 1); return *ptr ? CUDA_SUCCESS : CUDA_ERROR_OUT_OF_MEMORY; }
CUresult cuMemFreeHost(void *ptr) { free(ptr); return CUDA_SUCCESS; }
CUresult cuMemHostRegister_v2(void *ptr, size_t bytes, unsigned int flags) { (void) ptr; (void) bytes; (void) flags; return CUDA_SUCCESS; }
CUresult cuMemHostUnregister(void *ptr) { (void) ptr; return CUDA_SUCCESS; }
CUresult cuMemGetInfo_v2(size_t *free_bytes, size_t *total) { *free_bytes = 148000000000UL; *total = 150754820096UL; return CUDA_SUCCESS; }
CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void *src, size_t bytes, CUstream stream) { (void) stream; memcpy((void *) dst, src, bytes); return CUDA_SUCCESS; }
CUresult cuMemcpyDtoHAsync_v2(void *dst, CUdeviceptr src, size_t bytes, CUstream stream) { (void) stream; memcpy(dst, (const void *) src, bytes); return CUDA_SUCCESS; }
CUresult cuMemcpyDtoD_v2(CUdeviceptr dst, CUdeviceptr src, size_t bytes) { memmove((void *) dst, (const void *) src, bytes); return CUDA_SUCCESS; }
CUresult cuMemsetD8_v2(CUdeviceptr dst, unsigned char value, size_t n) { memset((void *) dst, value, n); return CUDA_SUCCESS; }

/* streams, events, graphs: nothing runs, everything has finished */
CUresult cuStreamCreate(CUstream *stream, unsigned int flags) { (void) flags; *stream = (CUstream) handle(2); return CUDA_SUCCESS; }
CUresult cuStreamCreateWithPriority(CUstream *stream, unsigned int flags, int priority) { (void) flags; (void) priority; *stream = (CUstream) handle(2); return CUDA_SUCCESS; }
CUresult cuStreamDestroy_v2(CUstream stream) { (void) stream; return CUDA_SUCCESS; }
CUresult cuStreamSynchronize(CUstream stream) { (void) stream; return CUDA_SUCCESS; }
CUresult cuStreamWaitEvent(CUstream stream, CUevent event, unsigned int flags) { (void) stream; (void) event; (void) flags; return CUDA_SUCCESS; }
CUresult cuStreamBeginCapture_v2(CUstream stream, CUstreamCaptureMode mode) { (void) stream; (void) mode; return CUDA_SUCCESS; }
CUresult cuStreamEndCapture(CUstream stream, CUgraph *graph) { (void) stream; *graph = (CUgraph) handle(3); return CUDA_SUCCESS; }
CUresult cuStreamIsCapturing(CUstream stream, CUstreamCaptureStatus *status) { (void) stream; *status = CU_STREAM_CAPTURE_STATUS_NONE; return CUDA_SUCCESS; }
CUresult cuEventCreate(CUevent *event, unsigned int flags) { (void) flags; *event = (CUevent) handle(4); return CUDA_SUCCESS; }
CUresult cuEventDestroy_v2(CUevent event) { (void) event; return CUDA_SUCCESS; }
CUresult cuEventRecord(CUevent event, CUstream stream) { (void) event; (void) stream; return CUDA_SUCCESS; }
CUresult cuEventQuery(CUevent event) { (void) event; return CUDA_SUCCESS; }
CUresult cuEventSynchronize(CUevent event) { (void) event; return CUDA_SUCCESS; }
CUresult cuEventElapsedTime_v2(float *ms, CUevent start, CUevent end) { (void) start; (void) end; *ms = 0.001f; return CUDA_SUCCESS; }
CUresult cuGraphInstantiateWithFlags(CUgraphExec *exec, CUgraph graph, unsigned long long flags) { (void) graph; (void) flags; *exec = (CUgraphExec) handle(5); return CUDA_SUCCESS; }
CUresult cuGraphExecUpdate_v2(CUgraphExec exec, CUgraph graph, CUgraphExecUpdateResultInfo *info) { (void) exec; (void) graph; (void) info; return CUDA_SUCCESS; }
CUresult cuGraphLaunch(CUgraphExec exec, CUstream stream) { (void) exec; (void) stream; return CUDA_SUCCESS; }
CUresult cuGraphExecDestroy(CUgraphExec exec) { (void) exec; return CUDA_SUCCESS; }
CUresult cuGraphDestroy(CUgraph graph) { (void) graph; return CUDA_SUCCESS; }

/* modules: kept until a function names them, then written out */
static CUresult load(CUmodule *module, const void *image, unsigned int n, CUjit_option *options, void **values) {
    stub_module *m = calloc(1, sizeof(stub_module));
    const unsigned char *bytes = image;
    if (bytes[0] == 0x7f && bytes[1] == 'E' && bytes[2] == 'L' && bytes[3] == 'F') {
        /* a cubin: it ends where the last of its sections or header tables ends */
        const Elf64_Ehdr *e = image;
        const Elf64_Shdr *sh = (const Elf64_Shdr *) (bytes + e->e_shoff);
        m->size = e->e_shoff + (size_t) e->e_shentsize * e->e_shnum;
        if (e->e_phoff + (size_t) e->e_phentsize * e->e_phnum > m->size) m->size = e->e_phoff + (size_t) e->e_phentsize * e->e_phnum;
        for (int i = 0; i < e->e_shnum; i++) {
            if (sh[i].sh_type != SHT_NOBITS && sh[i].sh_offset + sh[i].sh_size > m->size) m->size = sh[i].sh_offset + sh[i].sh_size;
        }
    } else {
        m->size = strlen(image);
        m->ptx = 1;
    }
    m->image = malloc(m->size);
    memcpy(m->image, image, m->size);
    for (unsigned int i = 0; i < n && i < 16; i++) {
        m->option[i] = options[i];
        m->value[i] = (long) values[i];
    }
    m->options = n < 16 ? n : 16;
    *module = (CUmodule) m;
    return CUDA_SUCCESS;
}
CUresult cuModuleLoadData(CUmodule *module, const void *image) { return load(module, image, 0, NULL, NULL); }
CUresult cuModuleLoadDataEx(CUmodule *module, const void *image, unsigned int n, CUjit_option *options, void **values) {
    return load(module, image, n, options, values);
}
CUresult cuModuleUnload(CUmodule module) { stub_module *m = (stub_module *) module; free(m->image); free(m); return CUDA_SUCCESS; }

CUresult cuModuleGetFunction(CUfunction *function, CUmodule module, const char *name) {
    stub_module *m = (stub_module *) module;
    const char *dir = getenv("CUDA_STUB_DUMP");
    if (dir != NULL) {
        /* one file a distinct module: <kernel>.cubin, then <kernel>#2.cubin ... (a kernel specialized twice) */
        char path[4096];
        mkdir(dir, 0755);
        /* the PTX backend's names run on with the whole signature: their first 96 characters name the task */
        int len = (int) strlen(name) < 96 ? (int) strlen(name) : 96;
        for (int n = 1;; n++) {
            if (n == 1) snprintf(path, sizeof path, "%s/%.*s.%s", dir, len, name, m->ptx ? "ptx" : "cubin");
            else snprintf(path, sizeof path, "%s/%.*s#%d.%s", dir, len, name, n, m->ptx ? "ptx" : "cubin");
            FILE *old = fopen(path, "rb");
            if (old == NULL) break;
            int same = 1;
            for (size_t i = 0; i < m->size && same; i++) same = fgetc(old) == ((unsigned char *) m->image)[i];
            same = same && fgetc(old) == EOF;
            fclose(old);
            if (same) goto done;
        }
        FILE *f = fopen(path, "wb");
        if (f != NULL) {
            fwrite(m->image, 1, m->size, f);
            fclose(f);
        }
        strcpy(strrchr(path, '.'), ".jit");
        f = fopen(path, "w");
        if (f != NULL) {
            for (unsigned int i = 0; i < m->options; i++) fprintf(f, "%d %ld\n", (int) m->option[i], m->value[i]);
            fclose(f);
        }
    }
done:
    *function = (CUfunction) handle(6);
    return CUDA_SUCCESS;
}

CUresult cuLaunchKernel(CUfunction f, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by, unsigned int bz,
                        unsigned int shared, CUstream stream, void **params, void **extra) {
    (void) f; (void) gx; (void) gy; (void) gz; (void) bx; (void) by; (void) bz; (void) shared; (void) stream; (void) params; (void) extra;
    return CUDA_SUCCESS;
}

CUresult cuOccupancyMaxPotentialBlockSize(int *min_grid, int *block, CUfunction f, CUoccupancyB2DSize size, size_t shared, int limit) {
    (void) f; (void) size; (void) shared;
    *min_grid = 264;
    *block = limit > 0 && limit < 1024 ? limit : 1024;
    return CUDA_SUCCESS;
}
