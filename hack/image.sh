#!/usr/bin/env bash
# The operator's container image, built without Docker and pushed to the registry of the real node
# (hack/node.sh). The image definition is Jib's (pom.xml, jib-maven-plugin): the same one the
# release workflow builds FROM eclipse-temurin:17-jre. Here the base is a Java 17 runtime made from
# Debian packages (mmdebstrap, variant essential, plus openjdk-17-jre-headless; no docs, no apt
# lists), since no other registry is reachable. See docs/image-and-helm.md.
#
#   hack/image.sh DIR [TAG]   after 'hack/node.sh up DIR': build (or reuse) the base, push it to the
#                             node's registry, build the operator's image on it with Jib, push it
#                             there as pullsecret-operator:TAG (default dev); prints its reference,
#                             127.0.0.1:PORT/pullsecret-operator:TAG
#   hack/image.sh base        build (or reuse) the base's layer; prints its cache folder
#
# The base is cached in ~/.cache/pullsecret-operator/jre-base/ (XDG_CACHE_HOME), one folder per
# recipe, and rebuilt when a package in it has a newer version in this machine's apt lists (after
# 'apt-get update'). The first build downloads ~62 MB from deb.debian.org and takes minutes (16
# on 2 loaded cores); then it is reused.
# Environment: MVN (default mvn), MVN_FLAGS (more Maven flags; not -o: Jib refuses to push offline).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
SUITE=bookworm
PACKAGES=openjdk-17-jre-headless
MIRRORS=("deb http://deb.debian.org/debian $SUITE main" "deb http://deb.debian.org/debian $SUITE-updates main"
         "deb http://deb.debian.org/debian-security $SUITE-security main")
# The image's user, also named in /etc/passwd (the JVM and tools print a name rather than '?').
USER_LINE='operator:x:65532:65532:pullsecret-operator:/nonexistent:/usr/sbin/nologin'

die() { echo "image: $*" >&2; exit 1; }
log() { echo "image: $*" >&2; }

recipe() { printf '%s\n' "$SUITE" "$PACKAGES" "${MIRRORS[@]}" "$USER_LINE" "v1"; }
ENTRY="${XDG_CACHE_HOME:-$HOME/.cache}/pullsecret-operator/jre-base/$(recipe | sha256sum | cut -c1-12)"

# Whether the cached base holds, for each of its packages, the version this machine's apt lists
# offer now (a package the lists do not know is taken as unchanged).
fresh() {
  [[ -f "$ENTRY/layer.tar.gz" && -f "$ENTRY/diff-id" && -s "$ENTRY/packages" ]] || return 1
  local stale
  # shellcheck disable=SC2046
  stale="$(apt-cache policy $(cut -d' ' -f1 "$ENTRY/packages") 2>/dev/null \
    | awk '/^[^ ].*:$/ {name=substr($0, 1, length($0)-1)} /^  Candidate:/ {print name, $2}' \
    | awk 'NR==FNR {have[$1]=$2; next} $2 != "(none)" && ($1 in have) && have[$1] != $2 {print $1 " " have[$1] " -> " $2}' \
        "$ENTRY/packages" -)"
  [[ -z "$stale" ]] && return 0
  log "newer Debian packages than in the cached base: $(echo "$stale" | head -3 | tr '\n' ';')"
  return 1
}

base() {
  if fresh; then
    log "reusing the base in $ENTRY"
    echo "$ENTRY"; return
  fi
  [[ $EUID -eq 0 ]] || die "building the base needs root (mmdebstrap chroots)"
  if ! command -v mmdebstrap >/dev/null; then
    log "installing mmdebstrap from Debian"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null \
      || { DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null; }
  fi
  local start=$SECONDS tmp
  mkdir -p "$ENTRY"
  tmp="$(mktemp -d "$ENTRY/build.XXXXXX")"
  log "building the Java 17 base from Debian $SUITE ($PACKAGES) into $ENTRY (minutes, once)"
  # update-alternatives links java.1.gz into man1 even with the man pages left out: the folder stays.
  SOURCE_DATE_EPOCH=0 mmdebstrap --variant=essential --include="$PACKAGES" --format=tar \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --essential-hook='mkdir -p "$1/usr/share/man/man1"' \
    --customize-hook="echo '$USER_LINE' >> \"\$1/etc/passwd\"; echo 'operator:x:65532:' >> \"\$1/etc/group\"" \
    --customize-hook="chroot \"\$1\" dpkg-query -W -f '\${Package} \${Version}\n' > '$tmp/packages'" \
    --customize-hook='test -s "$1/etc/ssl/certs/java/cacerts"' \
    --customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/* "$1"/var/log/* "$1"/var/cache/ldconfig/*' \
    "$SUITE" "$tmp/rootfs.tar" "${MIRRORS[@]}" > "$tmp/mmdebstrap.log" 2>&1 \
    || { tail -20 "$tmp/mmdebstrap.log" >&2; die "mmdebstrap failed; log: $tmp/mmdebstrap.log"; }
  echo "sha256:$(sha256sum < "$tmp/rootfs.tar" | cut -d' ' -f1)" > "$tmp/diff-id"
  gzip -n -6 < "$tmp/rootfs.tar" > "$tmp/layer.tar.gz"
  rm -f "$tmp/rootfs.tar"
  mv "$tmp/diff-id" "$tmp/layer.tar.gz" "$tmp/packages" "$tmp/mmdebstrap.log" "$ENTRY/"
  rm -rf "$tmp"
  log "base built in $((SECONDS - start)) s: $(du -h "$ENTRY/layer.tar.gz" | cut -f1) compressed, $(wc -l < "$ENTRY/packages") packages"
  echo "$ENTRY"
}

# A one-time registry account for this build, removed when the script exits: the accounts the
# tests write to htpasswd stay theirs.
ACCOUNT_USER="" HTPASSWD=""
account_add() {
  HTPASSWD="$DIR/registry/htpasswd"
  ACCOUNT_USER="image-$RANDOM$RANDOM"
  ACCOUNT_PASS="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
  htpasswd -nbB "$ACCOUNT_USER" "$ACCOUNT_PASS" | head -1 >> "$HTPASSWD"
  trap account_remove EXIT
}
account_remove() {
  [[ -n "$ACCOUNT_USER" && -f "$HTPASSWD" ]] || return 0
  local kept; kept="$(grep -v "^$ACCOUNT_USER:" "$HTPASSWD" || true)"
  if [[ -n "$kept" ]]; then printf '%s\n' "$kept" > "$HTPASSWD.tmp"; else : > "$HTPASSWD.tmp"; fi
  mv "$HTPASSWD.tmp" "$HTPASSWD"
}

build() { # DIR TAG
  DIR="$(cd "$1" && pwd)"
  local tag="$2" addr
  addr="$(cat "$DIR/registry/address" 2>/dev/null)" || die "no registry in $DIR: run 'hack/node.sh up $DIR'"
  [[ "$tag" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "not a tag: $tag"
  local entry; entry="$(base | tail -1)"
  local key; key="$(sha256sum < "$entry/diff-id" | cut -c1-16)"
  local from="$addr/pullsecret-operator-base:$key" to="$addr/pullsecret-operator:$tag"
  account_add
  local start=$SECONDS
  PUSH_PASSWORD="$ACCOUNT_PASS" python3 "$HERE/node/image.py" push-rootfs "$addr" pullsecret-operator-base "$key" \
    "$ACCOUNT_USER" "$entry/layer.tar.gz" "$(cat "$entry/diff-id")" || die "push of the base failed"
  log "base pushed as $from in $((SECONDS - start)) s"
  start=$SECONDS
  # process-classes: the classes and the generated CRDs, as 'package' has them (Jib takes
  # target/classes and the dependency jars, each its own layer).
  # shellcheck disable=SC2086
  (cd "$ROOT" && "${MVN:-mvn}" -B -q ${MVN_FLAGS:-} -DskipTests process-classes jib:build \
      -Djib.from.image="$from" -Djib.to.image="$to" \
      -Djib.from.auth.username="$ACCOUNT_USER" -Djib.from.auth.password="$ACCOUNT_PASS" \
      -Djib.to.auth.username="$ACCOUNT_USER" -Djib.to.auth.password="$ACCOUNT_PASS" \
      -Djib.allowInsecureRegistries=true -DsendCredentialsOverHttp=true \
      -Djib.disableUpdateChecks=true -Djib.console=plain) >&2 || die "jib:build failed"
  log "operator image built and pushed in $((SECONDS - start)) s"
  echo "$to"
}

case "${1:-}" in
  base) base ;;
  ""|-h|--help) echo "usage: $0 DIR [TAG] | base" >&2; exit 2 ;;
  *) build "$1" "${2:-dev}" ;;
esac
