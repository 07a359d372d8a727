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


class Channel(filesystem.Channel):
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
        wanted = f"{queue}.msg"
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.startswith(".") or name.partition(".")[2] != wanted:
                continue
            claimed = os.path.join(self._claim_folder, name)
            try:
                os.rename(os.path.join(self.data_folder_in, name), claimed)
            except OSError:
                continue  # another consumer took it first
            try:
                with open(claimed, "rb") as f:
                    payload = f.read()
            finally:
                _unlink_quietly(claimed)
            return loads(bytes_to_str(payload))
        raise filesystem.Empty()

    @cached_property
    def _claim_folder(self):
        folder = self.transport_options.get("processed_folder") or os.path.join(self.data_folder_in, ".claimed")
        os.makedirs(folder, exist_ok=True)
        return folder


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
