"""The seccomp layer: a system-call filter (through libseccomp) that refuses what a candidate must never do.

The filter allows by default and answers ``EPERM`` to an audited list of calls: starting processes or
threads, signalling or inspecting other processes, creating sockets, opening files for writing or
changing the file system, namespaces, privileges, kernel keys and modules, System V / POSIX IPC
(channels between candidates), io_uring (it bypasses seccomp) and raising resource limits. Calls of
other architectures (32-bit x86 on x86_64) are killed by libseccomp's bad-arch action.

Standard library only: the sandbox's template process imports it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os

_ACT_ALLOW = 0x7FFF0000
_CMP_NE, _CMP_MASKED_EQ = 1, 7
_TIOCSTI = 0x5412
_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 22, 2
_ENOSYS_CALLS = ("clone3", "openat2")
"""Answered ENOSYS, not EPERM: the C library then falls back to ``clone`` / ``openat``, which are filtered."""
DENIED_CALLS = (
    # processes and threads
    "execve", "execveat", "fork", "vfork", "clone",
    # signals to, and inspection of, other processes
    "kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_open", "pidfd_send_signal",
    "pidfd_getfd", "ptrace", "process_vm_readv", "process_vm_writev", "process_madvise", "process_mrelease",
    "kcmp", "perf_event_open", "bpf", "userfaultfd", "migrate_pages", "move_pages", "get_robust_list",
    "setpriority", "sched_setaffinity", "sched_setscheduler", "sched_setparam", "sched_setattr", "ioprio_set",
    # network
    "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4",
    # file system changes
    "creat", "mkdir", "mkdirat", "rmdir", "unlink", "unlinkat", "rename", "renameat", "renameat2", "link",
    "linkat", "symlink", "symlinkat", "chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown",
    "fchownat", "truncate", "ftruncate", "fallocate", "mknod", "mknodat", "utime", "utimes", "utimensat",
    "futimesat", "setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr", "fremovexattr",
    "name_to_handle_at", "open_by_handle_at", "memfd_create", "memfd_secret",
    # io_uring runs system calls that seccomp does not see
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    # namespaces, mounts and privileges
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen",
    "fsconfig", "fsmount", "fspick", "mount_setattr", "setuid", "setgid", "setreuid", "setregid", "setresuid",
    "setresgid", "setfsuid", "setfsgid", "setgroups", "capset", "personality", "setrlimit",
    # the kernel and the machine
    "keyctl", "add_key", "request_key", "init_module", "finit_module", "delete_module", "kexec_load",
    "kexec_file_load", "reboot", "swapon", "swapoff", "sethostname", "setdomainname", "acct", "quotactl",
    "quotactl_fd", "iopl", "ioperm", "syslog", "settimeofday", "clock_settime", "adjtimex", "clock_adjtime",
    "vhangup", "uselib", "nfsservctl", "lookup_dcookie",
    # System V and POSIX IPC: shared between processes, a channel between candidates
    "msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop", "semtimedop", "semctl", "shmget", "shmat", "shmdt",
    "shmctl", "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr",
)  # fmt: skip
_WRITE_OPEN_FLAGS = (os.O_WRONLY, os.O_RDWR, os.O_CREAT, os.O_TRUNC)


class SeccompUnavailable(RuntimeError):
    """libseccomp is not installed, or the kernel refused the filter."""


class _ArgCmp(ctypes.Structure):
    """``struct scmp_arg_cmp``: compare system-call argument ``arg`` with ``op`` (masked: ``arg & a == b``)."""

    _fields_ = [
        ("arg", ctypes.c_uint),
        ("op", ctypes.c_int),
        ("datum_a", ctypes.c_uint64),
        ("datum_b", ctypes.c_uint64),
    ]


def _errno_action(code: int) -> int:
    return 0x00050000 | (code & 0xFFFF)


def _library() -> ctypes.CDLL:
    name = ctypes.util.find_library("seccomp") or "libseccomp.so.2"
    try:
        library = ctypes.CDLL(name, use_errno=True)
    except OSError as exc:
        raise SeccompUnavailable(f"libseccomp not found ({exc}); install libseccomp2") from exc
    library.seccomp_init.restype = ctypes.c_void_p
    library.seccomp_init.argtypes = [ctypes.c_uint32]
    library.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    library.seccomp_rule_add_array.argtypes = [
        ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint, ctypes.POINTER(_ArgCmp)
    ]  # fmt: skip
    library.seccomp_load.argtypes = [ctypes.c_void_p]
    library.seccomp_release.argtypes = [ctypes.c_void_p]
    return library


class SeccompFilter:
    """The filter's rules, built once in the template process; :meth:`compile` gives what workers install."""

    def __init__(self) -> None:
        self._lib = _library()
        self._ctx = self._lib.seccomp_init(_ACT_ALLOW)
        if not self._ctx:
            raise SeccompUnavailable("seccomp_init failed")
        deny = _errno_action(errno.EPERM)
        for name in DENIED_CALLS:
            self._add(deny, name)
        for name in _ENOSYS_CALLS:
            self._add(_errno_action(errno.ENOSYS), name)
        for flag in _WRITE_OPEN_FLAGS:  # open for writing, creating or truncating
            self._add(deny, "open", _ArgCmp(1, _CMP_MASKED_EQ, flag, flag))
            self._add(deny, "openat", _ArgCmp(2, _CMP_MASKED_EQ, flag, flag))
        self._add(deny, "prlimit64", _ArgCmp(2, _CMP_NE, 0, 0))  # setting a limit, not reading one
        self._add(deny, "ioctl", _ArgCmp(1, _CMP_MASKED_EQ, 0xFFFFFFFF, _TIOCSTI))  # typing into a terminal

    def _add(self, action: int, name: str, *conditions: _ArgCmp) -> None:
        number = self._lib.seccomp_syscall_resolve_name(name.encode())
        if number < 0:  # not a system call of this architecture (e.g. `open` on aarch64)
            return
        array = (_ArgCmp * len(conditions))(*conditions) if conditions else None
        result = self._lib.seccomp_rule_add_array(self._ctx, action, number, len(conditions), array)
        if result != 0:
            raise SeccompUnavailable(f"seccomp rule for {name} refused: {os.strerror(-result)}")

    def compile(self) -> CompiledFilter:
        """The filter as a BPF program, generated once, so that each worker only installs it."""
        self._lib.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
        fd = os.memfd_create("seccomp-bpf")
        try:
            result = self._lib.seccomp_export_bpf(self._ctx, fd)
            if result != 0:
                raise SeccompUnavailable(f"seccomp_export_bpf failed: {os.strerror(-result)}")
            os.lseek(fd, 0, os.SEEK_SET)
            program = b""
            while chunk := os.read(fd, 1 << 16):
                program += chunk
        finally:
            os.close(fd)
        return CompiledFilter(program)


class _SockFprog(ctypes.Structure):
    """``struct sock_fprog``: a BPF program's instruction count and instructions (8 bytes each)."""

    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


class CompiledFilter:
    """A BPF seccomp program, installed with ``prctl(PR_SET_SECCOMP)`` (needs no_new_privs)."""

    def __init__(self, program: bytes) -> None:
        if not program or len(program) % 8:
            raise SeccompUnavailable(f"libseccomp exported a BPF program of {len(program)} bytes")
        self._buffer = ctypes.create_string_buffer(program, len(program))
        self._fprog = _SockFprog(len(program) // 8, ctypes.addressof(self._buffer))
        self._libc = ctypes.CDLL(None, use_errno=True)

    def load(self) -> None:
        """Install the filter in this process; it cannot be removed."""
        if self._libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(self._fprog), 0, 0) != 0:
            code = ctypes.get_errno()
            raise SeccompUnavailable(f"installing the seccomp filter failed: {os.strerror(code)}")
