#!/bin/sh
# Regenerates the demo key pairs' public keys with the real ssh-keygen. The private halves
# are thrown away: the demo only needs public keys, and no private key belongs in the repo.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gen() { # file type bits comment
    ssh-keygen -q -t "$2" ${3:+-b "$3"} -N '' -C "$4" -f "$tmp/$1"
    cp "$tmp/$1.pub" "$here/$1.pub"
}
gen web-prod ed25519 '' ops@web-prod
gen ci-deploy ed25519 '' deploy@ci
gen db-admin rsa 3072 dba@db-admin
gen bastion ecdsa 256 admin@bastion
gen backup ecdsa 384 backup@vault
gen legacy-ops rsa 3072 ops@legacy
