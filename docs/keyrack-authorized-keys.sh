#!/bin/sh
# keyrack-authorized-keys: sshd's AuthorizedKeysCommand for Keyrack, and the reporter of
# completed logins (see docs/sshd.md).
#
# Prints the OpenSSH public keys Keyrack binds to this host, one per line, when sshd asks
# about an account the configuration serves, and nothing for any other account. It fails
# closed: on any error (configuration, network, timeout, HTTP status) it prints nothing and
# exits non-zero, and sshd then accepts no key from it. With the opt-in cache
# (KEYRACK_CACHE_MAX_AGE), it answers from Keyrack's last good answer while Keyrack cannot be
# reached or answers 5xx.
#
# sshd_config:
#   AuthorizedKeysCommand /usr/local/libexec/keyrack-authorized-keys -c /etc/keyrack/agent.conf %u %f
#   AuthorizedKeysCommandUser keyrack-agent
#
# Usage: keyrack-authorized-keys [-c CONFIG] USER [FINGERPRINT]
#   CONFIG defaults to /etc/keyrack/agent.conf. FINGERPRINT is sshd's %f, the offered key's
#   SHA256:... fingerprint: Keyrack then answers with that key's line only (or nothing), one
#   indexed lookup per offered key. Without it, or in another form (FingerprintHash md5),
#   or with the cache on, every bound key is printed and sshd picks the line itself.
#
# Usage: keyrack-authorized-keys [-c CONFIG] --report-logins < JOURNAL_JSON
#   Reads journald's records as journalctl -o json writes them, one per line, and reports
#   each "Accepted publickey" message that sshd (root, through syslog) logged for an account
#   in KEYRACK_USERS to Keyrack: the account, the client's address and the key's
#   fingerprint. sshd logs it only once the client has signed with the private key; a key
#   merely offered ("Postponed publickey") is never reported. Any other input (sshd's own
#   -E FILE or -e log, journalctl -o cat) is refused with a warning: a client can forge
#   whole lines in those. It runs beside sshd, which never waits for it: a report that
#   fails is logged on stderr and dropped, and the next record is read. It ends with its
#   input.
#     journalctl -f -n 0 -o json _SYSTEMD_UNIT=ssh.service |
#         keyrack-authorized-keys -c /etc/keyrack/agent.conf --report-logins
#
# CONFIG has KEY=value lines; it is parsed, never run. Other lines are ignored.
#   KEYRACK_URL=https://keyrack.example.com   the server, without /api/v1; http:// only to
#                                             127.0.0.0/8, [::1] or localhost
#   KEYRACK_INSTANCE_ID=ins-xxxxxxxx          this host's instance id
#   KEYRACK_TOKEN=kr_...                      this instance's agent token
#   KEYRACK_USERS=root                        accounts the keys open, space-separated;
#                                             * for every account (default: root)
#   KEYRACK_CACERT=/etc/keyrack/ca.pem        optional: CA bundle for a private CA
#   KEYRACK_TIMEOUT=5                         optional: seconds for the whole request
#   KEYRACK_CACHE_MAX_AGE=0                   optional: seconds a cached answer may serve
#                                             while Keyrack is unreachable; 0 (default): off
#   KEYRACK_CACHE_DIR=/var/cache/keyrack      optional: the cache, a directory owned by the
#                                             AuthorizedKeysCommandUser, writable by no one
#                                             else

set -u
set -f
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
umask 077

fail() {
    echo "keyrack-authorized-keys: $*" >&2
    exit 1
}

conf=/etc/keyrack/agent.conf
if [ "${1-}" = "-c" ]; then
    [ $# -ge 2 ] || fail "-c needs a file"
    conf=$2
    shift 2
fi
report=no user='' fingerprint=''
if [ $# -eq 1 ] && [ "$1" = --report-logins ]; then
    report=yes
else
    [ $# -ge 1 ] && [ $# -le 2 ] ||
        fail "usage: keyrack-authorized-keys [-c CONFIG] USER [FINGERPRINT] | --report-logins"
    user=$1
    fingerprint=${2-}
fi

url='' instance='' token='' users=root cacert='' timeout=5
cache_max_age=0 cache_dir=/var/cache/keyrack
[ -f "$conf" ] && [ -r "$conf" ] || fail "cannot read $conf"
while IFS= read -r line || [ -n "$line" ]; do
    case $line in
        KEYRACK_URL=*) url=${line#*=} ;;
        KEYRACK_INSTANCE_ID=*) instance=${line#*=} ;;
        KEYRACK_TOKEN=*) token=${line#*=} ;;
        KEYRACK_USERS=*) users=${line#*=} ;;
        KEYRACK_CACERT=*) cacert=${line#*=} ;;
        KEYRACK_TIMEOUT=*) timeout=${line#*=} ;;
        KEYRACK_CACHE_MAX_AGE=*) cache_max_age=${line#*=} ;;
        KEYRACK_CACHE_DIR=*) cache_dir=${line#*=} ;;
    esac
done < "$conf"

# Another account: not ours to answer. Exit 0 with no keys, so other methods still apply.
served=$report
for u in $users; do
    if [ "$u" = "*" ] || [ "$u" = "$user" ]; then
        served=yes
    fi
done
[ "$served" = yes ] || exit 0

case $url in
    https://?*) ;;
    http://?*)
        # Plain HTTP would carry the agent token in clear: only to this host itself.
        authority=${url#http://}
        authority=${authority%%/*}
        case $authority in
            *@* | *'?'* | *'#'*) host='' port='' ;;
            '[::1]') host=loopback port='' ;;
            '[::1]:'*) host=loopback port=${authority#'[::1]:'} ;;
            \[*) host='' port='' ;;
            *:*) host=${authority%%:*} port=${authority#*:} ;;
            *) host=$authority port='' ;;
        esac
        case $port in
            *[!0-9]*) host='' ;;
        esac
        case $host in
            loopback | localhost) ;;
            127.*[!.])
                # Four decimal octets, no leading zero (no octal, nothing a resolver reads).
                saved_ifs=$IFS
                IFS=.
                set -- $host
                IFS=$saved_ifs
                [ $# -eq 4 ] || host=''
                for octet in "$@"; do
                    case $octet in
                        '' | *[!0-9]* | ????* | 0?*) host='' ;;
                        *) [ "$octet" -le 255 ] || host='' ;;
                    esac
                done
                ;;
            *) host='' ;;
        esac
        [ -n "$host" ] || fail "KEYRACK_URL $url is plain http:// to a host that is not" \
            "loopback: the agent token would cross the network in clear. Use https://" \
            "(http:// is allowed only to 127.0.0.0/8, [::1] or localhost)"
        ;;
    *) fail "KEYRACK_URL must start with https:// (or http:// to a loopback address)" ;;
esac
url=${url%/}
case $instance in
    ins-[0-9a-z][0-9a-z][0-9a-z][0-9a-z][0-9a-z][0-9a-z][0-9a-z][0-9a-z]) ;;
    *) fail "KEYRACK_INSTANCE_ID must be an instance id such as ins-0a1b2c3d" ;;
esac
case $token in
    '' | *[!A-Za-z0-9_-]*) fail "KEYRACK_TOKEN is missing or malformed" ;;
esac
case $timeout in
    '' | *[!0-9]* | 0) fail "KEYRACK_TIMEOUT must be a whole number of seconds" ;;
esac
case $cache_max_age in
    '' | *[!0-9]*) fail "KEYRACK_CACHE_MAX_AGE must be a whole number of seconds (0: off)" ;;
esac
case $cache_dir in
    /*) ;;
    *) fail "KEYRACK_CACHE_DIR must be an absolute path" ;;
esac
command -v curl >/dev/null 2>&1 || fail "curl is not installed"
nl='
'

# -q first: no ~/.curlrc. No redirects are followed. Prints the answer's body, then a line
# with its HTTP status (000: no answer at all); the status is curl's. The token travels
# through a pipe (printf is a shell builtin), never through argv, where every local user
# could read it in ps. Usage: keyrack PATH [CURL OPTION...]
keyrack() {
    path=$1
    shift
    set -- -q --silent --show-error --proto =https,http --connect-timeout 3 \
        --max-time "$timeout" --max-filesize 1048576 --write-out '\n%{http_code}' "$@"
    if [ -n "$cacert" ]; then
        set -- "$@" --cacert "$cacert"
    fi
    printf 'header = "Authorization: Bearer %s"\n' "$token" |
        curl "$@" --config - -- "$url/api/v1/instances/$instance/$path"
}

# journalctl -o json writes one record per line: a flat JSON object, no spaces, whose values
# are strings (or null, or arrays for binary and repeated fields). A record counts only if
# journald itself vouches for it. Fields named with a leading _ are journald's own, never the
# sender's: _TRANSPORT=syslog (the socket it came in on), _UID=0 and _COMM sshd (sshd-session
# from OpenSSH 9.8), from the sender's credentials, so no other account's process, nor
# another root program (logger -t sshd), passes. Over syslog sshd escapes the newlines of
# what a client sends (a disconnect reason), so that text stays inside a message that starts
# with sshd's own words. Not so when sshd writes its own log: before OpenSSH 9.8, -E FILE and
# -e keep the newline, and a client can write a whole "Accepted publickey" line (journald
# makes each line of -e a record of _TRANSPORT=stdout). Those are never read.
#
# The fields are matched as text, and no field's content can fake one: inside a JSON string
# every " is written \", so a " that does not follow a backslash opens or closes a string.
# In ,"_UID":"0", no " follows a backslash: it can only be the key _UID with the value 0.
# Likewise ,"MESSAGE":"Accepted publickey for  is the start of the message itself, and a
# message without a backslash ends at the next ".
#
# The message is "Accepted publickey for USER from ADDRESS port PORT ssh2: TYPE SHA256:...".
# Every field is checked before it reaches the JSON of the report, so nothing from the log
# can add to it.
report_logins() {
    warned=no
    while IFS= read -r line || [ -n "$line" ]; do
        case $line in
            '{"'*'}') ;;
            *)
                if [ "$warned" = no ]; then
                    warned=yes
                    echo "keyrack-authorized-keys: --report-logins reads journald's records" \
                        "(journalctl -o json) only, and never reports a line that is not" \
                        "one. sshd's own log (-E FILE, -e) is refused: a client can forge" \
                        "lines in it" >&2
                fi
                continue
                ;;
        esac
        case $line in
            *[,{]'"_TRANSPORT":"syslog"'[,}]*) ;;
            *) continue ;;
        esac
        case $line in
            *[,{]'"_UID":"0"'[,}]*) ;;
            *) continue ;;
        esac
        case $line in
            *[,{]'"_COMM":"sshd"'[,}]* | *[,{]'"_COMM":"sshd-session"'[,}]*) ;;
            *) continue ;;
        esac
        case $line in
            *[,{]'"MESSAGE":"Accepted publickey for '*) ;;
            *) continue ;;
        esac
        message=${line#*[,{]\"MESSAGE\":\"}
        message=${message%%\"*}
        case $message in
            *\\*) continue ;;
        esac
        set -- ${message#Accepted publickey for }
        [ $# -eq 8 ] && [ "$2" = from ] && [ "$4" = port ] && [ "$6" = ssh2: ] || continue
        login_user=$1 address=$3 port=$5 key=$8
        case $port in
            '' | *[!0-9]*) continue ;;
        esac
        case $login_user in
            '' | -* | *[!A-Za-z0-9._\$-]*) continue ;;
        esac
        served=no
        for u in $users; do
            if [ "$u" = "*" ] || [ "$u" = "$login_user" ]; then
                served=yes
            fi
        done
        # A login to an account Keyrack does not serve used some other key.
        [ "$served" = yes ] || continue
        case $address in
            '' | *[!0-9A-Fa-f.:]*) continue ;;
        esac
        case $key in
            SHA256:*[!A-Za-z0-9+/]* | SHA256:) continue ;;
            SHA256:*) ;;
            *) continue ;;
        esac
        body=$(printf '{"fingerprint":"%s","user":"%s","client_address":"%s"}' \
            "$key" "$login_user" "$address")
        answer=$(keyrack logins -H 'Content-Type: application/json' --data-binary "$body" \
            -o /dev/null)
        case $?:${answer##*"$nl"} in
            0:2??) ;;
            *) echo "keyrack-authorized-keys: could not report the login of $login_user from" \
                "$address (HTTP ${answer##*"$nl"})" >&2 ;;
        esac
    done
    exit 0
}
[ "$report" = no ] || report_logins

# The opt-in cache of the last good answer (KEYRACK_CACHE_MAX_AGE): one file per instance.
# With it on, every lookup asks for the whole list, whatever key sshd asks about: an
# instance holds at most 16 keys, so a lookup by fingerprint saves little, and only the whole
# list can answer for any key later.
cache_file=$cache_dir/$instance

# Whoever can write to the cache can grant logins while Keyrack is unreachable: the
# directory must be this account's own, not a symbolic link, and writable by no one else.
cache_usable() {
    if [ -h "$cache_dir" ] || [ ! -d "$cache_dir" ]; then
        echo "keyrack-authorized-keys: KEYRACK_CACHE_DIR $cache_dir is not a directory;" \
            "the cache is off" >&2
        return 1
    fi
    set -- $(ls -ldn -- "$cache_dir")
    if [ "${3-}" != "$(id -u)" ]; then
        echo "keyrack-authorized-keys: KEYRACK_CACHE_DIR $cache_dir belongs to uid ${3-?}," \
            "not to this account (uid $(id -u)); the cache is off" >&2
        return 1
    fi
    case $1 in
        d????w* | d???????w*)
            echo "keyrack-authorized-keys: KEYRACK_CACHE_DIR $cache_dir is writable by its" \
                "group or by everyone; the cache is off" >&2
            return 1
            ;;
    esac
}

# Keyrack's answer, and the time it was written, replace the cache file in one rename
# (0600, as the umask makes every file), so a reader never sees half of one.
cache_write() {
    cache_usable || return 0
    tmp=$(mktemp "$cache_dir/.$instance.XXXXXX") || return 0
    if { printf '# keyrack %s %s\n' "$instance" "$(date +%s)" && printf '%s\n' "$keys"; } \
        >"$tmp" && mv -f -- "$tmp" "$cache_file"; then
        return 0
    fi
    rm -f -- "$tmp"
    echo "keyrack-authorized-keys: could not write the cache $cache_file" >&2
}

# Keyrack could not answer ($1 says how): the cached answer if it is young enough, else
# fail closed.
from_cache() {
    why="could not read the authorized keys from $url: $1"
    [ "$cache_max_age" -gt 0 ] || fail "$why"
    cache_usable || fail "$why"
    [ -f "$cache_file" ] && [ ! -h "$cache_file" ] || fail "$why; nothing cached"
    header='' keys=''
    {
        IFS= read -r header
        keys=$(cat)
    } <"$cache_file"
    written=${header#"# keyrack $instance "}
    now=$(date +%s)
    case $written in
        '' | *[!0-9]*) fail "$why; the cache $cache_file is not one this script wrote" ;;
    esac
    [ "$written" -le "$now" ] && [ $((now - written)) -lt "$cache_max_age" ] ||
        fail "$why; the cached answer is $((now - written)) s old" \
            "(KEYRACK_CACHE_MAX_AGE=$cache_max_age)"
    echo "keyrack-authorized-keys: $1: using the answer Keyrack gave $((now - written)) s ago" >&2
}

# sshd's %f as SHA256:<43 base64 characters> asks for that key's line only. base64 holds +
# and /, which a query string must carry encoded (+ would arrive as a space).
query=''
[ "$cache_max_age" -eq 0 ] || fingerprint=''
case $fingerprint in
    SHA256:*)
        b64=${fingerprint#SHA256:}
        case $b64 in
            *[!A-Za-z0-9+/]*) ;;
            *)
                if [ ${#b64} -eq 43 ]; then
                    encoded=''
                    while [ -n "$b64" ]; do
                        rest=${b64#?}
                        c=${b64%"$rest"}
                        b64=$rest
                        case $c in
                            +) encoded="$encoded%2B" ;;
                            /) encoded="$encoded%2F" ;;
                            *) encoded="$encoded$c" ;;
                        esac
                    done
                    query="?fingerprint=SHA256%3A$encoded"
                fi
                ;;
        esac
        ;;
esac

answer=$(keyrack "authorized_keys$query")
status=$?
code=${answer##*"$nl"}
keys=${answer%"$nl"*}
case $code in
    200)
        if [ "$status" -eq 0 ]; then
            [ "$cache_max_age" -eq 0 ] || cache_write
        else
            # Cut off (a timeout, an answer over 1 MB): not an answer.
            from_cache "the answer was cut off"
        fi
        ;;
    # The token or the instance is gone, or refused: nothing cached may outlive that.
    401 | 403 | 404)
        [ "$cache_max_age" -eq 0 ] || rm -f -- "$cache_file"
        fail "could not read the authorized keys from $url: HTTP $code"
        ;;
    000) from_cache "no answer" ;;
    5[0-9][0-9]) from_cache "HTTP $code" ;;
    *) fail "could not read the authorized keys from $url: HTTP $code" ;;
esac

# Only plain key lines reach sshd, each optionally led by the expiry-time Keyrack puts there
# (sshd then refuses the key after that time, whatever copy it reads): an answer that is not
# what Keyrack sends (a proxy's page, any other authorized_keys option) grants nothing.
printf '%s\n' "$keys" | while IFS= read -r line; do
    case $line in
        'expiry-time="'[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]'Z" '*)
            key=${line#* }
            ;;
        *) key=$line ;;
    esac
    case $key in
        'ssh-ed25519 '* | 'ssh-rsa '* | 'ecdsa-sha2-nistp256 '* | 'ecdsa-sha2-nistp384 '* | \
            'ecdsa-sha2-nistp521 '* | 'sk-ssh-ed25519@openssh.com '* | \
            'sk-ecdsa-sha2-nistp256@openssh.com '*)
            printf '%s\n' "$line"
            ;;
    esac
done
