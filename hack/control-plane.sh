#!/usr/bin/env bash
# A real Kubernetes control plane for tests and for trying the operator without a cluster:
# etcd, kube-apiserver and kube-controller-manager, built from the Go module proxy at the
# versions pinned in hack/control-plane/{kubernetes,etcd}/go.mod (and go.sum).
#
#   hack/control-plane.sh build      build (or reuse) the binaries; prints their folder last
#   hack/control-plane.sh up DIR     start all three on free loopback ports, data/logs/certs in DIR,
#                                    wait for /readyz, write DIR/kubeconfig (cluster-admin) and
#                                    DIR/operator.kubeconfig (the chart's ServiceAccount's name)
#   hack/control-plane.sh down DIR   stop them
#   hack/control-plane.sh status     prints the binaries' folder; exits 1 (saying why) when they are not built
#
# Environment: PULLSECRET_K8S_BIN (folder of prebuilt binaries; skips the build),
# XDG_CACHE_HOME (cache root, default ~/.cache), PULLSECRET_AUDIT_LOG_MAXSIZE (MB at which the API
# server rotates DIR/audit.log into DIR/audit-<timestamp>.log, keeping every old file; default
# 100000, i.e. never in practice: 0 would mean lumberjack's 100 MB, reached at about 300,000
# requests; the tests' reader, src/test/.../testing/AuditLog.java, reads the rotated files too).
set -euo pipefail

K8S_VERSION=v1.35.4
ETCD_VERSION=v3.6.16
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${PULLSECRET_K8S_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/pullsecret-operator/k8s-${K8S_VERSION}}"

# The chart's ServiceAccount, as the API server names it.
OPERATOR_USER=system:serviceaccount:pullsecret-system:pullsecret-operator

die() { echo "control-plane: $*" >&2; exit 1; }
log() { echo "control-plane: $*" >&2; }

# The stamp names the exact module graph the binaries came from: a changed go.sum rebuilds.
stamp() { cat "$HERE/control-plane/kubernetes/go.sum" "$HERE/control-plane/etcd/go.sum" | sha256sum | cut -c1-16; }

build() {
  mkdir -p "$CACHE"
  local want; want="$(stamp)"
  if [[ -x "$CACHE/etcd" && -x "$CACHE/kube-apiserver" && -x "$CACHE/kube-controller-manager" \
        && "$(cat "$CACHE/.stamp" 2>/dev/null)" == "$want" ]]; then
    log "reusing $CACHE"
    echo "$CACHE"; return
  fi
  command -v go >/dev/null || die "go is not installed (needed to build the control plane)"
  local start=$SECONDS
  local minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
  local vpkg=k8s.io/component-base/version
  local ldflags="-s -w -X $vpkg.gitVersion=$K8S_VERSION -X $vpkg.gitMajor=1 -X $vpkg.gitMinor=$minor"
  ldflags+=" -X $vpkg.gitTreeState=clean -X $vpkg.buildDate=1970-01-01T00:00:00Z"
  ldflags+=" -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION"
  log "building kube-apiserver and kube-controller-manager $K8S_VERSION into $CACHE (first time: about 15-25 min on 2 cores)"
  (cd "$HERE/control-plane/kubernetes" && GOFLAGS=-mod=readonly CGO_ENABLED=0 \
     go build -trimpath -ldflags "$ldflags" -o "$CACHE/" \
       k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager)
  log "building etcd $ETCD_VERSION"
  (cd "$HERE/control-plane/etcd" && GOFLAGS=-mod=readonly CGO_ENABLED=0 \
     go build -trimpath -ldflags "-s -w" -o "$CACHE/etcd" go.etcd.io/etcd/server/v3)
  echo "$want" > "$CACHE/.stamp"
  log "built in $((SECONDS - start)) s; $(du -sh "$CACHE" | cut -f1) on disk"
  echo "$CACHE"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# A client certificate signed by the cluster's CA: client PKI-DIR NAME CN [O].
client() {
  local d="$1"
  printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n' > "$d/client.ext"
  if [[ -n "${4:-}" ]]; then local subj="/CN=$3/O=$4"; else local subj="/CN=$3"; fi
  openssl req -newkey rsa:2048 -nodes -subj "$subj" -keyout "$d/$2.key" -out "$d/$2.csr" 2>/dev/null
  openssl x509 -req -in "$d/$2.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 3650 \
     -extfile "$d/client.ext" -out "$d/$2.crt" 2>/dev/null
}

certs() {
  local d="$1/pki"
  mkdir -p "$d"
  local o="openssl"
  # One CA signs the serving certificate and the client certificates; a separate key pair signs
  # service-account tokens.
  $o req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=pullsecret-test-ca" \
     -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
  cat > "$d/serving.ext" <<EOF
basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc,IP:10.0.0.1
EOF
  $o req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" -keyout "$d/serving.key" -out "$d/serving.csr" 2>/dev/null
  $o x509 -req -in "$d/serving.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 3650 \
     -extfile "$d/serving.ext" -out "$d/serving.crt" 2>/dev/null
  client "$d" admin admin system:masters
  # The operator as the chart's ServiceAccount (what a token of that account authenticates as),
  # a user of its own: the audit log tells its requests from the tests' admin requests.
  client "$d" operator "$OPERATOR_USER" "system:serviceaccounts/O=system:serviceaccounts:pullsecret-system"
  client "$d" controller-manager system:kube-controller-manager ""
  client "$d" kubelet-client kube-apiserver-kubelet-client system:masters
  $o genrsa -out "$d/sa.key" 2048 2>/dev/null
  $o rsa -in "$d/sa.key" -pubout -out "$d/sa.pub" 2>/dev/null
}

kubeconfig() { # file server cert key
  cat > "$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster: {server: "$2", certificate-authority: "$DIR/pki/ca.crt"}
users:
- name: user
  user: {client-certificate: "$3", client-key: "$4"}
contexts:
- name: local
  context: {cluster: local, user: user, namespace: default}
current-context: local
EOF
}

# Waits until URL answers; returns 1 when the process exited first (its log says why), dies
# after SECONDS.
wait_ready() { # url seconds pid-file name [curl TLS options]
  local deadline=$((SECONDS + $2))
  local tls=("${@:5}")
  [[ ${#tls[@]} -gt 0 ]] || tls=(--cacert "$DIR/pki/ca.crt" --cert "$DIR/pki/admin.crt" --key "$DIR/pki/admin.key")
  until curl -fsS --max-time 2 "${tls[@]}" "$1" >/dev/null 2>&1; do
    if ! kill -0 "$(cat "$3")" 2>/dev/null; then return 1; fi
    (( SECONDS < deadline )) || { tail -30 "$DIR/$4.log" >&2; die "$4 not ready after $2 s; log: $DIR/$4.log"; }
    sleep 0.2
  done
}

# Starts NAME with free ports until it is ready. A port is picked, then bound by the server: when
# something else took it in between (another test JVM on the machine), the server exits saying so,
# and it is started again on new ports; any other exit is fatal.
start_ready() { # name seconds start-function url-function [curl TLS options]
  local name="$1" attempt
  for attempt in 1 2 3 4 5; do
    "$3"
    if wait_ready "$("$4")" "$2" "$DIR/$name.pid" "$name" "${@:5}"; then return; fi
    if ! grep -qi "address already in use" "$DIR/$name.log"; then
      tail -30 "$DIR/$name.log" >&2; die "$name exited; log: $DIR/$name.log"
    fi
    log "$name: a port was taken before it bound it (attempt $attempt); new ports"
  done
  die "$name: no free port after 5 attempts"
}

audit_policy() {
  cat > "$DIR/audit-policy.yaml" <<EOF
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
# ServiceAccount patches with their body (JSON patches of imagePullSecrets; no secret material).
- level: Request
  resources: [{group: "", resources: [serviceaccounts]}]
  verbs: [patch]
# Every request of the operator (its own client certificate names the chart's ServiceAccount),
# reads and watches too: the RBAC coverage test compares them with the ClusterRole.
- level: Metadata
  users: ["$OPERATOR_USER"]
- level: Metadata
  verbs: [create, update, patch, delete, deletecollection]
- level: None
EOF
}

start_etcd() {
  etcd_port=$(free_port); etcd_peer=$(free_port)
  "$bin/etcd" --name=test --data-dir="$DIR/etcd" \
    --listen-client-urls="http://127.0.0.1:$etcd_port" --advertise-client-urls="http://127.0.0.1:$etcd_port" \
    --listen-peer-urls="http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls="http://127.0.0.1:$etcd_peer" \
    --initial-cluster="test=http://127.0.0.1:$etcd_peer" --unsafe-no-fsync --quota-backend-bytes=4294967296 \
    --log-level=warn >"$DIR/etcd.log" 2>&1 &
  echo $! > "$DIR/etcd.pid"
}
etcd_url() { echo "http://127.0.0.1:$etcd_port/health"; }

# The API server as in a real cluster: RBAC and Node authorization, the default admission
# plugins, service-account token issuing, an audit log of every write.
# It publishes the machine's own address as Service kubernetes's endpoint (Kubernetes refuses a
# loopback one there), and listens there too: pods of hack/node.sh reach it as
# https://kubernetes.default (ClusterIP 10.0.0.1). Without such an address, loopback only.
start_apiserver() {
  api_port=$(free_port)
  local host_ip bind=127.0.0.1
  host_ip="$(ip -4 route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p')"
  if [[ -n "$host_ip" ]]; then bind=0.0.0.0; else host_ip=127.0.0.1; fi
  "$bin/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:$etcd_port" \
    --bind-address="$bind" --advertise-address="$host_ip" --secure-port="$api_port" \
    --kubelet-preferred-address-types=InternalIP \
    --kubelet-client-certificate="$DIR/pki/kubelet-client.crt" --kubelet-client-key="$DIR/pki/kubelet-client.key" \
    --tls-cert-file="$DIR/pki/serving.crt" --tls-private-key-file="$DIR/pki/serving.key" \
    --client-ca-file="$DIR/pki/ca.crt" \
    --authorization-mode=Node,RBAC \
    --service-account-issuer=https://kubernetes.default.svc \
    --service-account-key-file="$DIR/pki/sa.pub" --service-account-signing-key-file="$DIR/pki/sa.key" \
    --api-audiences=https://kubernetes.default.svc \
    --service-cluster-ip-range=10.0.0.0/24 \
    --audit-policy-file="$DIR/audit-policy.yaml" --audit-log-path="$DIR/audit.log" \
    --audit-log-format=json --audit-log-mode=blocking-strict \
    --audit-log-maxsize="${PULLSECRET_AUDIT_LOG_MAXSIZE:-100000}" --audit-log-maxbackup=0 --audit-log-maxage=0 \
    --allow-privileged=false --enable-priority-and-fairness=false \
    --storage-media-type=application/json \
    >"$DIR/kube-apiserver.log" 2>&1 &
  echo $! > "$DIR/kube-apiserver.pid"
}
apiserver_url() { echo "https://127.0.0.1:$api_port/readyz"; }

start_controller_manager() {
  cm_port=$(free_port)
  "$bin/kube-controller-manager" \
    --kubeconfig="$DIR/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$DIR/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$DIR/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$cm_port" \
    --leader-elect=false --use-service-account-credentials=true \
    --service-account-private-key-file="$DIR/pki/sa.key" --root-ca-file="$DIR/pki/ca.crt" \
    --cluster-signing-cert-file="$DIR/pki/ca.crt" --cluster-signing-key-file="$DIR/pki/ca.key" \
    --controllers='*' --concurrent-namespace-syncs=10 --concurrent-serviceaccount-token-syncs=10 \
    >"$DIR/kube-controller-manager.log" 2>&1 &
  echo $! > "$DIR/kube-controller-manager.pid"
}
controller_manager_url() { echo "https://127.0.0.1:$cm_port/healthz"; }

up() {
  DIR="$(mkdir -p "$1" && cd "$1" && pwd)"
  local bin; bin="$(build | tail -1)"
  local start=$SECONDS
  [[ -f "$DIR/pki/ca.crt" ]] || certs "$DIR"
  # The API server's client at the kubelet (logs, exec, port-forward); a directory made before it existed gets one.
  [[ -f "$DIR/pki/kubelet-client.crt" ]] || client "$DIR/pki" kubelet-client kube-apiserver-kubelet-client system:masters
  local etcd_port etcd_peer api_port cm_port
  audit_policy
  start_ready etcd 60 start_etcd etcd_url --silent
  start_ready kube-apiserver 120 start_apiserver apiserver_url
  local server="https://127.0.0.1:$api_port"
  kubeconfig "$DIR/kubeconfig" "$server" "$DIR/pki/admin.crt" "$DIR/pki/admin.key"
  kubeconfig "$DIR/operator.kubeconfig" "$server" "$DIR/pki/operator.crt" "$DIR/pki/operator.key"
  kubeconfig "$DIR/controller-manager.kubeconfig" "$server" "$DIR/pki/controller-manager.crt" "$DIR/pki/controller-manager.key"
  # Its serving certificate is self-signed (generated at start), and /healthz needs no client.
  start_ready kube-controller-manager 60 start_controller_manager controller_manager_url --insecure
  echo "$server" > "$DIR/server"
  log "up in $((SECONDS - start)) s: $server (kubeconfig $DIR/kubeconfig)"
  echo "$DIR/kubeconfig"
}

down() {
  DIR="$1"
  local p
  for p in kube-controller-manager kube-apiserver etcd; do
    if [[ -f "$DIR/$p.pid" ]]; then
      local pid; pid="$(cat "$DIR/$p.pid")"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$DIR/$p.pid"
    fi
  done
}

status() {
  if [[ -x "$CACHE/etcd" && -x "$CACHE/kube-apiserver" && -x "$CACHE/kube-controller-manager" \
        && "$(cat "$CACHE/.stamp" 2>/dev/null)" == "$(stamp)" ]]; then
    echo "$CACHE"
  else
    echo "the control plane ($K8S_VERSION, etcd $ETCD_VERSION) is not built in $CACHE: run 'hack/control-plane.sh build' (needs Go and the Go module proxy)"
    exit 1
  fi
}

case "${1:-}" in
  build) build ;;
  status) status ;;
  up) [[ -n "${2:-}" ]] || die "usage: $0 up DIR"; up "$2" ;;
  down) [[ -n "${2:-}" ]] || die "usage: $0 down DIR"; down "$2" ;;
  *) echo "usage: $0 build | up DIR | down DIR | status" >&2; exit 2 ;;
esac
