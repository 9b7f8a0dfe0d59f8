"""Running untrusted candidate code: forked workers behind an operating-system boundary, plain-data results.

The template process (``template.py``) imports the allowed modules once, enters fresh namespaces and
prepares the Landlock and seccomp layers (``isolation.py``); every unit of work is a fresh fork of it
that confines itself before loading a candidate (``runner.py``). Results come back as length-prefixed
JSON (``wire.py``) and are validated by the parent (``results.py``) before anything uses them;
``pool.py`` is the parent's side. This ``__init__`` stays empty: the template process imports the package.
"""
