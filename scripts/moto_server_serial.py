"""moto_server for calsync's tests, answering one request at a time.

moto's TransactWriteItems is not isolated: it snapshots the table, applies the actions and,
when a condition fails, restores the snapshot. moto_server serves requests on threads, so a
failing transaction can restore a snapshot taken before a concurrent transaction committed
and silently undo it (seen with two racing commits: the winner's writes vanished). Real
DynamoDB isolates transactions; serving requests one by one gives moto the same behaviour.
moto_server has no option for this, so its `run_simple` call is wrapped here.
"""

import sys

from moto import server

_run_simple = server.run_simple


def _run_serially(*args, **kwargs):
    kwargs["threaded"] = False
    return _run_simple(*args, **kwargs)


server.run_simple = _run_serially

if __name__ == "__main__":
    server.main(sys.argv[1:])
