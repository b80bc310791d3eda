#!/bin/sh
# corral-beat.sh: the buildbot start hook for slaves without Node, with the same time budget, spool
# file and exit status as `corral beat`. Needs curl (or GNU wget) and POSIX sh, date, sed, grep, tr.
#
# Usage: corral-beat.sh SLAVE [--master M] [--pool P] [--critical MESSAGE] [--collector URL[,URL...]]
#          [--token T | --token-file FILE] [--ca FILE] [--timeout SECONDS] [--spool-dir DIR]
#          [--spool-max N] [--strict] [--flush] [-v]
# Environment: CORRAL_URL, CORRAL_TOKEN, CORRAL_TOKEN_FILE, CORRAL_CA, CORRAL_SPOOL_DIR, CORRAL_TIMEOUT.
# Exit status: 0 delivered or spooled; 1 refused by the collector or bad arguments (nothing
# spooled); 75 spooled, only with --strict.
set -u
LC_ALL=C
export LC_ALL
umask 022
prog=corral-beat.sh
CHUNK=500

warn() { printf '%s: warning: %s\n' "$prog" "$1" >&2; }
die() {
  printf '%s: %s\n' "$prog" "$1" >&2
  exit 1
}
usage() { sed -n '5,11s/^# \{0,1\}//p' "$0"; }

# Names as the collector allows them; checked before any JSON is built from them.
is_name() {
  case $1 in '' | [!A-Za-z0-9]* | *[!A-Za-z0-9._-]*) return 1 ;; esac
  [ "${#1}" -le 128 ]
}
is_master() {
  case $1 in '' | [!A-Za-z0-9]* | *[!A-Za-z0-9._:-]*) return 1 ;; esac
  [ "${#1}" -le 128 ]
}
# A message as a JSON string body: one line, no control characters, \ and " escaped.
json_text() { printf '%s' "$1" | tr '\n\r\t' '   ' | tr -d '\000-\037\177' | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g'; }

slave='' master='' pool='' message='' kind=start strict=0 flush=0 verbose=0 spool_max=1000
url=${CORRAL_URL:-http://127.0.0.1:8474}
token=${CORRAL_TOKEN:-}
token_file=${CORRAL_TOKEN_FILE:-}
token_from=CORRAL_TOKEN_FILE
token_flag=''
ca=${CORRAL_CA:-}
ca_from=CORRAL_CA
timeout=${CORRAL_TIMEOUT:-5}
spool_dir=${CORRAL_SPOOL_DIR:-}
while [ $# -gt 0 ]; do
  case $1 in
    --master | --pool | --critical | --collector | --token | --token-file | --ca | --timeout | --spool-dir | --spool-max)
      [ $# -ge 2 ] || die "$1 needs a value (run with --help for usage)"
      opt=$1 value=$2
      shift 2
      ;;
    --*=*)
      opt=${1%%=*} value=${1#*=}
      shift
      ;;
    --strict) strict=1 && shift && continue ;;
    --flush) flush=1 && shift && continue ;;
    -v | --verbose) verbose=1 && shift && continue ;;
    -h | --help) usage && exit 0 ;;
    -*) die "unknown option $1 (run with --help for usage)" ;;
    *)
      [ -z "$slave" ] || die "one slave name only (got \"$slave\" and \"$1\")"
      slave=$1
      shift
      continue
      ;;
  esac
  case $opt in
    --master) master=$value ;;
    --pool) pool=$value ;;
    --critical) message=$value kind=critical ;;
    --collector) url=$value ;;
    --token | --token-file)
      [ -z "$token_flag" ] || [ "$token_flag" = "$opt" ] || die "give --token or --token-file, not both"
      token_flag=$opt
      if [ "$opt" = --token ]; then token=$value token_file=''; else token_file=$value token_from=--token-file token=''; fi
      ;;
    --ca) ca=$value ca_from=--ca ;;
    --timeout) timeout=$value ;;
    --spool-dir) spool_dir=$value ;;
    --spool-max) spool_max=$value ;;
    *) die "unknown option $opt (run with --help for usage)" ;;
  esac
done

timeout=${timeout%s}
case $timeout in '' | *[!0-9]* | 0) die "--timeout \"$timeout\" must be whole seconds, e.g. 5" ;; esac
case $spool_max in '' | *[!0-9]* | 0) die "--spool-max \"$spool_max\" must be a whole number, e.g. 1000" ;; esac
# Several collectors (URL,URL): each is tried in turn within the budget, as `corral beat` does.
urls='' url_count=0 url_list=$url
rest=$url_list,
while [ -n "$rest" ]; do
  item=${rest%%,*}
  rest=${rest#*,}
  url_count=$((url_count + 1))
  where=''
  [ "$url_list" = "$item" ] || where="collector address $url_count of \"$url_list\": "
  [ -n "$item" ] || die "${where:-the collector address: }it is empty: separate collector addresses with single commas, e.g. http://collector-a:8474,http://collector-b:8474"
  case $item in http://?* | https://?*) item=${item%/} ;; *) die "$where\"$item\" is not a collector address: it must start with http:// or https://" ;; esac
  case $item in *[!][A-Za-z0-9._~:/%-]*) die "$where\"$item\" is not a collector address: use e.g. http://buildfarm-collector:8474" ;; esac
  case " $urls " in *" $item "*) die "$where\"$item\" is listed twice: give each collector once" ;; esac
  urls="${urls:+$urls }$item"
done
url=${urls%% *}
if [ -z "$slave" ]; then
  [ "$flush" = 1 ] || die "which slave? give its name, e.g. $prog \"\$(hostname -s)\", or use --flush"
else
  is_name "$slave" || die "\"$slave\" is not a slave name: use letters, digits, \".\", \"_\" and \"-\", starting with a letter or digit"
fi
[ -z "$master" ] || is_master "$master" || die "--master: master must be a host name, optionally with :port"
[ -z "$pool" ] || is_name "$pool" || die "--pool: pool must use letters, digits, \".\", \"_\" and \"-\""
[ "${#message}" -le 1024 ] || die "--critical: message has at most 1024 characters"
if [ -z "$token_flag" ] && [ -n "$token" ] && [ -n "$token_file" ]; then
  die "both CORRAL_TOKEN and CORRAL_TOKEN_FILE are set: unset one of them"
fi
if [ -n "$token_file" ]; then
  [ -r "$token_file" ] && [ -f "$token_file" ] || die "$token_from: cannot read the token file $token_file: check the path and its permissions"
  token=$(cat "$token_file")
  [ -n "$token" ] || die "$token_from: $token_file is empty: put the token in it"
fi
token_source=--token
[ -z "$token_file" ] || token_source="$token_from $token_file"
case $token in *[!A-Za-z0-9._~+/=-]*) die "$token_source: a token uses letters, digits and ._~+/=- only" ;; esac
if [ -n "$ca" ]; then
  [ -r "$ca" ] && [ -f "$ca" ] || die "$ca_from: cannot read the CA certificate $ca: check the path and its permissions"
  grep -q -e '-----BEGIN CERTIFICATE-----' "$ca" || die "$ca_from: $ca is not a PEM certificate: give the CA's certificate (-----BEGIN CERTIFICATE-----)"
fi

if [ -z "$spool_dir" ]; then
  if [ -w /var/spool/corral ] || { [ ! -e /var/spool/corral ] && [ -w /var/spool ]; }; then
    spool_dir=/var/spool/corral
  else
    spool_dir=${HOME:-/tmp}/.corral/spool
  fi
fi
spool=$spool_dir/heartbeats.jsonl
lock_dir=$spool_dir/heartbeats.lock
deadline=$(($(date +%s) + timeout))
# `date +%s` counts whole seconds: with less than 3 s, a reserved second could leave the
# collector no time at all.
spool_reserve=0
[ "$timeout" -lt 3 ] || spool_reserve=1

tmp=$(mktemp -d 2>/dev/null || mktemp -d -t corral-beat) || die "cannot make a temp dir"
locked=0
unlock() {
  [ "$locked" = 0 ] || rmdir "$lock_dir" 2>/dev/null
  locked=0
}
trap 'unlock; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

# mkdir is atomic: the same lock `corral beat` takes. Held for milliseconds, so give up after
# ~0.5 s: the two waits fit in the second the budget keeps for the spool.
lock() {
  tries=0
  while ! mkdir "$lock_dir" 2>/dev/null; do
    tries=$((tries + 1))
    [ "$tries" -le 5 ] || return 1
    # A lock older than a minute was left by a killed process.
    if [ -n "$(find "$lock_dir" -prune -mmin +1 2>/dev/null)" ]; then
      rmdir "$lock_dir" 2>/dev/null
    else
      sleep 0.1 2>/dev/null || sleep 1
    fi
  done
  locked=1
}
fsync() { sync "$1" 2>/dev/null || sync; }

# The new heartbeat, live (the collector's clock stamps it) and as a spool line (with its time).
fresh=''
if [ -n "$slave" ]; then
  fresh="{\"slave\":\"$slave\",\"kind\":\"$kind\""
  [ -z "$master" ] || fresh="$fresh,\"master\":\"$master\""
  [ -z "$pool" ] || fresh="$fresh,\"pool\":\"$pool\""
  [ "$kind" = start ] || fresh="$fresh,\"message\":\"$(json_text "$message")\""
  fresh_line="$fresh,\"at\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\"}"
  fresh="$fresh}"
fi

# Auth travels in a config file, not on the command line where `ps` would show it.
: >"$tmp/curlrc"
: >"$tmp/wgetrc"
if [ -n "$token" ]; then
  printf 'header = "Authorization: Bearer %s"\n' "$token" >"$tmp/curlrc"
  printf 'header = Authorization: Bearer %s\n' "$token" >"$tmp/wgetrc"
fi

# POSTs the file $1 to each collector in turn (the one that answered last first) until one
# answers, each within its share of what is left of the budget, less a second kept for the spool
# (when the budget has one to spare); sets status (000: no answer), reason and url.
post() {
  tried=0 reasons=''
  set -f
  for url in $urls; do
    left=$((deadline - spool_reserve - $(date +%s)))
    if [ "$left" -le 0 ]; then
      status=000 reason="the collector at $url did not answer in time"
    else
      share=$((left / (url_count - tried)))
      [ "$share" -ge 1 ] || share=1
      post_to "$1" "$share"
    fi
    tried=$((tried + 1))
    case $status in 000 | 5?? | 408 | 429) ;; *) break ;; esac
    reasons="${reasons:+$reasons; }$reason"
    [ "$left" -gt 0 ] || break
  done
  set +f
  case $status in
    000 | 5?? | 408 | 429) [ "$tried" -le 1 ] || reason="no collector took it ($reasons)" ;;
    *)
      # The collector that answered is tried first by the next batch.
      others=''
      set -f
      for u in $urls; do [ "$u" = "$url" ] || others="$others $u"; done
      set +f
      urls=$url$others
      ;;
  esac
}
# POSTs the file $1 to $url within $2 seconds.
post_to() {
  left=$2
  : >"$tmp/answer"
  if command -v curl >/dev/null 2>&1; then
    status=$(curl -q -sS --max-time "$left" -K "$tmp/curlrc" ${ca:+--cacert "$ca"} \
      -H 'Content-Type: application/json' --data-binary "@$1" -o "$tmp/answer" -w '%{http_code}' \
      "$url/api/v1/heartbeats" 2>"$tmp/err")
    curl_rc=$?
    case $curl_rc in
      0) ;;
      28) status=000 reason="the collector at $url did not answer in time" ;;
      7) status=000 reason="the collector at $url refused the connection (is it running?)" ;;
      6) status=000 reason="the collector at $url cannot be found (DNS)" ;;
      60) status=000 reason="the collector at $url cannot be reached: $(tls_problem "$(sed -n '1s/^curl: ([0-9]*) //p' "$tmp/err")")" ;;
      35) status=000 reason="the collector at $url cannot be reached: the TLS handshake failed (a collector without tls: needs http://): $(head -n 1 "$tmp/err")" ;;
      52 | 56) status=000 reason="the collector at $url cannot be reached: the connection was closed without an answer (a collector serving TLS needs https://)" ;;
      *) status=000 reason="the collector at $url cannot be reached: $(head -n 1 "$tmp/err")" ;;
    esac
  elif command -v wget >/dev/null 2>&1; then
    WGETRC=$tmp/wgetrc wget -q -S -T "$left" -t 1 -O "$tmp/answer" --content-on-error \
      ${ca:+"--ca-certificate=$ca"} --header='Content-Type: application/json' --post-file="$1" \
      "$url/api/v1/heartbeats" 2>"$tmp/err"
    wget_rc=$?
    status=$(sed -n 's/^ *HTTP\/[0-9.]* \([0-9][0-9][0-9]\).*/\1/p' "$tmp/err" | tail -n 1)
    if [ -z "$status" ] && [ "$wget_rc" = 5 ]; then
      status=000 reason="the collector at $url cannot be reached: $(tls_problem 'wget: SSL verification failure')"
    fi
    [ -n "$status" ] || status=000 reason="the collector at $url cannot be reached (wget: $(head -n 1 "$tmp/err"))"
  else
    status=000 reason="neither curl nor wget is installed"
  fi
  [ "$status" = 000 ] || reason="the collector at $url answered $status: $(answer_error)"
}
# A certificate the CA does not vouch for, or one made out to another name: what to do about it.
tls_problem() {
  case $1 in
    *'subject name'* | *"doesn't match"*) printf '%s' "its certificate is not for this host name ($1): connect by a name the certificate holds" ;;
    *)
      by="this machine's CAs"
      [ -z "$ca" ] || by="the CA in $ca"
      printf '%s' "its certificate is not trusted by $by ($1): give the CA that signed the collector's certificate with --ca FILE or CORRAL_CA"
      ;;
  esac
}
answer_error() {
  error=$(sed -n 's/.*"error":"\([^"]*\)".*/\1/p' "$tmp/answer")
  [ -n "$error" ] || error=$(head -c 200 "$tmp/answer" | tr -d '\000-\037')
  printf '%s' "${error:-no details}"
}

# The spooled lines, in order, then the new heartbeat: in batches of at most CHUNK.
: >"$tmp/pending"
# Only whole lines: one torn by a crash would make the whole batch unreadable.
[ ! -f "$spool" ] || grep '^{.*}$' "$spool" >"$tmp/pending"
: >"$tmp/done"
replayed=0 given_up=0 first_given_up='' fresh_state=none refusal='' retry=0 status='' reason=''
[ -z "$fresh" ] || fresh_state=pending
while :; do
  count=$(wc -l <"$tmp/pending" | tr -d ' ')
  [ "$count" -gt 0 ] || [ "$fresh_state" = pending ] || break
  head -n "$CHUNK" "$tmp/pending" >"$tmp/chunk"
  taken=$(wc -l <"$tmp/chunk" | tr -d ' ')
  with_fresh=0
  if [ "$taken" -eq "$count" ] && [ "$fresh_state" = pending ]; then with_fresh=1; fi
  { [ "$with_fresh" = 0 ] || printf '%s\n' "$fresh" >>"$tmp/chunk"; } && sed -e '1s/^/[/' -e '$!s/$/,/' -e '$s/$/]/' "$tmp/chunk" >"$tmp/body"
  post "$tmp/body"
  case $status in
    2??)
      head -n "$taken" "$tmp/pending" >>"$tmp/done"
      sed "1,${taken}d" "$tmp/pending" >"$tmp/rest" && mv "$tmp/rest" "$tmp/pending"
      replayed=$((replayed + taken))
      [ "$with_fresh" = 0 ] || fresh_state=delivered
      ;;
    000 | 5?? | 408 | 429)
      retry=1
      break
      ;;
    400)
      # Nothing of a refused batch is stored; the collector names the bad item. Take it out and
      # send the rest, so one bad spooled heartbeat never wedges every beat after it.
      index=$(sed -n 's/.*"field":"\[\([0-9]*\)\].*/\1/p' "$tmp/answer")
      if [ -n "$index" ] && [ "$index" -lt "$taken" ]; then
        n=$((index + 1))
        sed -n "${n}p" "$tmp/pending" >>"$tmp/done"
        sed "${n}d" "$tmp/pending" >"$tmp/rest" && mv "$tmp/rest" "$tmp/pending"
        given_up=$((given_up + 1))
        [ -n "$first_given_up" ] || first_given_up=$(answer_error)
      elif [ -n "$index" ] && [ "$with_fresh" = 1 ]; then
        fresh_state=refused refusal="$status: $(answer_error)"
      else
        refusal="$status: $(answer_error)"
        break
      fi
      ;;
    *)
      refusal="$status: $(answer_error)"
      break
      ;;
  esac
done
[ -z "$refusal" ] || [ "$fresh_state" != pending ] || fresh_state=refused

# Take the delivered and given-up lines out, and spool the new heartbeat if it did not go.
dropped=0
mkdir -p "$spool_dir" 2>/dev/null
if [ -s "$tmp/done" ] && lock; then
  grep -vxF -f "$tmp/done" "$spool" | grep '^{.*}$' >"$tmp/kept"
  cp "$tmp/kept" "$spool.$$.tmp" && fsync "$spool.$$.tmp" && mv "$spool.$$.tmp" "$spool"
  unlock
fi
if [ "$fresh_state" = pending ]; then
  lock || warn "the spool lock $lock_dir is held; appending anyway"
  # A line torn by a crash must not swallow this one.
  if [ -s "$spool" ] && [ "$(tail -c 1 "$spool" | od -An -tx1 | tr -d ' \n')" != 0a ]; then
    printf '\n' >>"$spool"
  fi
  waiting=0
  [ ! -f "$spool" ] || waiting=$(grep -c '^{' "$spool")
  if [ "$locked" = 1 ] && [ "$waiting" -ge "$spool_max" ]; then
    dropped=$((waiting - spool_max + 1))
    { grep '^{' "$spool" | tail -n "$((spool_max - 1))"; printf '%s\n' "$fresh_line"; } >"$spool.$$.tmp" &&
      fsync "$spool.$$.tmp" && mv "$spool.$$.tmp" "$spool" && fresh_state=spooled
  elif printf '%s\n' "$fresh_line" >>"$spool" 2>/dev/null; then
    fsync "$spool"
    fresh_state=spooled
  fi
  unlock
  [ "$fresh_state" = spooled ] || fresh_state=lost
fi
waiting=0
[ ! -f "$spool" ] || waiting=$(grep -c '^{' "$spool")

case $fresh_state in
  spooled) warn "$reason; the heartbeat is spooled in $spool ($waiting waiting) and will be sent by the next beat" ;;
  lost) warn "$reason, and the heartbeat could not be spooled in $spool: it is lost" ;;
  *) [ "$retry" = 0 ] || [ "$waiting" -eq 0 ] || warn "$reason; $waiting spooled heartbeats wait in $spool" ;;
esac
[ "$dropped" -eq 0 ] || warn "the spool $spool is full: dropped the $dropped oldest heartbeats"
[ "$given_up" -eq 0 ] || warn "gave up $given_up spooled heartbeats the collector will not take (first: $first_given_up)"
if [ -n "$refusal" ]; then
  case $refusal in
    401:* | 403:*) hint='check --token / $CORRAL_TOKEN (it needs the heartbeat role)' ;;
    404:*) hint='check --collector / $CORRAL_URL' ;;
    *) hint='fix the command line' ;;
  esac
  printf '%s: the collector at %s refused the heartbeat (%s): %s; it was not spooled\n' \
    "$prog" "$url" "$refusal" "$hint" >&2
  exit 1
fi
if [ "$verbose" = 1 ]; then
  what=flush
  [ -z "$slave" ] || what="heartbeat for $slave $fresh_state"
  printf '%s: %s; %s spooled heartbeats replayed, %s waiting\n' "$prog" "$what" "$replayed" "$waiting"
fi
case $fresh_state in spooled | lost) [ "$strict" = 0 ] || exit 75 ;; esac
[ "$flush" = 0 ] || [ "$waiting" -eq 0 ] || [ "$strict" = 0 ] || exit 75
exit 0
