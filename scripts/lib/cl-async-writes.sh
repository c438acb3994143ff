# Sourced by tornado.sh and gpu-bundle (with $root set): cl_async_writes_lib prints the path of the
# preload library built from scripts/native/cl-async-writes.c, building it first where it is missing
# or older than its source and a C compiler is found; prints nothing when there is none.
cl_async_writes_lib() {
  local src="$root/scripts/native/cl-async-writes.c"
  local lib="$root/runner/target/native/libmamba2-cl-async-writes.so"
  if [ -f "$src" ] && { [ ! -f "$lib" ] || [ "$src" -nt "$lib" ]; } && command -v cc >/dev/null 2>&1; then
    mkdir -p "${lib%/*}"
    if cc -O2 -shared -fPIC -o "$lib.$$" "$src" -ldl -lpthread; then mv -f "$lib.$$" "$lib"; else rm -f "$lib.$$"; fi
  fi
  if [ -f "$lib" ]; then echo "$lib"; fi
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
