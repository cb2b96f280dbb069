"""Running Python code in a child process against the mbuf under test.

Crashes (SIGSEGV, SIGABRT) must fail a test, not kill pytest: such cases
run in a child, which imports the same mbuf package (the source tree or
the installed copy) as this process.
"""
import os
import subprocess
import sys
import textwrap

import mbuf

PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(mbuf.__file__)))


def run(code, timeout=120, **env):
    """Run code in a fresh interpreter; the CompletedProcess (text)."""
    e = dict(os.environ)
    e.pop("MBUF_DEBUG", None)
    e.pop("MBUF_LEAK_REPORT", None)
    e["PYTHONPATH"] = PACKAGE_ROOT + os.pathsep + e.get("PYTHONPATH", "")
    e.update(env)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=e,
                          capture_output=True, text=True, timeout=timeout)


def run_ok(code, **env):
    """Run code in a child that must exit 0 with nothing on stderr; its stdout."""
    r = run(code, **env)
    assert r.returncode == 0 and r.stderr == "", \
        "child exited %d\n--- stderr:\n%s\n--- stdout:\n%s" % (r.returncode, r.stderr, r.stdout)
    return r.stdout
