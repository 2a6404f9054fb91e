"""The folders a Lambda function opens by path, made for its process without root: /var/task
(its code, read-only), /opt (its layers, read-only), /tmp (its own, writable, empty at each cold
start), /var/lang (the runtime's interpreter) and /var/runtime (this runtime).

They are mounts in a mount namespace owned by an unprivileged user namespace (Linux): nothing in
the host's folders changes, no root is needed, and they vanish with the process. A runtime parent
(zygote.py) makes the part its functions share once (enter_runtime: /var, /opt) and each handler
process its own part in a mount namespace of its own (enter_function: /var/task, /tmp); a fresh
interpreter does both. The host's /var entries stay visible beside task/, lang/ and runtime/, and
a host folder the runtime itself needs that lies under /tmp (a project checked out there) is
mounted back at its path inside the function's /tmp.

Standard library only (it runs in the function's interpreter).
"""

import ctypes
import os

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
MS_RDONLY = 0x1
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000
MS_RELATIME = 0x200000
# Flags a bind mount keeps from its source in a user namespace (statvfs's ST_* bits are the
# same as MS_*): a read-only remount must repeat them or the kernel refuses it.
LOCKED_FLAGS = 0x2 | 0x4 | 0x8 | 0x400 | 0x800  # nosuid, nodev, noexec, noatime, nodiratime
ST_RELATIME = 0x1000

_libc = ctypes.CDLL(None, use_errno=True)


def _text(value: str | None) -> bytes | None:
    return value.encode() if value is not None else None


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data=None) -> None:
    result = _libc.mount(
        _text(source), _text(target), _text(fstype), ctypes.c_ulong(flags), _text(data)
    )
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"mount {target}: {os.strerror(error)}")


def _unshare(flags: int) -> None:
    if _libc.unshare(flags) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"unshare: {os.strerror(error)}")


def _bind(source: str, target: str, read_only: bool = True) -> None:
    _mount(source, target, None, MS_BIND | MS_REC)
    if read_only:
        flags = os.statvfs(target).f_flag
        kept = flags & LOCKED_FLAGS | (MS_RELATIME if flags & ST_RELATIME else 0)
        _mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | kept)


def _write(path: str, text: str) -> None:
    with open(path, "w") as file:
        file.write(text)


def _under(folder: str, paths: list[str]) -> list[str]:
    """The paths below a folder, none below another of them."""
    inside = sorted({p for p in map(os.path.realpath, paths) if p.startswith(folder + "/")})
    return [p for p in inside if not any(p.startswith(q + "/") for q in inside if q != p)]


def _cover(folder: str, fstype_data: str, keep: list[str], read_only: bool) -> None:
    """A fresh tmpfs over the folder, with the kept host paths under it mounted back (a
    symbolic link made again)."""
    links = {path: os.readlink(path) for path in keep if os.path.islink(path)}
    handles = {path: os.open(path, os.O_PATH) for path in keep if path not in links}
    try:
        _mount("tmpfs", folder, "tmpfs", 0, fstype_data)
        for path, target in links.items():
            os.symlink(target, path)
        for path, handle in handles.items():
            if os.path.isdir(f"/proc/self/fd/{handle}"):
                os.makedirs(path, exist_ok=True)
            else:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                open(path, "a").close()
            _bind(f"/proc/self/fd/{handle}", path, read_only=False)
        if read_only:
            _mount(None, folder, None, MS_REMOUNT | MS_RDONLY, fstype_data)
    finally:
        for handle in handles.values():
            os.close(handle)


def enter_runtime(runtime_prefix: str, runtime_dir: str, layers: list[str]) -> None:
    """This process (and the processes it forks) in a user and mount namespace of its own,
    with /var/lang, /var/runtime, a /var/task mount point and the layers at /opt."""
    uid, gid = os.getuid(), os.getgid()
    _unshare(CLONE_NEWUSER | CLONE_NEWNS)
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"{uid} {uid} 1")
    _write("/proc/self/gid_map", f"{gid} {gid} 1")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    needed = [runtime_prefix, runtime_dir, *layers]
    if _under("/opt", needed):
        raise OSError(f"/opt holds what the runtime needs ({_under('/opt', needed)})")
    _cover(
        "/var", "mode=755", keep=[f"/var/{name}" for name in os.listdir("/var")], read_only=False
    )
    for name, source in (("lang", runtime_prefix), ("runtime", runtime_dir)):
        os.mkdir(f"/var/{name}")
        _bind(source, f"/var/{name}")
    os.mkdir("/var/task")
    _mount(None, "/var", None, MS_REMOUNT | MS_RDONLY, "mode=755")
    if len(layers) == 1:
        _bind(layers[0], "/opt")
    elif layers:  # as Lambda extracts them: a later layer's file wins
        lower = ":".join(reversed(layers))
        _mount("overlay", "/opt", "overlay", MS_RDONLY, f"lowerdir={lower}")
    else:
        _cover("/opt", "mode=755", keep=[], read_only=True)


def enter_function(code_dir: str, tmp_mb: int, needed: list[str]) -> None:
    """This process in a mount namespace of its own, with its code at /var/task and a /tmp of
    its own of tmp_mb MB. `needed`: the host paths the runtime reads from."""
    _unshare(CLONE_NEWNS)
    _bind(code_dir, "/var/task")
    tmp = "/tmp"  # noqa: S108 (Lambda's, made here: a tmpfs of this process's own)
    _cover(tmp, f"mode=1777,size={tmp_mb}m", keep=_under(tmp, needed), read_only=False)
