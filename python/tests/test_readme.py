"""The README's Python examples and the package's docstrings, executed as
doctests, so that they cannot drift from what the code does."""
import doctest
import os
import re

import pytest

import mbuf
import mbuf.packet

HERE = os.path.dirname(os.path.abspath(__file__))
READMES = [os.path.join(HERE, "..", "..", "README.md"), os.path.join(HERE, "..", "README.md")]


def python_blocks(path):
    with open(path) as f:
        text = f.read()
    for m in re.finditer(r"```python\n(.*?)```", text, re.S):
        line = text.count("\n", 0, m.start()) + 1
        yield line, m.group(1)


BLOCKS = [(os.path.relpath(path, os.path.join(HERE, "..", "..")), line, block)
          for path in READMES for line, block in python_blocks(path)]


def run_doctest(name, text, line):
    test = doctest.DocTestParser().get_doctest(text, {}, name, name, line)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 0, "%s:%d has no examples" % (name, line)
    assert result.failed == 0, "%s:%d: %d of %d examples failed (see stdout)" % (
        name, line, result.failed, result.attempted)


def test_the_readme_has_python_examples():
    assert any(name == "README.md" for name, _, _ in BLOCKS)


@pytest.mark.parametrize("name,line,block", BLOCKS,
                         ids=["%s:%d" % (n, l) for n, l, _ in BLOCKS])
def test_readme_example(no_leaks, name, line, block):
    run_doctest(name, block, line)
    import gc
    gc.collect()


@pytest.mark.parametrize("module", [mbuf, mbuf.packet])
def test_docstring_examples(module):
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in finder.find(module):
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
