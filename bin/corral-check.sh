#!/bin/sh
# corral-check.sh: the POSIX sh twin of `corral check`, a Nagios plugin that costs a curl: the same
# exit codes (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN) and the same first line. Needs curl, sed, tr.
#
# Usage: corral-check.sh SLAVE [--collector URL] [--token-file FILE] [--ca FILE] [--timeout SECONDS]
# Environment: CORRAL_URL, CORRAL_TOKEN_FILE, CORRAL_TOKEN, CORRAL_CA.
# The collector words the answer (GET /api/v1/slaves/SLAVE/check); the token goes to curl on its
# standard input, never in its arguments, where every user could read it in ps.
set -u
LC_ALL=C
export LC_ALL
USAGE='corral check SLAVE [--collector URL] [--token-file FILE] [--ca FILE] [--timeout SECONDS]'

answer() {
  printf '%s\n' "$2"
  exit "$1"
}
unknown() { answer 3 "UNKNOWN - $1"; }
wrong() { unknown "corral check: $1 (usage: $USAGE)"; }

placeholder() {
  case $1 in --collector) echo '<url>' ;; --token) echo '<token>' ;; --timeout) echo '<seconds>' ;; *) echo '<file>' ;; esac
}

slave='' nslaves=0 url='' token='' token_file='' token_given=0 ca='' timeout=10
while [ $# -gt 0 ]; do
  case $1 in
    -h | --help)
      sed -n '5,6s/^# \{0,1\}//p' "$0"
      exit 0
      ;;
    --) shift && for a in "$@"; do slave=$a nslaves=$((nslaves + 1)); done && break ;;
    --*=*) opt=${1%%=*} value=${1#*=} && shift ;;
    --collector | --token | --token-file | --ca | --timeout)
      [ $# -ge 2 ] || wrong "option '$1 $(placeholder "$1")' argument missing"
      opt=$1 value=$2
      shift 2
      ;;
    -?*) wrong "unknown option '$1'" ;;
    *) slave=$1 nslaves=$((nslaves + 1)) && shift && continue ;;
  esac
  case $opt in
    --collector) url=$value ;;
    --token) token=$value token_given=1 ;;
    --token-file) token_file=$value ;;
    --ca) ca=$value ;;
    --timeout) timeout=$value ;;
    *) wrong "unknown option '$opt'" ;;
  esac
done
[ "$nslaves" -gt 0 ] || wrong "missing required argument 'slave'"
[ "$nslaves" -eq 1 ] || wrong "too many arguments for 'check'. Expected 1 argument but got $nslaves."
[ "$token_given" -eq 0 ] || [ -z "$token_file" ] || wrong 'give --token or --token-file, not both'

case $slave in
  '') unknown 'a slave name must not be empty' ;;
  [!A-Za-z0-9]* | *[!A-Za-z0-9._-]*)
    unknown "\"$slave\" is not a slave name: use letters, digits, \".\", \"_\" and \"-\", starting with a letter or digit"
    ;;
esac
[ "${#slave}" -le 128 ] || unknown "a slave name has at most 128 characters (got ${#slave})"
# Whole or decimal seconds above 0 (1, 0.5); curl takes the same.
positive_number() {
  case $1 in '' | *[!0-9.]* | *.*.* | .* | *.) return 1 ;; esac
  case $1 in *[1-9]*) return 0 ;; *) return 1 ;; esac
}
positive_number "$timeout" || wrong "--timeout \"$timeout\" is not a number of seconds above 0"

# Flags first, then the environment, as `corral check` does.
url=${url:-${CORRAL_URL:-http://127.0.0.1:8474}}
url=${url%%,*}
case $url in
  ws://*) url=http://${url#ws://} ;;
  wss://*) url=https://${url#wss://} ;;
  http://* | https://*) ;;
  *://*) unknown "\"$url\" is not a collector address: it must start with http:// or https://" ;;
  *) url=http://$url ;;
esac
while [ "${url%/}" != "$url" ]; do url=${url%/}; done
if [ "$token_given" -eq 0 ] && [ -z "$token_file" ]; then
  # As every other corral client: which one was meant is not ours to guess.
  [ -z "${CORRAL_TOKEN:-}" ] || [ -z "${CORRAL_TOKEN_FILE:-}" ] ||
    unknown 'both CORRAL_TOKEN and CORRAL_TOKEN_FILE are set: unset one of them'
  token=${CORRAL_TOKEN:-} token_file=${CORRAL_TOKEN_FILE:-}
fi
ca=${ca:-${CORRAL_CA:-}}

readable() {
  [ -e "$2" ] || unknown "cannot read $1 $2: no such file"
  [ -r "$2" ] || unknown "cannot read $1 $2: permission denied"
}
if [ -z "$token" ] && [ -n "$token_file" ]; then
  readable 'token file' "$token_file"
  token=$(tr -d ' \t\r\n' <"$token_file")
  [ -n "$token" ] || unknown "token file $token_file is empty: put a viewer token in it"
fi
[ -z "$ca" ] || readable 'CA file' "$ca"

# The token reaches curl on its standard input (`-K -`, a here-document), so it is in no argv.
if [ -n "$token" ]; then
  body=$(curl -sS -K - --max-time "$timeout" ${ca:+--cacert "$ca"} -w '\n%{http_code}' \
    "$url/api/v1/slaves/$slave/check" 2>&1 <<EOF
header = "Authorization: Bearer $token"
EOF
  )
else
  body=$(curl -sS --max-time "$timeout" ${ca:+--cacert "$ca"} -w '\n%{http_code}' \
    "$url/api/v1/slaves/$slave/check" 2>&1)
fi
status=$?
if [ "$status" -ne 0 ]; then
  case $status in
    7) why='connection refused (is it running?)' ;;
    6) why='unknown host' ;;
    28) why='no answer in time' ;;
    *) why=$(printf '%s\n' "$body" | sed -n 's/^curl: ([0-9]*) //p' | sed -n 1p) ;;
  esac
  unknown "cannot reach the collector at $url: ${why:-curl exit $status}"
fi
code=${body##*
}
text=${body%
*}
text=${text%
}
case $code in
  2??) ;;
  *)
    # {"error":"...","field":"..."}: the message, unescaped as far as ours ever need.
    why=$(printf '%s\n' "$text" | sed -n 's/^{"error":"\(.*\)"\(,"field":"[^"]*"\)\{0,1\}}$/\1/p' |
      sed -e 's/\\"/"/g' -e 's/\\\\/\\/g')
    unknown "the collector at $url answered $code: ${why:-$text}"
    ;;
esac
case $text in
  'OK - '*) answer 0 "$text" ;;
  'WARNING - '*) answer 1 "$text" ;;
  'CRITICAL - '*) answer 2 "$text" ;;
  'UNKNOWN - '*) answer 3 "$text" ;;
  *) unknown "the collector at $url answered something that is not a plugin line" ;;
esac
