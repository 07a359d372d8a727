"""``fsatomic://``: kombu's filesystem transport, made safe for several processes.

The embedded platform needs a broker with no server that still does fanout (remote
control, Flower, broadcast events). kombu's filesystem transport is the only one, but
the stock channel has two races (../shared/celery-notes.md §1):

* ``_put`` creates the message file under its final name and only then writes it, so a
  consumer polling at that moment reads an empty file and the worker dies on a
  ``JSONDecodeError``. Here a message is written to a hidden name and renamed into place.
* ``_get`` claims a file with ``shutil.move`` into the system temp folder, which is a copy
  plus delete when that folder is on another filesystem: two consumers can both read it.
  Here the claim is an ``os.rename`` into a folder beside the data folder, which is atomic:
  exactly one consumer wins, the others see ``FileNotFoundError`` and move on.

Message files are named by nanosecond time and a per-process sequence, so the messages of
one publisher come out in the order it sent them (the stock names order only to the ms).

A claimed message is not deleted when it is read but when it is acknowledged: the claim is
the message file renamed into the claim folder under its consumer's identity (pid and
process start time). A consumer that dies with a message unacknowledged (kill -9) leaves its
claim behind; any live consumer of the broker gives such claims back to their queues, under
their original names (so they keep their place), as RabbitMQ redelivers the messages of a
lost connection. Messages of consumers that asked for no acknowledgement (broadcast, events)
are deleted as they are read.

Bindings of consumers that died (pidbox replies, ``celeryev``/``bcast`` queues) outlive
them in the control folder; :func:`prune_transient_bindings` removes them and the
messages written for them. The platform runs it before it starts its processes.
"""
import itertools
import json
import os
import re
import time
import uuid
from pathlib import Path

from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads
from kombu.utils.objects import cached_property

TRANSPORT_ALIASES["fsatomic"] = "cloudstack.broker:Transport"

# Queues that belong to one process and die with it.
_sequence = itertools.count()
TRANSIENT_QUEUE = re.compile(r"(\.celery\.pidbox$|^celeryev\.|^bcast\.|\.reply\.celery\.pidbox$|^javelin\.events\.tmp\.)")


def _start_time(pid):
    """The process's start time (clock ticks since boot), which a reused pid does not share."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[19].decode()
    except (OSError, IndexError):
        return None


def consumer_identity():
    pid = os.getpid()
    return f"{pid}-{_start_time(pid) or 0}"


def consumer_alive(identity):
    pid, _, started = identity.partition("-")
    try:
        return _start_time(int(pid)) == started
    except ValueError:
        return True  # not a claim of ours: leave it


CLAIM_SEPARATOR = "~"
RECLAIM_EVERY_S = 2.0


def reclaim_dead(claim_folder, data_folder):
    """Give the messages claimed by consumers that died back to their queues; return how many."""
    returned = 0
    try:
        names = os.listdir(claim_folder)
    except FileNotFoundError:
        return 0
    for name in names:
        owner, separator, original = name.partition(CLAIM_SEPARATOR)
        if not separator or consumer_alive(owner):
            continue
        try:
            os.rename(os.path.join(claim_folder, name), os.path.join(data_folder, original))
            returned += 1
        except OSError:
            continue  # another consumer gave it back first
    return returned


class Channel(filesystem.Channel):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._claims = {}  # delivery tag -> the claimed file, deleted on ack or reject
        self._no_ack_queues = set()
        self._reclaimed_at = 0.0
        self._identity = consumer_identity()

    def _put(self, queue, payload, **kwargs):
        name = "{:020d}{:06d}_{}.{}.msg".format(time.time_ns(), next(_sequence) % 1_000_000, uuid.uuid4(), queue)
        final = os.path.join(self.data_folder_out, name)
        temp = os.path.join(self.data_folder_out, f".{uuid.uuid4()}.tmp")
        try:
            with open(temp, "wb", buffering=0) as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(temp, final)
        except OSError as exc:
            _unlink_quietly(temp)
            raise filesystem.ChannelError(f"Cannot add message {name!r} to the broker folder") from exc

    def _get(self, queue):
        now = time.monotonic()
        if now - self._reclaimed_at > RECLAIM_EVERY_S:
            self._reclaimed_at = now
            reclaim_dead(self._claim_folder, self.data_folder_in)
        wanted = f"{queue}.msg"
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.startswith(".") or name.partition(".")[2] != wanted:
                continue
            claimed = os.path.join(self._claim_folder, f"{self._identity}{CLAIM_SEPARATOR}{name}")
            try:
                os.rename(os.path.join(self.data_folder_in, name), claimed)
            except OSError:
                continue  # another consumer took it first
            try:
                with open(claimed, "rb") as f:
                    payload = loads(bytes_to_str(f.read()))
            except (OSError, ValueError):
                _unlink_quietly(claimed)
                raise
            if queue in self._no_ack_queues:
                _unlink_quietly(claimed)  # nobody will acknowledge it
            else:
                self._claims[payload["properties"]["delivery_tag"]] = claimed
            return payload
        raise filesystem.Empty()

    def basic_consume(self, queue, no_ack, *args, **kwargs):
        if no_ack:
            self._no_ack_queues.add(queue)
        return super().basic_consume(queue, no_ack, *args, **kwargs)

    def basic_get(self, queue, no_ack=False, **kwargs):
        if no_ack:
            self._no_ack_queues.add(queue)
        return super().basic_get(queue, no_ack=no_ack, **kwargs)

    def basic_ack(self, delivery_tag, multiple=False):
        super().basic_ack(delivery_tag, multiple=multiple)
        self._release(delivery_tag)

    def basic_reject(self, delivery_tag, requeue=False):
        super().basic_reject(delivery_tag, requeue=requeue)  # a requeue puts a new copy in the queue first
        self._release(delivery_tag)

    def _restore(self, message):
        super()._restore(message)  # put back (a consumer that stops hands back what it held)
        self._release(message.delivery_tag)

    def _release(self, delivery_tag):
        claimed = self._claims.pop(delivery_tag, None)
        if claimed is not None:
            _unlink_quietly(claimed)

    # kombu creates an exchange's table file empty and writes it after: another process that
    # reads it in between (two workers starting at once bind to one pidbox exchange) finds no
    # JSON. Read again a moment later: the writer holds its lock only for that moment.
    def get_table(self, exchange):
        return _retried(lambda: super(Channel, self).get_table(exchange))

    def _queue_bind(self, exchange, routing_key, pattern, queue):
        return _retried(lambda: super(Channel, self)._queue_bind(exchange, routing_key, pattern, queue))

    @cached_property
    def _claim_folder(self):
        folder = self.transport_options.get("processed_folder") or os.path.join(self.data_folder_in, ".claimed")
        os.makedirs(folder, exist_ok=True)
        return folder


def _retried(read, attempts=50, pause_s=0.02):
    for attempt in range(attempts):
        try:
            return read()
        except ValueError:  # an exchange table being written: empty or partial JSON
            if attempt == attempts - 1:
                raise
            time.sleep(pause_s)
    return None


class Transport(filesystem.Transport):
    Channel = Channel
    global_state = filesystem.virtual.BrokerState()

    def __init__(self, client, **kwargs):
        options = client.transport_options
        for key in ("data_folder_in", "data_folder_out", "control_folder", "processed_folder"):
            if options.get(key):
                os.makedirs(options[key], exist_ok=True)
        super().__init__(client, **kwargs)


def _unlink_quietly(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def prune_transient_bindings(control_folder, data_folder):
    """Drop bindings and messages of per-process queues; return (bindings, messages) removed.

    Only safe while no consumer of such a queue is alive, i.e. before the platform starts.
    """
    control, data = Path(control_folder), Path(data_folder)
    removed_bindings = removed_messages = 0
    for exchange_file in control.glob("*.exchange") if control.is_dir() else ():
        table = json.loads(exchange_file.read_text() or "[]")
        kept = [row for row in table if not TRANSIENT_QUEUE.search(row[2])]
        if len(kept) != len(table):
            removed_bindings += len(table) - len(kept)
            exchange_file.write_text(json.dumps(kept))
    for message in data.glob("*.msg") if data.is_dir() else ():
        queue = message.name.partition(".")[2][: -len(".msg")]
        if TRANSIENT_QUEUE.search(queue):
            _unlink_quietly(message)
            removed_messages += 1
    for temp in data.glob(".*.tmp") if data.is_dir() else ():
        _unlink_quietly(temp)
    return removed_bindings, removed_messages
