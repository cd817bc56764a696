"""Namespace mode: a fork-server child enters private namespaces and a root of its own before student code.

Loaded by path into the fork server (``_child.py`` runs with ``python -I``, which keeps a script's
folder off ``sys.path``) and used only when the grader runs as root on Linux. Per child:

- ``unshare`` of the mount, PID, network, IPC and UTS namespaces, then one more fork, so the student's
  code runs as process 1 of a PID namespace of its own (it sees no other process; when it ends, everything
  it left ends) in an empty network namespace (no interface but a down loopback: no network at all);
- a new root on a small tmpfs holding only what a Python import needs, bound read-only: ``/usr``, the
  Python installation(s) (``sys.base_prefix``, ``sys.prefix``...) and the ``sys.path`` folders outside
  them, ``/etc/ld.so.cache``, a few ``/dev`` nodes; the grader's package folders are covered by empty
  mounts wherever they lie inside those, and folders that only add them to ``sys.path`` (an editable
  install's checkout) are not bound at all;
- ``/submission`` (the working folder: a copy of the files, owned by the child's uid), ``/tmp`` and
  ``/dev/shm``: size-limited tmpfs mounts that die with the namespace, so nothing a child writes reaches
  the host's disk or a later child, and nothing outlives it.

Why binds into a private root rather than making the Python installation readable: on this kind of
machine Python lives under ``/root`` (mode 0700); the child drops to an unused uid and could not read
it, so ``import pdb`` failed for honest code. Inside the private root the parent folders are fresh
tmpfs folders (mode 0755) and nothing on the host changes. ``unshare``, ``mount`` and ``chroot`` are
direct system calls (ctypes in the fork server, which never runs student code): no dependency on
util-linux or bubblewrap being installed, and no extra exec per child (one more fork and a few mounts).
"""
import ctypes
import os
import signal
import sys

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
NAMESPACES = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 32, 4096, 16384, 1 << 18
PR_SET_PDEATHSIG = 1
DEVICES = ("null", "zero", "full", "random", "urandom")
TOP_LINKS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
_libc = []
_plan = {}


def _c():
    if not _libc:
        _libc.append(ctypes.CDLL(None, use_errno=True))
    return _libc[0]


def _call(rc, what):
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _b(s):
    return None if s is None else os.fsencode(s)


def mount(src, target, fstype, flags, data=None):
    _call(_c().mount(_b(src), _b(target), _b(fstype), ctypes.c_ulong(flags), _b(data)), f"mount {target}")


def _under(path, top):
    return path == top or path.startswith(top.rstrip("/") + "/")


def plan(hide) -> dict:
    """What the private root holds (computed once per fork server, from its own ``sys.path``)."""
    key = tuple(hide)
    if key in _plan:
        return _plan[key]
    tops = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
    for p in sys.path:
        rp = os.path.realpath(p) if p else ""
        if (os.path.isdir(rp) and not any(_under(rp, t) for t in tops | {"/usr"})
                and not any(os.path.dirname(h) == rp for h in hide)):
            tops.add(rp)  # a folder that only puts the grader's packages on the path stays out
    binds = ["/usr"] + sorted(t for t in tops if not any(_under(t, o) and t != o for o in tops | {"/usr"}))
    binds += [f for f in ("/etc/ld.so.cache", "/etc/localtime") if os.path.exists(f)]
    links = {n: os.readlink("/" + n) for n in TOP_LINKS if os.path.islink("/" + n)}
    binds += ["/" + n for n in TOP_LINKS if n not in links and os.path.isdir("/" + n)]
    covered = [h for h in hide if any(_under(h, b) for b in binds)]
    _plan[key] = {"binds": binds, "links": links, "cover": covered}
    return _plan[key]


def enter(spec: dict) -> None:
    """Called in a fork-server child: returns only in the jailed grandchild, inside its new root.

    The intermediate process (root, our code only) waits for the grandchild and exits; the grader's
    ``killpg`` reaches both, and the grandchild dies with it (PR_SET_PDEATHSIG, set after the uid drop
    in ``after_drop`` because changing credentials clears it).
    """
    jail = spec["jail"]
    layout = plan(jail["hide"])
    _call(_c().unshare(NAMESPACES), "unshare")
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the fork server ignores it; this process must wait
    pid = os.fork()
    if pid:
        os.closerange(0, 1 << 16)  # the pipes close when the grandchild ends, not when this process does
        try:
            os.waitpid(pid, 0)
        finally:
            os._exit(0)
    _build(spec, jail, layout)


def _build(spec, jail, layout) -> None:
    root, uid = jail["root"], int(spec["uid"])
    os.umask(0o022)  # the folders made here must be enterable by the child's uid whatever the grader's umask
    mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing mounted below propagates back to the host
    mount("tmpfs", root, "tmpfs", MS_NOSUID, "size=1m,nr_inodes=4096,mode=755")
    small = f"size={jail['tmp_mb']}m,nr_inodes=4096"
    os.makedirs(root + "/tmp")
    mount("tmpfs", root + "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, small + ",mode=1777")
    os.makedirs(root + "/dev/shm")
    mount("tmpfs", root + "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, small + ",mode=1777")
    for name in DEVICES:
        if os.path.exists("/dev/" + name):
            open(root + "/dev/" + name, "w").close()
            mount("/dev/" + name, root + "/dev/" + name, None, MS_BIND)
    for name, target in layout["links"].items():
        os.symlink(target, root + "/" + name)
    for src in layout["binds"]:
        dst = root + src
        if os.path.isdir(src):
            os.makedirs(dst, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            open(dst, "w").close()
        mount(src, dst, None, MS_BIND | MS_REC)
        mount(None, dst, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    for d in layout["cover"]:
        mount("tmpfs", root + d, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k,nr_inodes=1,mode=000")
    os.makedirs(root + "/proc")
    try:
        mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV, "hidepid=invisible,subset=pid")
    except OSError:
        mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV)  # kernels before 5.8: still only this namespace
    work = root + "/submission"
    os.makedirs(work)
    mount("tmpfs", work, "tmpfs", MS_NOSUID | MS_NODEV,
          f"size={jail['work_mb']}m,nr_inodes=16384,mode=700,uid={uid},gid={uid}")
    _copy(spec["workdir"], work, uid)
    os.chroot(root)
    os.chdir("/submission")


def _copy(src: str, dst: str, uid: int) -> None:
    """The submission's files (written by the grader, so plain files and folders) into the private folder."""
    for folder, dirs, files in os.walk(src):
        rel = os.path.relpath(folder, src)
        for d in dirs:
            os.mkdir(os.path.join(dst, rel, d), 0o700)
            os.chown(os.path.join(dst, rel, d), uid, uid)
        for f in files:
            with open(os.path.join(folder, f), "rb") as fh, open(os.path.join(dst, rel, f), "wb") as out:
                out.write(fh.read())
            os.chown(os.path.join(dst, rel, f), uid, uid)


def after_drop() -> None:
    """In the jailed child after it dropped to its uid: die with the intermediate process."""
    _call(_c().prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0), "prctl")
