#!/usr/bin/env python3
"""The child process of a Python policy.

vecscene runs it by path, with the standard library and numpy only (it does
not import the ``vecscene`` package; ``_frames.py`` and ``_policy_module.py``
beside it are loaded by path, and this folder is not left on sys.path)::

    python3 /path/to/policy_host.py /abs/path/to/user_policy.py

and talks to it in the frames of ``_frames.py``: requests on fd 0, replies
on fd 1. The user's ``print`` goes to stderr (fd 1 is pointed there; the
frames use a private copy of the original fd 1), and fd 0 is replaced by
``/dev/null``, so the user's code cannot disturb the channel. The process
ends at a CLOSE request, at the end of its input (vecscene is gone), when
its parent process changes (vecscene was killed while the policy computed)
and at SIGUSR1, after replying where the user's code was (the host sends it
to a call over its time limit). The host's side is ``host/python/``; what a
policy module holds is in ``_policy_module.py`` and ``plugins/README.md``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import sys
import threading
import time

# Requests and replies (host/python/protocol.ts holds the same numbers).
DESCRIBE, CREATE, RESET, DECIDE, OBSERVE, CLOSE = 1, 2, 3, 4, 5, 6
OK, DECISION, ACTION, WHERE, ERROR = 64, 65, 66, 126, 127
CALLS = {CREATE: "create()", RESET: "reset()", DECIDE: "decide()", OBSERVE: "observe()"}

HERE = os.path.dirname(os.path.abspath(__file__))


def _load(name: str):
    """``name``.py beside this file, without putting this folder on sys.path."""
    path = os.path.join(HERE, f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"_vecscene{name}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


frames = _load("_frames")
policy = _load("_policy_module")


class Host:
    """One user module served over the frame channel."""

    def __init__(self, user: policy.PolicyModule, fin: int, fout: int):
        self.user = user
        self.fin = fin
        self.fout = fout
        self.lock = threading.Lock()
        self.phase = "a call"

    def send(self, tag: int, *parts) -> None:
        with self.lock:
            frames.write_frame(self.fout, tag, *parts)

    def send_json(self, tag: int, value) -> None:
        self.send(tag, json.dumps(value, allow_nan=False).encode())

    def send_error(self, message: str, where: dict, kind: str) -> None:
        self.send_json(ERROR, {"message": message[: policy.MAX_MESSAGE], "kind": kind, **where})

    def on_where(self, _signum, frame) -> None:
        """SIGUSR1: the host stops a call over its time limit; say where the user's code is."""
        try:
            self.send_json(WHERE, self.user.where_frame(frame))
        finally:
            os._exit(3)

    def load(self) -> None:
        """Imports the user's module (its errors are reported as the import's)."""
        if self.user.module is None:
            phase, self.phase = self.phase, "importing it"
            self.user.load()
            self.phase = phase

    def handle(self, tag: int, body: bytearray) -> None:
        user = self.user
        if tag == DESCRIBE:
            self.load()
            self.send_json(OK, user.describe())
        elif tag == CREATE:
            self.load()
            self.send_json(OK, user.create(json.loads(body)))
        elif tag == RESET:
            user.reset(json.loads(body))
            self.send(OK)
        elif tag == DECIDE:
            kind, values = user.decide(body)
            self.send(ACTION if kind == "action" else DECISION, values)
        elif tag == OBSERVE:
            user.observe(body)
            self.send(OK)
        else:
            self.send_error(f"unknown request {tag}", {"file": user.path}, "protocol")

    def serve(self) -> int:
        while True:
            got = frames.read_frame(self.fin)
            if got is None or got[0] == CLOSE:
                if got is not None:
                    self.send(OK)
                return 0
            tag, body = got
            self.phase = CALLS.get(tag, "a call")
            try:
                self.handle(tag, body)
            except policy.PolicyFault as e:
                self.send_error(str(e), e.where, "fault")
            except ImportError as e:
                if e.name == "numpy" and self.phase == "create()":
                    message = "numpy is not installed for this Python (pip install numpy)"
                    self.send_error(message, {"file": self.user.path}, "exception")
                else:
                    message = f"{self.phase} raised {policy.describe_exception(e)}"
                    self.send_error(message, self.user.where_tb(e), "exception")
            except Exception as e:  # noqa: BLE001 - every user error goes back, located
                message = f"{self.phase} raised {policy.describe_exception(e)}"
                self.send_error(message, self.user.where_tb(e), "exception")


def _private_channel() -> tuple[int, int]:
    """Moves the frames to private fds; fd 0 reads /dev/null and fd 1 writes to stderr."""
    fin, fout = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    sys.stdout.reconfigure(line_buffering=True)
    return fin, fout


def _watch_parent(ppid: int) -> None:
    """Ends this process when vecscene is gone, even while the user's code runs."""
    while True:
        time.sleep(0.5)
        if os.getppid() != ppid:
            os._exit(4)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(f"usage: {argv[0]} /path/to/policy.py", file=sys.stderr)
        return 2
    path = os.path.realpath(argv[1])
    # The user's folder, not this one, comes first on sys.path (as for `python3 policy.py`).
    sys.path[0] = os.path.dirname(path)
    fin, fout = _private_channel()
    host = Host(policy.PolicyModule(path), fin, fout)
    signal.signal(signal.SIGUSR1, host.on_where)
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    try:
        return host.serve()
    except frames.FrameError:
        return 1
    finally:
        sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
