"""The type hints (py.typed) hold: mypy checks the package and a typed
program that uses it (typing_use.py, --strict)."""
import os
import subprocess
import sys

import mbuf

from conftest import INSTALLED

HERE = os.path.dirname(os.path.abspath(__file__))
PKG = os.path.dirname(os.path.abspath(mbuf.__file__))


def mypy(*args):
    """mypy (Debian's python3-mypy, which make deps installs) on args,
    seeing the mbuf under test."""
    env = dict(os.environ)
    if not INSTALLED:           # installed, mypy finds it by its py.typed
        env["MYPYPATH"] = os.path.dirname(PKG)
    return subprocess.run([sys.executable, "-m", "mypy", "--no-error-summary",
                           "--cache-dir", os.path.join("/tmp", "mbuf-mypy-cache-%d" % os.getuid()),
                           "--follow-imports=silent", *args],
                          env=env, capture_output=True, text=True, timeout=300)


def test_the_package_type_checks():
    # _ffi.py is generated ctypes declarations: imported silently
    files = [os.path.join(PKG, f) for f in ("__init__.py", "_lib.py", "packet.py")]
    r = mypy(*files)
    assert r.returncode == 0, r.stdout + r.stderr


def test_a_typed_program_using_it_checks_strictly():
    r = mypy("--strict", os.path.join(HERE, "typing_use.py"))
    assert r.returncode == 0, r.stdout + r.stderr


def test_indexing_and_slicing_have_precise_types(tmp_path):
    src = tmp_path / "reveal.py"
    src.write_text("import mbuf\np = mbuf.Packet(b'x')\n"
                   "reveal_type(p[0])\nreveal_type(p[0:1])\nreveal_type(p.copy())\n"
                   "reveal_type(list(p))\nreveal_type(p.tags[1])\n")
    r = mypy(str(src))
    want = ["builtins.int", "builtins.bytes", "mbuf.packet.Packet",
            "builtins.list[builtins.int]", "builtins.bytes"]
    got = [line.split('"')[1] for line in r.stdout.splitlines() if "Revealed type" in line]
    assert got == want, r.stdout
