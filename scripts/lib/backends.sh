# Sourced by the launchers: sets tornado_backends to the TornadoVM backends named by the --device /
# --devices arguments in "$@" ("all" for `devices` or `--devices all`; empty when only the JVM is
# named), and wants_tornado to 1 when any TornadoVM device is named.
tornado_backends=""
wants_tornado=0
add_backends() {
  local spec
  for spec in ${1//,/ }; do
    case "$spec" in
      jvm) ;;
      all) tornado_backends=all; wants_tornado=1 ;;
      *) wants_tornado=1
         spec=${spec%%/*}  # a /exact or /fast precision suffix
         [ "$tornado_backends" = all ] || case " $tornado_backends " in *" ${spec%%:*} "*) ;; *) tornado_backends="$tornado_backends ${spec%%:*}" ;; esac ;;
    esac
  done
}
prev=""
for a in "$@"; do
  case "$prev" in --device|--devices) add_backends "$a" ;; esac
  case "$a" in
    --device=*|--devices=*) add_backends "${a#*=}" ;;
    devices) [ -z "$prev" ] && { tornado_backends=all; wants_tornado=2; } ;;
  esac
  prev="$a"
done
tornado_backends=$(echo $tornado_backends | tr 'A-Z' 'a-z')
