#!/usr/bin/env bash
# One command to try the operator, with no cluster, no Docker and no internet (Debian's and Go's
# package mirrors and Maven Central aside, for the first build): builds what is missing (the
# control plane and the node, hack/control-plane.sh and hack/node.sh; the Debian JRE base and the
# operator's image, hack/image.sh), starts them, installs the chart with that image, then applies
# a demo: a private image in the node's registry, the registry login as a Secret, a
# RegistryCredential targeting namespace demo, and a pod of that image with no pull secret of its
# own. Waits for READY True and the pod Running, then prints them and the KUBECONFIG line.
#
#   hack/try.sh          start it all (taking down what an earlier run left)
#   hack/try.sh down     stop it all and remove its folder
#
# Needs root (the node), Java 17, Maven, Go (first build only), kubectl and helm on PATH or in
# .ci/bin (.ci/run installs them). State in PULLSECRET_TRY_DIR (default /tmp/pullsecret-try).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
DIR="${PULLSECRET_TRY_DIR:-/tmp/pullsecret-try}"
NS=pullsecret-system
export PATH="$ROOT/.ci/bin:$PATH"

die() { echo "try: $*" >&2; exit 1; }
log() { echo "try: $*" >&2; }

down() {
  [[ -d "$DIR" ]] || return 0
  "$HERE/node.sh" down "$DIR" || true
  "$HERE/control-plane.sh" down "$DIR" || true
  rm -rf "$DIR"
}

password() { head -c 18 /dev/urandom | base64 | tr -d '/+='; }

up() {
  local start=$SECONDS
  command -v kubectl >/dev/null && command -v helm >/dev/null \
    || die "kubectl and helm are needed (on PATH or in .ci/bin; .ci/run installs them there)"
  [[ $EUID -eq 0 ]] || die "needs root (the node: containerd, the kubelet, kube-proxy)"
  down
  mkdir -p "$DIR"
  DIR="$(cd "$DIR" && pwd)"
  "$HERE/control-plane.sh" build >/dev/null
  "$HERE/node.sh" build >/dev/null
  "$HERE/control-plane.sh" up "$DIR" >/dev/null
  "$HERE/node.sh" up "$DIR"
  export KUBECONFIG="$DIR/kubeconfig"
  local registry; registry="$(cat "$DIR/registry/address")"

  # The registry's accounts: one for the kubelet to pull the operator's image, one for the demo.
  local pull_pw demo_pw; pull_pw="$(password)"; demo_pw="$(password)"
  { htpasswd -nbB operator-pull "$pull_pw" | head -1; htpasswd -nbB demo "$demo_pw" | head -1; } >> "$DIR/registry/htpasswd"

  log "building the operator's image (Jib, on the Debian JRE base)"
  local image; image="$("$HERE/image.sh" "$DIR" dev | tail -1)"
  local app; app="$("$HERE/node.sh" push "$DIR" demo/hello:1 | tail -1)"

  kubectl create namespace "$NS" >/dev/null
  kubectl label namespace "$NS" pod-security.kubernetes.io/enforce=restricted >/dev/null
  kubectl -n "$NS" create secret docker-registry node-registry --docker-server="$registry" \
    --docker-username=operator-pull --docker-password="$pull_pw" >/dev/null
  log "helm install pullsecret-operator ($image)"
  helm install pullsecret-operator "$ROOT/helm/pullsecret-operator" -n "$NS" \
    --set image.repository="${image%:*}" --set image.tag="${image##*:}" \
    --set 'imagePullSecrets[0].name=node-registry' --wait --timeout 5m >/dev/null

  # The demo: the login for the private image, and the credential that spreads it to 'demo'.
  kubectl create namespace demo >/dev/null
  kubectl -n "$NS" create secret generic demo-login --from-literal=username=demo --from-literal=password="$demo_pw" >/dev/null
  kubectl apply -f - >/dev/null <<EOF
apiVersion: pullsecrets.io/v1alpha1
kind: RegistryCredential
metadata: {name: demo, namespace: $NS}
spec:
  provider:
    static: {registry: "$registry", secretRef: {name: demo-login}}
  secretName: demo-pull
  targets:
    namespaces: [demo]
EOF
  kubectl -n "$NS" wait regcred/demo --for=condition=Ready --timeout=120s >/dev/null
  # No pull secret in the pod: its ServiceAccount has the one the operator wrote.
  kubectl -n demo run hello --image="$app" --restart=Never >/dev/null
  kubectl -n demo wait pod/hello --for=condition=Ready --timeout=120s >/dev/null

  kubectl get regcred -A
  echo
  kubectl -n demo get pod hello
  echo
  log "up in $((SECONDS - start)) s; 'hack/try.sh down' removes it all. To keep exploring:"
  echo "export KUBECONFIG=$DIR/kubeconfig"
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 [up | down]" >&2; exit 2 ;;
esac
