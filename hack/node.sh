#!/usr/bin/env bash
# A real Kubernetes node beside hack/control-plane.sh, so that pods really pull: kube-scheduler,
# containerd (Debian's, with runc and the bridge CNI plugin), the kubelet, kube-proxy (iptables
# mode) and a private registry (Debian's docker-registry, htpasswd auth, plain HTTP on loopback).
# kubelet, kube-scheduler and kube-proxy are built from the Go module proxy at the version pinned in
# hack/control-plane/node/go.mod (the same k8s.io/kubernetes as the control plane), into the same
# cache folder. Needs root; one node per machine (the kubelet uses fixed host paths).
#
#   hack/node.sh build              build (or reuse) the binaries; prints their folder last
#   hack/node.sh up DIR             after 'hack/control-plane.sh up DIR': start the node and the
#                                   registry, return once the Node is Ready. The registry's
#                                   host:port is in DIR/registry/address, its accounts in
#                                   DIR/registry/htpasswd (re-read by the registry when it changes)
#   hack/node.sh push DIR NAME:TAG  build a small runnable image (busybox; it runs its arguments,
#                                   by default it waits until stopped) and push it to the registry
#                                   without Docker; prints its reference
#   hack/node.sh down DIR           stop everything and undo what 'up' changed on the host
#   hack/node.sh status             prints the binaries' folder; exits 1 (saying why) when the node
#                                   cannot run here (binaries not built, not root, Debian packages missing)
#
# Environment: PULLSECRET_K8S_BIN (folder of prebuilt binaries; skips the build),
# XDG_CACHE_HOME (cache root, default ~/.cache).
set -euo pipefail

K8S_VERSION=v1.35.4
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${PULLSECRET_K8S_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/pullsecret-operator/k8s-${K8S_VERSION}}"
NODE_NAME=pullsecret-node
POD_CIDR=10.88.0.0/16
BRIDGE=pullsecret0
# containerd's state and socket, apart from a containerd the machine may run already.
STATE=/run/pullsecret-node
SOCK=$STATE/containerd.sock
# Marks the machine's one node: the DIR of the node that is up.
OWNER=/run/pullsecret-node.dir
PAUSE_IMAGE=pullsecret.local/pause:1
# Other registries' names that lead to the local registry (containerd's hosts.toml for each), one
# per host shape a provider renders: ECR (the project's ECR stub's registry), Artifact Registry, ACR.
ALIASES=(111111111111.dkr.ecr.eu-west-1.amazonaws.com europe-docker.pkg.dev pullsecret.azurecr.io)
# The sysctls the kubelet, kube-proxy and the bridge plugin set; 'down' puts the saved values back.
SYSCTLS=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes net.ipv4.ip_forward net.ipv4.conf.all.route_localnet
         net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables)
# Host paths the node creates when they are missing; 'down' removes those it created.
HOST_PATHS=(/var/lib/kubelet /var/log/containers /var/log/pods /var/lib/cni /run/containerd /run/netns /opt/cni $STATE)

die() { echo "node: $*" >&2; exit 1; }
log() { echo "node: $*" >&2; }

stamp() { sha256sum < "$HERE/control-plane/node/go.sum" | cut -c1-16; }

built() {
  [[ -x "$CACHE/kubelet" && -x "$CACHE/kube-scheduler" && -x "$CACHE/kube-proxy" \
     && "$(cat "$CACHE/.node-stamp" 2>/dev/null)" == "$(stamp)" ]]
}

build() {
  mkdir -p "$CACHE"
  if built; then
    log "reusing $CACHE"
    echo "$CACHE"; return
  fi
  command -v go >/dev/null || die "go is not installed (needed to build the node)"
  local start=$SECONDS
  local minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
  local vpkg=k8s.io/component-base/version
  local ldflags="-s -w -X $vpkg.gitVersion=$K8S_VERSION -X $vpkg.gitMajor=1 -X $vpkg.gitMinor=$minor"
  ldflags+=" -X $vpkg.gitTreeState=clean -X $vpkg.buildDate=1970-01-01T00:00:00Z"
  ldflags+=" -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION"
  log "building kubelet, kube-scheduler and kube-proxy $K8S_VERSION into $CACHE (after the control plane: about 2-5 min on 2 cores)"
  (cd "$HERE/control-plane/node" && GOFLAGS=-mod=readonly CGO_ENABLED=0 \
     go build -trimpath -ldflags "$ldflags" -o "$CACHE/" \
       k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kube-proxy)
  stamp > "$CACHE/.node-stamp"
  log "built in $((SECONDS - start)) s"
  echo "$CACHE"
}

missing_packages() {
  local m=()
  command -v containerd >/dev/null || m+=(containerd)
  command -v runc >/dev/null || m+=(runc)
  [[ -x /usr/lib/cni/bridge ]] || m+=(containernetworking-plugins)
  command -v docker-registry >/dev/null || m+=(docker-registry)
  command -v htpasswd >/dev/null || m+=(apache2-utils)
  dpkg -s busybox-static >/dev/null 2>&1 || m+=(busybox-static)  # a static /bin/busybox, copied into images
  command -v conntrack >/dev/null || m+=(conntrack)
  command -v iptables >/dev/null || m+=(iptables)
  command -v nft >/dev/null || m+=(nftables)
  echo "${m[*]}"
}

install_packages() {
  local m; m="$(missing_packages)"
  [[ -z "$m" ]] && return
  log "installing from Debian: $m"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $m >/dev/null
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

kubeconfig() { # file cert key
  cat > "$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster: {server: "$(cat "$DIR/server")", certificate-authority: "$DIR/pki/ca.crt"}
users:
- name: user
  user: {client-certificate: "$2", client-key: "$3"}
contexts:
- name: local
  context: {cluster: local, user: user}
current-context: local
EOF
}

# Client certificates of the node's components, signed by the control plane's CA.
certs() {
  local d="$N/pki" o=openssl
  mkdir -p "$d"
  printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n' > "$d/client.ext"
  client() { # name subject
    $o req -newkey rsa:2048 -nodes -subj "$2" -keyout "$d/$1.key" -out "$d/$1.csr" 2>/dev/null
    $o x509 -req -in "$d/$1.csr" -CA "$DIR/pki/ca.crt" -CAkey "$DIR/pki/ca.key" -CAcreateserial -days 3650 \
       -extfile "$d/client.ext" -out "$d/$1.crt" 2>/dev/null
  }
  # The Node authorizer lets this identity read exactly the Secrets its pods name.
  client kubelet "/CN=system:node:$NODE_NAME/O=system:nodes"
  client scheduler "/CN=system:kube-scheduler"
  client kube-proxy "/CN=system:kube-proxy"
  # The kubelet's serving certificate (the API server reaches it for logs and exec).
  cat > "$d/serving.ext" <<EOF
basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:$NODE_IP,DNS:$NODE_NAME
EOF
  $o req -newkey rsa:2048 -nodes -subj "/CN=$NODE_NAME" -keyout "$d/kubelet-serving.key" -out "$d/kubelet-serving.csr" 2>/dev/null
  $o x509 -req -in "$d/kubelet-serving.csr" -CA "$DIR/pki/ca.crt" -CAkey "$DIR/pki/ca.key" -CAcreateserial -days 3650 \
     -extfile "$d/serving.ext" -out "$d/kubelet-serving.crt" 2>/dev/null
  kubeconfig "$N/kubelet.kubeconfig" "$d/kubelet.crt" "$d/kubelet.key"
  kubeconfig "$N/scheduler.kubeconfig" "$d/scheduler.crt" "$d/scheduler.key"
  kubeconfig "$N/kube-proxy.kubeconfig" "$d/kube-proxy.crt" "$d/kube-proxy.key"
}

# What 'down' must restore: sysctl values, which host paths and kubepods cgroups existed.
save_host() {
  local s
  : > "$N/sysctl.saved"
  for s in "${SYSCTLS[@]}"; do
    if v="$(sysctl -n "$s" 2>/dev/null)"; then echo "$s=$v" >> "$N/sysctl.saved"; fi
  done
  : > "$N/paths.created"
  for s in "${HOST_PATHS[@]}"; do [[ -e "$s" ]] || echo "$s" >> "$N/paths.created"; done
  # Tables iptables(-nft) has not made yet: 'down' drops them again once they are empty.
  : > "$N/iptables.absent"
  for s in iptables ip6tables; do
    command -v "$s-save" >/dev/null && [[ -z "$("$s-save" 2>/dev/null | grep -v '^#')" ]] && echo "$s" >> "$N/iptables.absent"
  done
  : > "$N/cgroups.created"
  for s in /sys/fs/cgroup/*/; do [[ -e "$s/kubepods" ]] || echo "$s/kubepods" >> "$N/cgroups.created"; done
}

# Whether a process runs (a zombie that its new parent has not reaped yet does not).
running() { [[ -r "/proc/$1/stat" && "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]]; }
alive() { [[ -f "$N/$1.pid" ]] && running "$(cat "$N/$1.pid")"; }

# Waits until the check passes; dies (with the log's tail) when the process exits first.
wait_process() { # name seconds check...
  local name="$1" deadline=$((SECONDS + $2)); shift 2
  until "$@" >/dev/null 2>&1; do
    alive "$name" || { tail -30 "$N/$name.log" >&2; die "$name exited; log: $N/$name.log"; }
    (( SECONDS < deadline )) || { tail -30 "$N/$name.log" >&2; die "$name not ready; log: $N/$name.log"; }
    sleep 0.2
  done
}

start_registry() {
  local r="$DIR/registry"
  mkdir -p "$r/data"
  [[ -f "$r/htpasswd" ]] || : > "$r/htpasswd"
  local attempt port
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    cat > "$r/config.yml" <<EOF
version: 0.1
log: {level: warn}
storage:
  filesystem: {rootdirectory: $r/data}
  delete: {enabled: true}
http:
  addr: 127.0.0.1:$port
  secret: pullsecret-node
auth:
  htpasswd: {realm: pullsecret-node, path: $r/htpasswd}
EOF
    docker-registry serve "$r/config.yml" > "$N/registry.log" 2>&1 &
    echo $! > "$N/registry.pid"
    local code=""
    for _ in $(seq 1 100); do
      code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$port/v2/" || true)"
      [[ "$code" == 401 ]] && break
      alive registry || break
      sleep 0.1
    done
    if [[ "$code" == 401 ]]; then echo "127.0.0.1:$port" > "$r/address"; return; fi
    grep -qi "address already in use" "$N/registry.log" || { cat "$N/registry.log" >&2; die "docker-registry did not start"; }
  done
  die "docker-registry: no free port after 5 attempts"
}

# containerd reaches the registry over plain HTTP as 127.0.0.1:PORT and localhost:PORT, and as each
# of ALIASES (without a port: as an image of that registry names it). The kubelet matches the
# image's own name against the pull secrets' keys; containerd then sends what it found here.
registry_hosts() {
  local addr h
  addr="$(cat "$DIR/registry/address")"
  for h in "$addr" "localhost:${addr##*:}" "${ALIASES[@]}"; do
    mkdir -p "$N/certs.d/$h"
    # containerd 1.6 refuses a hosts.toml without a [host] table.
    printf 'server = "http://%s"\n\n[host."http://%s"]\n  capabilities = ["pull", "resolve"]\n' "$addr" "$addr" \
      > "$N/certs.d/$h/hosts.toml"
  done
}

start_containerd() {
  mkdir -p "$N/containerd" "$N/cni" "$N/cni-ipam"
  cat > "$N/containerd.toml" <<EOF
version = 2
root = "$N/containerd"
state = "$STATE"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.grpc.v1.cri.tracing"]

[grpc]
  address = "$SOCK"

[plugins."io.containerd.internal.v1.opt"]
  path = "$N/containerd/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # This machine lacks CAP_SYS_RESOURCE: runc cannot set the negative oom_score_adj the CRI asks for.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        Root = "$STATE/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$N/cni"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$N/certs.d"
EOF
  cat > "$N/cni/10-pullsecret.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "pullsecret",
  "plugins": [
    {"type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": true, "hairpinMode": true,
     "ipam": {"type": "host-local", "dataDir": "$N/cni-ipam", "ranges": [[{"subnet": "$POD_CIDR"}]],
              "routes": [{"dst": "0.0.0.0/0"}]}},
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
  containerd --config "$N/containerd.toml" > "$N/containerd.log" 2>&1 &
  echo $! > "$N/containerd.pid"
  wait_process containerd 30 ctr --address "$SOCK" version
}

# The sandbox ('pause') image, imported straight into containerd: busybox sleeping.
import_pause() {
  python3 "$HERE/node/image.py" archive "$N/pause.tar" "$PAUSE_IMAGE" sleep 2147483647
  ctr --address "$SOCK" -n k8s.io images import "$N/pause.tar" >/dev/null
}

start_scheduler() {
  local port; port=$(free_port)
  "$CACHE/kube-scheduler" --kubeconfig="$N/scheduler.kubeconfig" \
    --authentication-kubeconfig="$N/scheduler.kubeconfig" --authorization-kubeconfig="$N/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$port" --leader-elect=false \
    > "$N/kube-scheduler.log" 2>&1 &
  echo $! > "$N/kube-scheduler.pid"
  wait_process kube-scheduler 60 curl -fsk --max-time 2 "https://127.0.0.1:$port/healthz"
}

start_kubelet() {
  local port health; port=$(free_port); health=$(free_port)
  mkdir -p "$N/kubelet" "$N/pod-logs"
  cat > "$N/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: $port
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $health
tlsCertFile: $N/pki/kubelet-serving.crt
tlsPrivateKeyFile: $N/pki/kubelet-serving.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $DIR/pki/ca.crt}
authorization: {mode: AlwaysAllow}
containerRuntimeEndpoint: unix://$SOCK
# The host is on cgroup v1 (which 1.35 refuses unless told) and containerd 1.6 has no
# RuntimeConfig RPC to say which driver it uses.
failCgroupV1: false
cgroupDriver: cgroupfs
# Without CAP_SYS_RESOURCE no process here may get a negative oom_score_adj.
oomScoreAdj: 0
failSwapOn: false
podLogsDir: $N/pod-logs
serializeImagePulls: false
syncFrequency: 5s
nodeStatusUpdateFrequency: 2s
# A test machine's disk and memory are not the node's to guard: no evictions, no image GC.
evictionHard: {memory.available: "1Mi", nodefs.available: "1Mi", imagefs.available: "1Mi", nodefs.inodesFree: "1"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
maxPods: 110
EOF
  "$CACHE/kubelet" --config="$N/kubelet.yaml" --kubeconfig="$N/kubelet.kubeconfig" \
    --root-dir="$N/kubelet" --hostname-override="$NODE_NAME" --node-ip="$NODE_IP" \
    > "$N/kubelet.log" 2>&1 &
  echo $! > "$N/kubelet.pid"
  wait_process kubelet 60 curl -fs --max-time 2 "http://127.0.0.1:$health/healthz"
}

start_kube_proxy() {
  local health metrics; health=$(free_port); metrics=$(free_port)
  cat > "$N/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection: {kubeconfig: $N/kube-proxy.kubeconfig}
hostnameOverride: $NODE_NAME
clusterCIDR: $POD_CIDR
bindAddress: $NODE_IP
healthzBindAddress: 127.0.0.1:$health
metricsBindAddress: 127.0.0.1:$metrics
# The machine's conntrack limits stay as they are.
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOF
  "$CACHE/kube-proxy" --config="$N/kube-proxy.yaml" > "$N/kube-proxy.log" 2>&1 &
  echo $! > "$N/kube-proxy.pid"
  wait_process kube-proxy 60 curl -fs --max-time 2 "http://127.0.0.1:$health/healthz"
}

# The Node's Ready condition, read as admin ("True" once Ready).
node_ready() {
  curl -fsS --max-time 2 --cacert "$DIR/pki/ca.crt" --cert "$DIR/pki/admin.crt" --key "$DIR/pki/admin.key" \
      "$(cat "$DIR/server")/api/v1/nodes/$NODE_NAME" 2>/dev/null \
    | python3 -c 'import json,sys; n=json.load(sys.stdin); print(next((c["status"] for c in n["status"].get("conditions",[]) if c["type"]=="Ready"),""))' \
    2>/dev/null || true
}

up() {
  DIR="$(cd "$1" && pwd)"
  N="$DIR/node"
  [[ $EUID -eq 0 ]] || die "needs root (containerd, the kubelet and kube-proxy change the host)"
  [[ -f "$DIR/server" && -f "$DIR/pki/ca.key" ]] || die "no control plane in $DIR: run 'hack/control-plane.sh up $DIR' first"
  if [[ -f "$OWNER" ]]; then
    local other; other="$(cat "$OWNER")"
    if [[ -f "$other/node/kubelet.pid" ]] && running "$(cat "$other/node/kubelet.pid")"; then
      die "a node is already up on this machine (hack/node.sh down $other)"
    fi
    log "a node of $other was left behind: taking it down first"
    down "$other"
  fi
  [[ ! -S "$SOCK" ]] || die "$SOCK exists: a containerd of an earlier node still runs"
  # The Node's address: the kubelet refuses a loopback one, and kube-proxy waits for one.
  NODE_IP="$(ip -4 route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p')"
  [[ -n "$NODE_IP" ]] || die "no IPv4 address with a route out of this machine: the Node needs a non-loopback address"
  local bin; bin="$(build | tail -1)"
  CACHE="$bin"
  install_packages
  local start=$SECONDS
  rm -rf "$N"; mkdir -p "$N"
  echo "$DIR" > "$OWNER"
  save_host
  certs
  start_registry
  registry_hosts
  start_containerd
  import_pause
  start_scheduler
  start_kubelet
  start_kube_proxy
  local deadline=$((SECONDS + 60))
  until [[ "$(node_ready)" == True ]]; do
    (( SECONDS < deadline )) || { tail -30 "$N/kubelet.log" >&2; die "the Node is not Ready after 60 s; log: $N/kubelet.log"; }
    alive kubelet || { tail -30 "$N/kubelet.log" >&2; die "kubelet exited; log: $N/kubelet.log"; }
    sleep 0.2
  done
  log "up in $((SECONDS - start)) s: Node $NODE_NAME Ready; registry $(cat "$DIR/registry/address")"
}

stop() { # name
  local f="$N/$1.pid"
  [[ -f "$f" ]] || return 0
  local pid; pid="$(cat "$f")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do running "$pid" || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$f"
}

# Unmounts everything mounted under a path, deepest first.
unmount_under() {
  local m
  while read -r m; do
    [[ -n "$m" ]] && umount -l "$m" 2>/dev/null || true
  done < <(awk -v p="$1" '{ gsub(/\\040/, " ", $5); if (index($5, p) == 1) print $5 }' /proc/self/mountinfo | sort -r)
}

# Drops the KUBE-* and CNI-* chains (and the rules that jump to them) of one iptables family.
clean_iptables() { # iptables-save iptables-restore
  command -v "$1" >/dev/null || return 0
  local saved; saved="$("$1" 2>/dev/null)" || return 0
  grep -qE 'KUBE-|CNI-' <<< "$saved" || return 0
  grep -vE 'KUBE-|CNI-' <<< "$saved" | "$2"
}

down() {
  DIR="$(cd "$1" 2>/dev/null && pwd)" || return 0
  N="$DIR/node"
  [[ -d "$N" ]] || return 0
  stop kube-proxy; stop kubelet; stop kube-scheduler
  # The pods' processes: every task of containerd's k8s.io namespace, then their shims.
  if [[ -S "$SOCK" ]] && alive containerd; then
    local t
    for t in $(ctr --address "$SOCK" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr --address "$SOCK" -n k8s.io tasks kill -s SIGKILL "$t" >/dev/null 2>&1 || true
    done
    for t in $(ctr --address "$SOCK" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr --address "$SOCK" -n k8s.io tasks delete -f "$t" >/dev/null 2>&1 || true
    done
  fi
  local f
  for f in "$STATE"/io.containerd.runtime.v2.task/*/*/shim.pid; do
    [[ -f "$f" ]] && kill -9 "$(cat "$f")" 2>/dev/null || true
  done
  stop containerd
  stop registry
  # Pod network namespaces (their veths go with them), the bridge, the mounts.
  for f in /run/netns/cni-*; do
    [[ -e "$f" ]] || continue
    umount "$f" 2>/dev/null || true
    rm -f "$f"
  done
  ip link del "$BRIDGE" 2>/dev/null || true
  unmount_under "$N/"
  unmount_under "$STATE/"
  unmount_under /var/lib/kubelet/
  # cgroups the kubelet made (kubepods and below), deepest first.
  if [[ -f "$N/cgroups.created" ]]; then
    while read -r f; do
      [[ -d "$f" ]] && find "$f" -depth -type d -exec rmdir {} + 2>/dev/null || true
    done < "$N/cgroups.created"
  fi
  clean_iptables iptables-save iptables-restore
  clean_iptables ip6tables-save ip6tables-restore
  if [[ -f "$N/iptables.absent" ]] && command -v nft >/dev/null; then
    local fam t
    while read -r fam; do
      for t in mangle filter nat; do
        [[ -z "$("$fam-save" -t "$t" 2>/dev/null | grep '^-A')" ]] || continue
        nft delete table "$([[ $fam == iptables ]] && echo ip || echo ip6)" "$t" 2>/dev/null || true
      done
    done < "$N/iptables.absent"
  fi
  if [[ -f "$N/sysctl.saved" ]]; then
    while IFS= read -r f; do sysctl -qw "$f" >/dev/null 2>&1 || true; done < "$N/sysctl.saved"
  fi
  if [[ -f "$N/paths.created" ]]; then
    while read -r f; do [[ -n "$f" ]] && rm -rf "$f"; done < "$N/paths.created"
  fi
  [[ "$(cat "$OWNER" 2>/dev/null)" == "$DIR" ]] && rm -f "$OWNER"
  rm -f "$N/cgroups.created" "$N/paths.created" "$N/sysctl.saved" "$N/iptables.absent"
}

push() { # DIR NAME:TAG
  DIR="$(cd "$1" && pwd)"
  local ref="$2" addr; addr="$(cat "$DIR/registry/address")" || die "no registry in $DIR: run 'hack/node.sh up $DIR'"
  [[ "$ref" =~ ^[a-z0-9]+([._/-][a-z0-9]+)*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "not NAME:TAG: $ref"
  # A one-time account, added to htpasswd for this push and removed after it: the accounts the
  # tests write there stay theirs.
  local user="push-$RANDOM$RANDOM" pass; pass="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
  local hp="$DIR/registry/htpasswd"
  local line; line="$(htpasswd -nbB "$user" "$pass" | head -1)"
  printf '%s\n' "$line" >> "$hp"
  local rc=0
  PUSH_PASSWORD="$pass" python3 "$HERE/node/image.py" push "$addr" "${ref%%:*}" "${ref##*:}" "$user" || rc=$?
  local kept; kept="$(grep -v "^$user:" "$hp" || true)"
  if [[ -n "$kept" ]]; then printf '%s\n' "$kept" > "$hp.tmp"; else : > "$hp.tmp"; fi
  mv "$hp.tmp" "$hp"
  [[ $rc -eq 0 ]] || die "push of $ref failed"
  echo "$addr/$ref"
}

status() {
  local why=()
  built || why+=("kubelet, kube-scheduler and kube-proxy ($K8S_VERSION) are not built in $CACHE: run 'hack/node.sh build' (needs Go and the Go module proxy)")
  [[ $EUID -eq 0 ]] || why+=("not root (the node needs it)")
  local m; m="$(missing_packages)"
  [[ -z "$m" ]] || why+=("missing Debian packages: $m (hack/node.sh up installs them; .ci/run too)")
  if [[ ${#why[@]} -gt 0 ]]; then
    local IFS=';'; echo "${why[*]}"; exit 1
  fi
  echo "$CACHE"
}

case "${1:-}" in
  build) build ;;
  status) status ;;
  up) [[ -n "${2:-}" ]] || die "usage: $0 up DIR"; up "$2" ;;
  down) [[ -n "${2:-}" ]] || die "usage: $0 down DIR"; down "$2" ;;
  push) [[ -n "${2:-}" && -n "${3:-}" ]] || die "usage: $0 push DIR NAME:TAG"; push "$2" "$3" ;;
  *) echo "usage: $0 build | up DIR | push DIR NAME:TAG | down DIR | status" >&2; exit 2 ;;
esac
