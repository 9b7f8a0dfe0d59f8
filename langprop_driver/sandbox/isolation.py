"""The operating-system boundary around candidate code: namespaces, capabilities, Landlock, seccomp, rlimits.

:class:`Isolation` is prepared once in the template process (namespaces entered, Landlock ruleset and
seccomp filter built) and applied by each worker right after its fork, before it loads any candidate
code. Every layer is tried; what the machine lacks is recorded, never fatal, and reported by
:meth:`Isolation.report` so the parent can log which layers are active.

Standard library only: the sandbox's template process imports it.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import sys
import sysconfig
from collections.abc import Iterable
from dataclasses import dataclass, field

_PR_SET_PDEATHSIG, _PR_SET_DUMPABLE, _PR_CAPBSET_DROP = 1, 4, 24
_PR_SET_NO_NEW_PRIVS, _PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL = 38, 47, 4
_CLONE_NEWIPC, _CLONE_NEWUSER, _CLONE_NEWNET = 0x08000000, 0x10000000, 0x40000000
_CAPABILITY_VERSION_3 = 0x20080522
_OPEN_FILES_LIMIT = 64
LAYERS = ("namespaces", "capabilities", "landlock", "seccomp", "rlimits")


class IsolationError(RuntimeError):
    """A layer that the template prepared could not be applied in a worker."""


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")


def set_non_dumpable() -> bool:
    """Make this process non-dumpable: its ``/proc/<pid>`` files then need CAP_SYS_PTRACE, which workers lack."""
    libc = _libc()
    return libc is not None and libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0) == 0


def readable_paths(modules: Iterable[str]) -> list[str]:
    """What a worker may read: the standard library and the folders of the given (pre-imported) modules."""
    paths = {sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"]}
    for name in modules:
        module = sys.modules.get(name)
        file = getattr(module, "__file__", None)
        if not file:
            continue  # built into the interpreter
        folder = os.path.dirname(os.path.realpath(file))
        if os.path.basename(file).startswith("__init__."):
            paths.add(folder)
            paths.add(folder + ".libs")  # shared libraries wheels ship beside the package
        else:
            paths.add(os.path.realpath(file))
    return sorted(path for path in paths if os.path.exists(path))


@dataclass
class Isolation:
    """The layers the template process prepared (``active``) and why the others are missing (``missing``)."""

    active: dict[str, str] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    _landlock: object | None = None
    _seccomp: object | None = None
    _last_cap: int = 40

    @classmethod
    def prepare(cls, preload: Iterable[str]) -> Isolation:
        """In the template process: enter fresh namespaces, import ``preload``, build Landlock and seccomp.

        Namespaces are entered first, while the process has one thread; the modules are imported before the
        Landlock ruleset is built, so that it can allow their folders.
        """
        isolation = cls()
        libc = _libc()
        if libc is None:
            for layer in LAYERS[:-1]:
                isolation.missing[layer] = f"not Linux ({sys.platform})"
        else:
            isolation._enter_namespaces(libc)
        modules = tuple(preload)
        for name in modules:
            __import__(name)
        if libc is not None:
            isolation._prepare_landlock(modules)
            isolation._prepare_seccomp()
            isolation._prepare_capabilities()
        isolation.active["rlimits"] = "memory, file size 0, no core dumps, open files"
        return isolation

    def _enter_namespaces(self, libc: ctypes.CDLL) -> None:
        attempts = (
            (_CLONE_NEWUSER | _CLONE_NEWNET | _CLONE_NEWIPC, "user, network, IPC"),
            (_CLONE_NEWNET | _CLONE_NEWIPC, "network, IPC"),
        )
        errors = []
        for flags, names in attempts:
            if libc.unshare(flags) == 0:
                self.active["namespaces"] = f"{names} (no network interface but a down loopback)"
                return
            errors.append(f"unshare({names}): {os.strerror(ctypes.get_errno())}")
        self.missing["namespaces"] = "; ".join(errors)

    def _prepare_landlock(self, modules: tuple[str, ...]) -> None:
        from .landlock import LandlockRuleset, LandlockUnavailable

        try:
            self._landlock = LandlockRuleset(readable_paths(modules))
            self.active["landlock"] = self._landlock.describe()
        except (LandlockUnavailable, OSError) as exc:
            self.missing["landlock"] = str(exc)

    def _prepare_seccomp(self) -> None:
        from .seccomp import DENIED_CALLS, SeccompFilter, SeccompUnavailable

        try:
            self._seccomp = SeccompFilter().compile()
            self.active["seccomp"] = f"{len(DENIED_CALLS)} system calls refused, open for writing refused"
        except (SeccompUnavailable, OSError) as exc:
            self.missing["seccomp"] = str(exc)

    def _prepare_capabilities(self) -> None:
        try:
            with open("/proc/sys/kernel/cap_last_cap") as file:
                self._last_cap = int(file.read())
        except OSError:
            pass
        self.active["capabilities"] = "all dropped (bounding, ambient, effective, permitted), no_new_privs"

    def report(self) -> dict[str, dict[str, str]]:
        return {"active": dict(self.active), "missing": dict(self.missing)}

    def apply(self, keep_fd: int, memory_limit_bytes: int, cpu_limit_s: int | None) -> None:
        """In a freshly forked worker: confine this process for good. Keeps only ``keep_fd`` open (and
        stdin/stdout/stderr on /dev/null); ``cpu_limit_s`` bounds its CPU time (None: unbounded); raises
        IsolationError if a prepared layer fails."""
        libc = _libc()
        if libc is not None:
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # the worker dies with its template
        _close_other_files({keep_fd} | ({self._landlock.fd} if self._landlock is not None else set()))
        _limit_resources(memory_limit_bytes, cpu_limit_s)
        if libc is None:
            return
        try:
            _check(libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
            if "capabilities" in self.active:
                _drop_capabilities(libc, self._last_cap)
            if self._landlock is not None:
                self._landlock.restrict_self()
                os.close(self._landlock.fd)
            if self._seccomp is not None:
                self._seccomp.load()
        except (OSError, RuntimeError) as exc:
            raise IsolationError(f"isolating the worker failed: {exc}") from exc


def _close_other_files(keep: set[int]) -> None:
    """stdin, stdout and stderr on /dev/null; every other descriptor but ``keep`` closed."""
    null = os.open(os.devnull, os.O_RDWR)
    for target in (0, 1, 2):
        if target != null:
            os.dup2(null, target)
    low = 3
    for fd in sorted(keep):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 1 << 16)


def _limit_resources(memory_limit_bytes: int, cpu_limit_s: int | None) -> None:
    limits = [
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_FSIZE, 0),
        (resource.RLIMIT_NOFILE, _OPEN_FILES_LIMIT),
    ]
    if cpu_limit_s is not None:  # a worker that lingers after its job is killed by the kernel
        limits.append((resource.RLIMIT_CPU, cpu_limit_s))
    if memory_limit_bytes > 0:
        limits.append((resource.RLIMIT_AS, memory_limit_bytes))
    if hasattr(resource, "RLIMIT_NPROC") and os.getuid() != 0:  # root ignores it
        limits.append((resource.RLIMIT_NPROC, 0))
    for which, value in limits:
        _, hard = resource.getrlimit(which)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)  # lowering is always allowed
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            if sys.platform.startswith("linux"):
                raise
            # elsewhere (macOS refuses some limits) the template already reported the layers as missing


def _drop_capabilities(libc: ctypes.CDLL, last_cap: int) -> None:
    for capability in range(last_cap + 1):
        if libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0 and ctypes.get_errno() not in (1, 22):
            _check(-1, f"dropping capability {capability} from the bounding set")
    libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header = _CapHeader(_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    _check(libc.capset(ctypes.byref(header), data), "capset")
