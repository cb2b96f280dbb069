"""Build hooks for the mbuf package: the metadata is in pyproject.toml.

The package is Python (ctypes) plus libmbuf.so, which this builds with the
project's own build (`make lib` at the top of the source tree, Go
required) and puts inside the package, so that an installed `import mbuf`
finds it with no environment variable.  A wheel carries the library and
installs where there is no Go.  $LIBMBUF_WHEEL_LIBRARY names a library to
ship instead of building one.

    pip install --no-build-isolation ./python     # offline: Debian's setuptools
    make wheel                                    # build/wheel/mbuf-*.whl
"""
import os
import subprocess

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

try:
    from wheel.bdist_wheel import bdist_wheel
except ImportError:         # no wheel package: plain installs still work
    bdist_wheel = None

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def libmbuf():
    """The path of libmbuf.so to ship: $LIBMBUF_WHEEL_LIBRARY, or the one
    `make lib` builds in the source tree (make rebuilds it only if stale)."""
    given = os.environ.get("LIBMBUF_WHEEL_LIBRARY")
    if given:
        return given
    if not os.path.exists(os.path.join(ROOT, "Makefile")):
        raise SystemExit("mbuf: cannot build libmbuf.so: %s is not the libmbuf source "
                         "tree (set LIBMBUF_WHEEL_LIBRARY to a built library)" % ROOT)
    subprocess.check_call(["make", "-C", ROOT, "--no-print-directory", "lib"])
    # the real file, not the symlinks: a wheel stores files
    return os.path.realpath(os.path.join(ROOT, "build", "libmbuf.so"))


class BuildWithLibrary(build_py):
    """build_py, then libmbuf.so into the built package."""

    def run(self):
        super().run()
        target = os.path.join(self.build_lib, "mbuf", "libmbuf.so")
        self.mkpath(os.path.dirname(target))
        self.copy_file(libmbuf(), target, preserve_mode=True)


class WithLibrary(Distribution):
    """Not a pure-Python distribution: it ships a shared library (so pip
    installs it as platform-specific)."""

    def has_ext_modules(self):
        return True


commands = {"build_py": BuildWithLibrary}

if bdist_wheel is not None:
    class PlatformWheel(bdist_wheel):
        """A wheel for this platform (it holds a shared library) but for any
        Python 3: the package is ctypes, with no compiled extension."""

        def get_tag(self):
            _, _, plat = super().get_tag()
            return "py3", "none", plat

    commands["bdist_wheel"] = PlatformWheel

setup(cmdclass=commands, distclass=WithLibrary)
