"""The package as pip installs it (make test-python runs the suite against
an installed wheel, with MBUF_TEST_INSTALLED=1)."""
import os
import sys

import pytest

import mbuf

from conftest import INSTALLED

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


@pytest.mark.skipif(not INSTALLED, reason="the source tree is under test")
def test_the_installed_copy_loads_its_own_library():
    """import mbuf works with no environment variable: the library is
    inside the installed package, not the source tree's build/."""
    assert "LIBMBUF_PATH" not in os.environ
    pkg = os.path.dirname(os.path.abspath(mbuf.__file__))
    assert not pkg.startswith(os.path.join(ROOT, "python")), pkg
    assert os.path.samefile(mbuf.path, os.path.join(pkg, "libmbuf.so"))
    assert os.path.exists(os.path.join(pkg, "py.typed"))
    assert sys.prefix != sys.base_prefix          # a virtual environment


def test_package_version_is_the_library_version():
    from importlib import metadata
    try:
        dist = metadata.version("mbuf")
    except metadata.PackageNotFoundError:
        if INSTALLED:
            raise
        pytest.skip("not installed")
    assert dist == mbuf.version == mbuf.ffi.LIBMBUF_VERSION
