"""``python -m jtai``: the same command as ``jtai`` and ``python -m jtai_cli``.

The importable package is ``jtai_cli``; this name only exists so that the distribution's name
works after ``-m``. It re-exports nothing.
"""
