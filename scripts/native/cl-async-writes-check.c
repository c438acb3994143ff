/*
 * Checks cl-async-writes.c on the first OpenCL device (run by scripts/test with the library preloaded,
 * scripts/lib/cl-async-writes.sh): 10,000 small blocking writes, each to its own 32-byte place of one
 * buffer, the source bytes overwritten right after every call returns (as TornadoVM's frame array is
 * reused), more writes than the pinned ring has slots; then one read of the whole buffer must give
 * every write's bytes. Exit 0 and one line when it holds, 1 with the first wrong write otherwise,
 * 2 when there is no OpenCL device or the library is not preloaded.
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
    printf("cl-async-writes check: %d small blocking writes read back right\n", WRITES);
    return 0;
}
