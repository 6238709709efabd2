"""moto_server for calsync's tests, answering one request at a time.

moto's TransactWriteItems is not isolated: it snapshots the table, applies the actions and,
when a condition fails, restores the snapshot. moto_server serves requests on threads, so a
failing transaction can restore a snapshot taken before a concurrent transaction committed
and silently undo it (seen with two racing commits: the winner's writes vanished). Real
DynamoDB isolates transactions; serving requests one by one gives moto the same behaviour.
moto_server has no option for this, so its `run_simple` call is wrapped here.

TransactWriteItems also backs up the table once per action, not once per table: a
100-action transaction deep-copied a table of 800 items 100 times, which made a chunked
commit take seconds and grew moto's memory by hundreds of MB per chaos run (20+ GB over a
few long ones). The backups are all taken before the first action is applied, so copying
each table once and handing out that copy is the same backup.
"""

import copy
import sys

import moto.dynamodb.models as dynamodb_models
from moto import server
from moto.dynamodb.models.table import Table

_transact_write_items = dynamodb_models.DynamoDBBackend.transact_write_items


class _TableCopiedOnce:
    """`copy` for moto's DynamoDB models: within one transaction, a table's backup once."""

    def __init__(self):
        self.backups = None

    def deepcopy(self, value, memo=None):
        if self.backups is None or not isinstance(value, Table):
            return copy.deepcopy(value, memo)
        if id(value) not in self.backups:
            self.backups[id(value)] = copy.deepcopy(value)
        return self.backups[id(value)]


_copy = _TableCopiedOnce()
dynamodb_models.copy = _copy


def _transact_write_items_copying_once(self, transact_items):
    _copy.backups = {}
    try:
        return _transact_write_items(self, transact_items)
    finally:
        _copy.backups = None


dynamodb_models.DynamoDBBackend.transact_write_items = _transact_write_items_copying_once

_run_simple = server.run_simple


def _run_serially(*args, **kwargs):
    kwargs["threaded"] = False
    return _run_simple(*args, **kwargs)


server.run_simple = _run_serially

if __name__ == "__main__":
    server.main(sys.argv[1:])
