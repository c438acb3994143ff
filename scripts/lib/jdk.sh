# Sourced by the scripts: finds a JDK 25+ and exports JAVA_HOME and PATH for it.
# Order: $JAVA_HOME if it is 25+, then /usr/lib/jvm/*, then `java` on PATH. Running needs only a
# java launcher (a JRE will do); building (need_javac=1) needs javac too.
java_major() { "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }
find_jdk25() {
  local candidates=() c v
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  for c in /usr/lib/jvm/*; do candidates+=("$c"); done
  command -v java >/dev/null 2>&1 && candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  for c in "${candidates[@]}"; do
    [ -x "$c/bin/java" ] || continue
    [ "${need_javac:-0}" = 1 ] && [ ! -x "$c/bin/javac" ] && continue
    v=$(java_major "$c/bin/java")
    if [ -n "$v" ] && [ "${v%%.*}" -ge 25 ] 2>/dev/null; then echo "$c"; return 0; fi
  done
  return 1
}
if ! JAVA_HOME=$(find_jdk25); then
  echo "mamba2: error: no JDK 25 found (looked at \$JAVA_HOME and /usr/lib/jvm); install JDK 25 and set JAVA_HOME" >&2
  exit 3
fi
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
