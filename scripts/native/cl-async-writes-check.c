/*
 * Checks cl-async-writes.c on the first OpenCL device (run by scripts/test with the library preloaded,
 * in each of its modes, scripts/lib/cl-async-writes.sh):
 * - writes: 10,000 small blocking writes, each to its own 32-byte place of one buffer, the source
 *   bytes overwritten right after every call returns (as TornadoVM's frame array is reused), more
 *   writes than the pinned ring has slots; then one read of the whole buffer must give every
 *   write's bytes;
 * - frames: 1,000 launches the way TornadoVM makes them (argument 0 and one more set to a shared
 *   frame buffer, a 24-byte blocking write of one of five frames into it, then the kernel; half of
 *   them with the write before the arguments, as its SPIR-V launches do), each kernel copying what
 *   it sees through both arguments; then every launch must have seen its own frame, and a 24-byte
 *   write to a buffer that is no kernel's argument 0 must have landed.
 * Exit 0 and one line when all holds, 1 with the first wrong value otherwise, 2 when there is no
 * OpenCL device or the library is not preloaded.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef int32_t cl_int;
typedef uint32_t cl_uint;
typedef uint32_t cl_bool;
typedef uint64_t cl_bitfield;
typedef struct _cl_platform_id *cl_platform_id;
typedef struct _cl_device_id *cl_device_id;
typedef struct _cl_context *cl_context;
typedef struct _cl_command_queue *cl_command_queue;
typedef struct _cl_mem *cl_mem;
typedef struct _cl_event *cl_event;
typedef struct _cl_program *cl_program;
typedef struct _cl_kernel *cl_kernel;

#define CL_DEVICE_TYPE_ALL 0xFFFFFFFF
#define CL_MEM_READ_WRITE (1 << 0)

#define WRITES 10000
#define PLACE 32
#define FRAME 24

typedef cl_int (*platforms_fn)(cl_uint, cl_platform_id *, cl_uint *);
typedef cl_int (*devices_fn)(cl_platform_id, cl_bitfield, cl_uint, cl_device_id *, cl_uint *);
typedef cl_context (*context_fn)(const intptr_t *, cl_uint, const cl_device_id *, void *, void *, cl_int *);
typedef cl_command_queue (*queue_fn)(cl_context, cl_device_id, cl_bitfield, cl_int *);
typedef cl_mem (*buffer_fn)(cl_context, cl_bitfield, size_t, void *, cl_int *);
typedef cl_int (*transfer_fn)(cl_command_queue, cl_mem, cl_bool, size_t, size_t, void *, cl_uint, const cl_event *, cl_event *);
typedef cl_program (*program_fn)(cl_context, cl_uint, const char **, const size_t *, cl_int *);
typedef cl_int (*build_fn)(cl_program, cl_uint, const cl_device_id *, const char *, void *, void *);
typedef cl_kernel (*kernel_fn)(cl_program, const char *, cl_int *);
typedef cl_int (*arg_fn)(cl_kernel, cl_uint, size_t, const void *);
typedef cl_int (*launch_fn)(cl_command_queue, cl_kernel, cl_uint, const size_t *, const size_t *, const size_t *, cl_uint,
                            const cl_event *, cl_event *);

#define LAUNCHES 1000
#define KINDS 5

static const char *FRAME_KERNEL =
    "__kernel void seen(__global long *frame, __global long *out, int i, __global long *again) {\n"
    "    if (get_global_id(0) == 0) { out[4 * i] = frame[0]; out[4 * i + 1] = frame[1]; out[4 * i + 2] = frame[2];"
    " out[4 * i + 3] = again[1]; }\n"
    "}\n";

static long frame_value(int kind, int slot) {
    return 1000L * kind + slot + 1;
}

/* The frames part (see the top): 0 when it holds, 1 otherwise. */
static int check_frames(void *lib, transfer_fn write, transfer_fn read, cl_context context, cl_device_id device,
                        cl_command_queue queue) {
    program_fn create_program = (program_fn) dlsym(lib, "clCreateProgramWithSource");
    build_fn build = (build_fn) dlsym(lib, "clBuildProgram");
    kernel_fn create_kernel = (kernel_fn) dlsym(lib, "clCreateKernel");
    /* through the library where it wraps them (it follows the arguments and the launches), else straight */
    arg_fn set_arg = (arg_fn) dlsym(RTLD_DEFAULT, "clSetKernelArg");
    launch_fn launch = (launch_fn) dlsym(RTLD_DEFAULT, "clEnqueueNDRangeKernel");
    if (set_arg == NULL) set_arg = (arg_fn) dlsym(lib, "clSetKernelArg");
    if (launch == NULL) launch = (launch_fn) dlsym(lib, "clEnqueueNDRangeKernel");
    buffer_fn create_buffer = (buffer_fn) dlsym(lib, "clCreateBuffer");
    cl_int status = 0;
    cl_program program = create_program(context, 1, &FRAME_KERNEL, NULL, &status);
    if (status != 0 || build(program, 1, &device, "", NULL, NULL) != 0) {
        printf("cl-async-writes check: the frame kernel did not build\n");
        return 1;
    }
    cl_kernel kernel = create_kernel(program, "seen", &status);
    cl_mem frame = create_buffer(context, CL_MEM_READ_WRITE, FRAME, NULL, &status);
    cl_mem out = create_buffer(context, CL_MEM_READ_WRITE, (size_t) LAUNCHES * 4 * sizeof(long), NULL, &status);
    cl_mem other = create_buffer(context, CL_MEM_READ_WRITE, FRAME, NULL, &status);
    if (status != 0) {
        printf("cl-async-writes check: the frame buffers could not be made (%d)\n", status);
        return 1;
    }
    long bytes[3];
    size_t one = 1;
    for (int i = 0; i < LAUNCHES; i++) {
        int kind = (i * 7) % KINDS;
        for (int k = 0; k < 3; k++) bytes[k] = frame_value(kind, k);
        /* the first half as TornadoVM's OpenCL launches (arguments, then the frame), the second as its SPIR-V ones (the
           frame, then the arguments): only the first may be taken from the frame's own buffer */
        int spirv = i >= LAUNCHES / 2;
        if ((spirv && write(queue, frame, 1, 0, FRAME, bytes, 0, NULL, NULL) != 0)
            || set_arg(kernel, 0, sizeof frame, &frame) != 0 || set_arg(kernel, 1, sizeof out, &out) != 0
            || set_arg(kernel, 2, sizeof i, &i) != 0 || set_arg(kernel, 3, sizeof frame, &frame) != 0
            || (!spirv && write(queue, frame, 1, 0, FRAME, bytes, 0, NULL, NULL) != 0)) {
            printf("cl-async-writes check: launch %d could not be set up\n", i);
            return 1;
        }
        memset(bytes, 0xAA, sizeof bytes);
        if (launch(queue, kernel, 1, NULL, &one, &one, 0, NULL, NULL) != 0) {
            printf("cl-async-writes check: launch %d failed\n", i);
            return 1;
        }
        for (int k = 0; k < 3; k++) bytes[k] = -frame_value(i, k);
        if (write(queue, other, 1, 0, FRAME, bytes, 0, NULL, NULL) != 0) {
            printf("cl-async-writes check: the write beside launch %d failed\n", i);
            return 1;
        }
    }
    static long seen[LAUNCHES * 4];
    long landed[3];
    if (read(queue, out, 1, 0, sizeof seen, seen, 0, NULL, NULL) != 0 || read(queue, other, 1, 0, sizeof landed, landed, 0, NULL, NULL) != 0) {
        printf("cl-async-writes check: the frames could not be read back\n");
        return 1;
    }
    for (int i = 0; i < LAUNCHES; i++) {
        int kind = (i * 7) % KINDS;
        for (int k = 0; k < 4; k++) {
            long want = frame_value(kind, k < 3 ? k : 1);
            if (seen[4 * i + k] != want) {
                printf("cl-async-writes check: launch %d saw %ld in frame place %d, not %ld\n", i, seen[4 * i + k], k, want);
                return 1;
            }
        }
    }
    for (int k = 0; k < 3; k++) {
        if (landed[k] != -frame_value(LAUNCHES - 1, k)) {
            printf("cl-async-writes check: a 24-byte write beside the launches did not land (%ld)\n", landed[k]);
            return 1;
        }
    }
    return 0;
}

static unsigned char expected(int write, int byte) {
    return (unsigned char) (write * 7 + byte * 13 + (write >> 8));
}

int main(void) {
    void *lib = dlopen("libOpenCL.so.1", RTLD_NOW);
    if (lib == NULL) {
        printf("cl-async-writes check: skipped (no libOpenCL.so.1)\n");
        return 2;
    }
    transfer_fn write = (transfer_fn) dlsym(RTLD_DEFAULT, "clEnqueueWriteBuffer");
    if (write == NULL || write == (transfer_fn) dlsym(lib, "clEnqueueWriteBuffer")) {
        printf("cl-async-writes check: the library is not preloaded\n");
        return 2;
    }
    platforms_fn platforms = (platforms_fn) dlsym(lib, "clGetPlatformIDs");
    devices_fn devices = (devices_fn) dlsym(lib, "clGetDeviceIDs");
    context_fn create_context = (context_fn) dlsym(lib, "clCreateContext");
    queue_fn create_queue = (queue_fn) dlsym(lib, "clCreateCommandQueue");
    buffer_fn create_buffer = (buffer_fn) dlsym(lib, "clCreateBuffer");
    transfer_fn read = (transfer_fn) dlsym(lib, "clEnqueueReadBuffer");
    cl_platform_id platform;
    cl_device_id device;
    cl_uint count = 0;
    cl_int status = 0;
    if (platforms(1, &platform, &count) != 0 || count == 0 || devices(platform, CL_DEVICE_TYPE_ALL, 1, &device, &count) != 0 || count == 0) {
        printf("cl-async-writes check: skipped (no OpenCL device)\n");
        return 2;
    }
    cl_context context = create_context(NULL, 1, &device, NULL, NULL, &status);
    cl_command_queue queue = status == 0 ? create_queue(context, device, 0, &status) : NULL;
    cl_mem buffer = status == 0 ? create_buffer(context, CL_MEM_READ_WRITE, (size_t) WRITES * PLACE, NULL, &status) : NULL;
    if (status != 0) {
        printf("cl-async-writes check: failed to set up the device (%d)\n", status);
        return 1;
    }
    static unsigned char back[WRITES * PLACE];
    memset(back, 0xEE, sizeof back);
    if (write(queue, buffer, 1, 0, sizeof back, back, 0, NULL, NULL) != 0) {
        printf("cl-async-writes check: the buffer could not be cleared\n");
        return 1;
    }
    unsigned char frame[FRAME];
    for (int w = 0; w < WRITES; w++) {
        for (int i = 0; i < FRAME; i++) frame[i] = expected(w, i);
        cl_event event = NULL;
        status = write(queue, buffer, 1, (size_t) w * PLACE, FRAME, frame, 0, NULL, (w & 1) ? &event : NULL);
        memset(frame, 0xAA, sizeof frame);
        if (status != 0) {
            printf("cl-async-writes check: write %d failed (%d)\n", w, status);
            return 1;
        }
    }
    if (read(queue, buffer, 1, 0, sizeof back, back, 0, NULL, NULL) != 0) {
        printf("cl-async-writes check: the read failed\n");
        return 1;
    }
    for (int w = 0; w < WRITES; w++) {
        for (int i = 0; i < PLACE; i++) {
            unsigned char want = i < FRAME ? expected(w, i) : 0xEE;
            if (back[w * PLACE + i] != want) {
                printf("cl-async-writes check: write %d byte %d is %02x, not %02x\n", w, i, back[w * PLACE + i], want);
                return 1;
            }
        }
    }
    if (check_frames(lib, write, read, context, device, queue) != 0) return 1;
    printf("cl-async-writes check: %d small blocking writes read back right, %d launches saw their own frames\n", WRITES, LAUNCHES);
    return 0;
}
