"""Small runnable images without Docker, for hack/node.sh: one layer holding Debian's static
busybox (/bin/busybox and its applets as links in /bin).

  image.py archive FILE NAME CMD...        an OCI archive for 'ctr images import', named NAME
  image.py push HOST:PORT REPO TAG USER    push to a registry over plain HTTP (password in
                                           PUSH_PASSWORD), with the v2 API's own calls
  image.py push-rootfs HOST:PORT REPO TAG USER LAYER.tar.gz DIFF_ID
                                           push a one-layer image of a root filesystem (a gzip'd
                                           tar and the sha256 of the tar inside), no command;
                                           hack/image.sh pushes its Debian base with it

The image's default command waits until it is stopped (SIGTERM ends it at once). The layer is
built the same way every time, so every push of it has the same digest.
"""
import base64
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import urllib.error
import urllib.request

BUSYBOX = "/bin/busybox"
WAIT = ["/bin/sh", "-c", "trap 'exit 0' TERM; sleep 2147483647 & wait"]


def layer():
    """The layer as a gzip'd tar and the digest of the tar itself (the image's diff_id)."""
    applets = subprocess.run([BUSYBOX, "--list"], check=True, capture_output=True, text=True).stdout.split()
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for d in ("bin", "tmp", "etc"):
            info = tarfile.TarInfo(d)
            info.type, info.mode = tarfile.DIRTYPE, 0o1777 if d == "tmp" else 0o755
            tar.addfile(info)
        with open(BUSYBOX, "rb") as f:
            data = f.read()
        info = tarfile.TarInfo("bin/busybox")
        info.size, info.mode = len(data), 0o755
        tar.addfile(info, io.BytesIO(data))
        for a in sorted(set(applets) - {"busybox"}):
            info = tarfile.TarInfo("bin/" + a)
            info.type, info.linkname, info.mode = tarfile.SYMTYPE, "busybox", 0o777
            tar.addfile(info)
    tar_bytes = raw.getvalue()
    gz = io.BytesIO()
    with gzip.GzipFile(fileobj=gz, mode="wb", mtime=0) as g:
        g.write(tar_bytes)
    return gz.getvalue(), "sha256:" + hashlib.sha256(tar_bytes).hexdigest()


def digest(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def image(cmd):
    """(blobs by digest, manifest bytes)."""
    blob, diff_id = layer()
    config = json.dumps({
        "architecture": "amd64", "os": "linux",
        "config": {"Cmd": cmd, "Env": ["PATH=/bin"], "WorkingDir": "/"},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
    }, sort_keys=True).encode()
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest(config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest(blob), "size": len(blob)}],
    }, sort_keys=True).encode()
    return {digest(blob): blob, digest(config): config}, manifest


def archive(path, name, cmd):
    blobs, manifest = image(cmd)
    blobs[digest(manifest)] = manifest
    index = json.dumps({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest(manifest), "size": len(manifest),
        "annotations": {"io.containerd.image.name": name}}]}).encode()
    with tarfile.open(path, "w") as tar:
        def add(n, b):
            info = tarfile.TarInfo(n)
            info.size = len(b)
            tar.addfile(info, io.BytesIO(b))
        add("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        add("index.json", index)
        for d, b in blobs.items():
            add("blobs/sha256/" + d.split(":", 1)[1], b)


def rootfs_image(layer_path, diff_id):
    """(blobs by digest, manifest bytes) of one gzip'd root filesystem layer."""
    with open(layer_path, "rb") as f:
        blob = f.read()
    config = json.dumps({
        "architecture": "amd64", "os": "linux", "created": "1970-01-01T00:00:00Z",
        "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "WorkingDir": "/"},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
    }, sort_keys=True).encode()
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest(config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest(blob), "size": len(blob)}],
    }, sort_keys=True).encode()
    return {digest(blob): blob, digest(config): config}, manifest


def push(address, repo, tag, user, password, image_parts=None):
    base = "http://" + address
    auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    def call(method, url, body=None, headers=None):
        req = urllib.request.Request(url if url.startswith("http") else base + url, data=body, method=method)
        req.add_header("Authorization", auth)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        return urllib.request.urlopen(req, timeout=30)

    blobs, manifest = image_parts or image(WAIT)
    for d, b in blobs.items():
        try:
            call("HEAD", f"/v2/{repo}/blobs/{d}")
            continue
        except urllib.error.HTTPError as e:
            if e.code != 404:
                raise
        location = call("POST", f"/v2/{repo}/blobs/uploads/").headers["Location"]
        sep = "&" if "?" in location else "?"
        call("PUT", f"{location}{sep}digest={d}", b, {"Content-Type": "application/octet-stream"})
    call("PUT", f"/v2/{repo}/manifests/{tag}", manifest, {"Content-Type": "application/vnd.oci.image.manifest.v1+json"})


if __name__ == "__main__":
    if sys.argv[1] == "archive":
        archive(sys.argv[2], sys.argv[3], [BUSYBOX] + sys.argv[4:])
    elif sys.argv[1] == "push":
        try:
            push(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], os.environ["PUSH_PASSWORD"])
        except urllib.error.HTTPError as e:
            sys.exit(f"push: HTTP {e.code} from {e.url}")
    elif sys.argv[1] == "push-rootfs":
        try:
            push(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], os.environ["PUSH_PASSWORD"],
                 rootfs_image(sys.argv[6], sys.argv[7]))
        except urllib.error.HTTPError as e:
            sys.exit(f"push: HTTP {e.code} from {e.url}")
    else:
        sys.exit(__doc__)
