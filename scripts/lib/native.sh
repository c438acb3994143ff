# Sourced with $root set: native_lib NAME prints the path of the preload library built from scripts/native/NAME.c
# (runner/target/native/libmamba2-NAME.so), building it first where it is missing or older than its source and a C
# compiler is found; prints nothing when there is none.
native_lib() {
  local src="$root/scripts/native/$1.c"
  local lib="$root/runner/target/native/libmamba2-$1.so"
  if [ -f "$src" ] && { [ ! -f "$lib" ] || [ "$src" -nt "$lib" ]; } && command -v cc >/dev/null 2>&1; then
    mkdir -p "${lib%/*}"
    if cc -O2 -shared -fPIC -o "$lib.$$" "$src" -ldl -lpthread; then mv -f "$lib.$$" "$lib"; else rm -f "$lib.$$"; fi
  fi
  if [ -f "$lib" ]; then echo "$lib"; fi
}

# Runs scripts/native/nvrtc-options-check.c: the NVRTC options library preloaded before a stand-in NVRTC that a library
# opened RTLD_LOCAL calls, as TornadoVM's JVM has it. 0 when the options reach the named kernel's compile alone (or
# there is no C compiler: a line says so), 1 when not.
nvrtc_options_check() {
  local lib dir src="$root/scripts/native/nvrtc-options-check.c"
  lib=$(native_lib nvrtc-options)
  if [ -z "$lib" ]; then echo "nvrtc-options check: skipped (no C compiler to build the library)"; return 0; fi
  dir="${lib%/*}/nvrtc-options-check"
  mkdir -p "$dir"
  cc -O2 -shared -fPIC -DROLE_FAKE -Wl,-soname,libnvrtc.so.13 -o "$dir/libnvrtc.so.13" "$src" || return 1
  cc -O2 -shared -fPIC -DROLE_CALLER -o "$dir/libcaller.so" "$src" -L"$dir" -l:libnvrtc.so.13 || return 1
  cc -O2 -o "$dir/check" "$src" -ldl || return 1
  MAMBA2_NVRTC_OPTIONS='gemmWide=--maxrregcount=128 -lineinfo' LD_PRELOAD="$lib" LD_LIBRARY_PATH="$dir" "$dir/check" "$dir/libcaller.so"
}
