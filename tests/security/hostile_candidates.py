"""Hostile candidates, one per attack, written by someone who knows the project's source.

Each defines ``policy(x)``; what it returns describes what it managed (the tests assert on side effects,
not on this self-report). Placeholders, filled by :func:`hostile`: ``TARGET_DIR`` (a folder the candidate
must not write to), ``SECRET_FILE`` (a file it must not read), ``PARENT_PID`` (the process scoring it),
``PORT`` (a TCP port listening on 127.0.0.1).
"""

from __future__ import annotations

REAL_IMPORT = '''
def _real_import():
    """The real __import__, from the closure of the sandbox's import guard."""
    guard = globals()["__builtins__"]["__import__"]
    for cell in guard.__closure__ or ():
        value = cell.cell_contents
        if callable(value):
            return value
    raise RuntimeError("the guard has no closure")


def _try(action):
    try:
        return repr(action())
    except BaseException as exc:
        return f"{type(exc).__name__}: {exc}"
'''

HONEST = "import math\n\n\ndef policy(x):\n    return int(math.sqrt(4 * x * x))\n"
"""The rival: twice x, through ``math`` (which the saboteur patches)."""

IMPORT_OS = "import os\n\n\ndef policy(x):\n    return os.getcwd()\n"
DUNDER_IMPORT = "def policy(x):\n    return __import__('os').getcwd()\n"

CLOSURE_IMPORT = (
    REAL_IMPORT
    + """
os = _real_import()("os")


def policy(x):
    return _try(lambda: os.open("TARGET_DIR/closure.txt", os.O_WRONLY | os.O_CREAT))
"""
)

SUBCLASS_WALK = (
    REAL_IMPORT
    + """
def policy(x):
    for cls in ().__class__.__base__.__subclasses__():
        if cls.__name__ == "_wrap_close":
            g = cls.__init__.__globals__
            break
    else:
        return "no _wrap_close"
    return [
        _try(lambda: g["open"]("TARGET_DIR/walk.txt", g["O_WRONLY"] | g["O_CREAT"])),
        _try(lambda: g["system"]("touch TARGET_DIR/walk_system.txt")),
        _try(lambda: g["listdir"]("/")),
    ]
"""
)

RANDOM_OS = (
    REAL_IMPORT
    + """
import random


def policy(x):
    os = random._os
    return [
        _try(lambda: os.open("TARGET_DIR/random.txt", os.O_WRONLY | os.O_CREAT)),
        _try(lambda: os.mkdir("TARGET_DIR/random_dir")),
        _try(lambda: os.listdir("TARGET_DIR")),
    ]
"""
)

OPEN_FILES = (
    REAL_IMPORT
    + """
def policy(x):
    open_ = globals()["__builtins__"]["open"]
    return [
        _try(lambda: open_("SECRET_FILE").read()),
        _try(lambda: open_("/etc/hostname").read()),
        _try(lambda: open_("/etc/passwd").read()),
        _try(lambda: open_("TARGET_DIR/open.txt", "w").write("pwned")),
        _try(lambda: open_("/dev/shm/langprop_channel", "w").write("to the next candidate")),
    ]
"""
)

PROC_ENVIRON = (
    REAL_IMPORT
    + """
os = _real_import()("os")


def policy(x):
    paths = [f"/proc/{pid}/{leaf}" for pid in (PARENT_PID, os.getppid(), "self", 1) for leaf in ("environ", "cmdline", "mem")]
    return [(path, _try(lambda: open(path, "rb").read(4096))) for path in paths] + [
        ("environ", dict(os.environ)),
    ]
""".replace("open(path", 'globals()["__builtins__"]["open"](path')
)

KILL_PARENT = (
    REAL_IMPORT
    + """
os = _real_import()("os")


def policy(x):
    return [
        _try(lambda: os.kill(PARENT_PID, 9)),
        _try(lambda: os.kill(os.getppid(), 9)),
        _try(lambda: os.killpg(os.getpgid(PARENT_PID), 9)),
        _try(lambda: os.kill(-1, 9)),
    ]
"""
)

NATIVE_CALLS = (
    REAL_IMPORT
    + """
sys = _real_import()("sys")
ctypes = sys.modules.get("ctypes") or _real_import()("ctypes")


def policy(x):
    libc = ctypes.CDLL(None, use_errno=True)
    outcomes = []
    for name, args in (
        ("kill", (PARENT_PID, 9)),
        ("ptrace", (16, PARENT_PID, 0, 0)),  # PTRACE_ATTACH
        ("shmget", (0, 4096, 0o1666)),  # IPC_PRIVATE | IPC_CREAT: a channel to another candidate
        ("unshare", (0x10000000,)),  # a new user namespace: all capabilities inside it
        ("fork", ()),
    ):
        result = getattr(libc, name)(*args)
        outcomes.append((name, result, ctypes.get_errno()))
    return outcomes
"""
)

SOCKETS = (
    REAL_IMPORT
    + """
socket = _real_import()("socket")


def _connect():
    with socket.create_connection(("127.0.0.1", PORT), timeout=5) as sock:
        sock.sendall(b"the key is ...")
        return "connected"


def _udp():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        return sock.sendto(b"hello", ("127.0.0.1", PORT))


def policy(x):
    return [_try(_connect), _try(_udp), _try(lambda: socket.socket(socket.AF_UNIX).connect("\\0langprop"))]
"""
)

PROCESSES = (
    REAL_IMPORT
    + """
os = _real_import()("os")
subprocess = _real_import()("subprocess")
_thread = _real_import()("_thread")


def policy(x):
    return [
        _try(lambda: subprocess.run(["touch", "TARGET_DIR/subprocess.txt"])),
        _try(lambda: os.posix_spawn("/usr/bin/touch", ["touch", "TARGET_DIR/spawn.txt"], {})),
        _try(lambda: os.fork()),
        _try(lambda: _thread.start_new_thread(lambda: None, ())),
    ]
"""
)

OPEN_DESCRIPTORS = (
    REAL_IMPORT
    + """
os = _real_import()("os")


def policy(x):
    open_fds = []
    for fd in range(256):
        try:
            os.fstat(fd)
            open_fds.append(fd)
        except OSError:
            pass
    return open_fds
"""
)

MATH_SABOTEUR = """
import math

math.sqrt = lambda value: -1.0
math.floor = lambda value: -1


def policy(x):
    return int(math.sqrt(4 * x * x))
"""
"""Patches ``math`` in its worker, hoping that the rival (the same code, unpatched) shares it."""

_RUNNER = (
    REAL_IMPORT
    + """
sys = _real_import()("sys")
runner = sys.modules["langprop_driver.sandbox.runner"]
"""
)

PROTOCOL_GARBAGE = (
    _RUNNER
    + """
runner.send_text = lambda sock, text: sock.sendall(b"\\x00\\x00\\x00\\x07garbage")


def policy(x):
    return 2 * x
"""
)

PROTOCOL_FORGED_INDEX = (
    _RUNNER
    + """
runner.send_text = lambda sock, text: sock.sendall(  # results for a sample this worker was never given
    len(forged := b'{"op":"results","first":1000,"results":[[999,null,""]]}').to_bytes(4, "big") + forged
)


def policy(x):
    return 2 * x
"""
)

PROTOCOL_HUGE_FRAME = (
    _RUNNER
    + """
runner.send_text = lambda sock, text: sock.sendall(b"\\x7f\\xff\\xff\\xff" + b"x" * 1000)


def policy(x):
    return 2 * x
"""
)

PICKLE_BOMB = (
    REAL_IMPORT
    + """
class Bomb:
    def __reduce__(self):
        return (exec, ("open('TARGET_DIR/reduce.txt', 'w').write('ran in the parent')",))


def policy(x):
    return {"target_speed_mps": Bomb(), "steer_deg": 0.0}
"""
)

LOOPING = "def policy(x):\n    while True:\n        pass\n"
NATIVE_LOOP = "def policy(x):\n    return sum(range(10**13))\n"
CATCHES_TIMEOUT = (
    "def policy(x):\n    while True:\n        try:\n            while True:\n                pass\n"
    "        except BaseException:\n            pass\n"
)
MEMORY_EATER = "def policy(x):\n    return bytearray(8 * 2**30)\n"
PRINTER = "def policy(x):\n    print('x' * (100 * 2**20))\n    return 2 * x\n"
HUGE_OUTPUT = "def policy(x):\n    return 'x' * (400 * 2**20)\n"
NOT_PLAIN = "def policy(x):\n    return {1, 2}\n"


def hostile(source: str, **values: object) -> str:
    """``source`` with its placeholders filled in."""
    for name, value in values.items():
        source = source.replace(name, str(value))
    return source
