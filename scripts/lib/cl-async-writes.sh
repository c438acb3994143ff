# Sourced by tornado.sh and scripts/test (with $root set): cl_async_writes_lib prints the path of the
# preload library built from scripts/native/cl-async-writes.c (scripts/lib/native.sh), or nothing
# where there is no C compiler to build it.
source "$root/scripts/lib/native.sh"
cl_async_writes_lib() {
  native_lib cl-async-writes
}

# Runs scripts/native/cl-async-writes-check.c with the library preloaded, in each of its modes
# (MAMBA2_CL_ASYNC_WRITES 1 and 2): 0 when it holds or cannot run here (no C compiler, no OpenCL
# device: one line says so), 1 when the library gave a kernel or a buffer wrong bytes.
cl_async_writes_check() {
  local lib check rc mode
  lib=$(cl_async_writes_lib)
  if [ -z "$lib" ]; then echo "cl-async-writes check: skipped (no C compiler to build the library)"; return 0; fi
  check="${lib%/*}/cl-async-writes-check"
  cc -O2 -o "$check" "$root/scripts/native/cl-async-writes-check.c" -ldl || return 1
  for mode in 1 2; do
    rc=0
    echo -n "mode $mode: "
    MAMBA2_CL_ASYNC_WRITES=$mode LD_PRELOAD="$lib" "$check" || rc=$?
    [ "$rc" = 1 ] && return 1
    [ "$rc" = 2 ] && break
  done
  return 0
}
