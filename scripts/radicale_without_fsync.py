"""Radicale for calsync's tests and benchmarks, with its per-write fsync turned off.

The servers hold throw-away data, and on a VM disk the fsync alone makes every PUT cost
~100 ms, drowning what the tests and benchmarks measure. Radicale keeps that switch
(`_filesystem_fsync`) out of its config file, so it is set here, the way Radicale's own test
suite sets it: a privileged update of the loaded configuration.
"""

import sys

from radicale import config
from radicale.__main__ import run

_load = config.load


def _load_without_fsync(*args, **kwargs):
    configuration = _load(*args, **kwargs)
    configuration.update(
        {"storage": {"_filesystem_fsync": "False"}}, "calsync test servers", privileged=True
    )
    return configuration


config.load = _load_without_fsync
sys.exit(run())
