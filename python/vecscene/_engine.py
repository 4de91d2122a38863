"""The engine process: ``deno run <home>/cli.ts serve`` on a pair of pipes.

One :class:`Engine` is one Deno process holding one or many environments of
a scenario (``app/serve.ts`` documents the requests and the batch layout).
It ends when its stdin closes, so a Python process that exits or is killed
leaves no engine behind.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import weakref
from pathlib import Path

import numpy as np

from ._frames import read_frame, write_frame

#: The agent encoding this package reads (engine/sim/encoding.ts, ENCODING_VERSION); a
#: one-RSU scenario is described by encoding 1, whose rules version 2 keeps.
ENCODING = 2

OPEN, RESET, STEP, CLOSE = 1, 2, 3, 4
REPLY_JSON, REPLY_BATCH, REPLY_ERROR = 64, 65, 127
TRUNCATED, FINAL = 1, 2


class VecsceneError(RuntimeError):
    """An error the engine reported, or an engine that could not start."""


class ScenarioError(VecsceneError, ValueError):
    """A scenario file (or its trace, its policy) is invalid; the message is located."""


class InvalidActionError(VecsceneError, ValueError):
    """An action out of range or infeasible (its ``action_mask`` entry is 0); nothing was stepped."""


ERRORS = {"user": ScenarioError, "action": InvalidActionError, "request": ValueError}


def home() -> Path:
    """The vecscene repository the engine runs from.

    ``VECSCENE_HOME``, else the path recorded at install time, else the
    repository this package sits in (an editable install or ``python/`` on
    ``sys.path``).
    """
    env = os.environ.get("VECSCENE_HOME")
    if env:
        return Path(env)
    try:
        from ._home import HOME  # written by setup.py at install time

        return Path(HOME)
    except ImportError:
        pass
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "cli.ts").is_file() and (parent / "deno.json").is_file():
            return parent
    raise VecsceneError(
        "cannot find the vecscene engine: set VECSCENE_HOME to the repository "
        "(the folder with cli.ts), or install the package with `pip install ./python` from it"
    )


def command() -> list[str]:
    """The command that starts an engine: a compiled binary, or deno on the repository."""
    binary = os.environ.get("VECSCENE_BIN")
    if binary:
        return [binary, "serve"]
    deno = os.environ.get("VECSCENE_DENO") or shutil.which("deno")
    if not deno:
        raise VecsceneError(
            "cannot start the vecscene engine: `deno` is not on PATH "
            "(install it with `npm install -g deno@2`, or set VECSCENE_DENO or VECSCENE_BIN)"
        )
    root = home()
    return [
        deno,
        "run",
        "--quiet",
        "--allow-read",
        "--allow-write",
        "--allow-env",
        "--allow-run",
        f"--config={root / 'deno.json'}",
        str(root / "cli.ts"),
        "serve",
    ]


#: Linux's F_SETPIPE_SZ, and the pipe size asked for: a batch of 64 environments
#: (about 100 KB) then crosses in one write instead of several round trips.
F_SETPIPE_SZ = 1031
PIPE_BYTES = 1 << 20


def _widen(fd: int) -> None:
    """Asks for a pipe buffer of PIPE_BYTES (a smaller system limit keeps the default)."""
    try:
        import fcntl

        fcntl.fcntl(fd, F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, OSError):
        pass


def _stop(proc: subprocess.Popen) -> None:
    """Closes the engine's stdin (it exits at the end of its input), then makes sure."""
    try:
        if proc.stdin and not proc.stdin.closed:
            proc.stdin.close()
        proc.wait(timeout=5)
    except Exception:
        proc.kill()
        proc.wait()
    finally:
        if proc.stdout and not proc.stdout.closed:
            proc.stdout.close()


class Batch:
    """One batch reply, as numpy views over its own bytes (see ``app/serve.ts``)."""

    __slots__ = (
        "reward",
        "objective",
        "delay",
        "cv_queue",
        "sv_queue",
        "rsu_queue",
        "episode",
        "slot",
        "dnn",
        "remapped",
        "obs",
        "mask",
        "final_obs",
        "truncated",
    )

    def __init__(self, body: bytearray, mask: np.ndarray | None = None):
        """Reads a batch; ``mask`` is the previous batch's, which changed rows patch."""
        meta = np.frombuffer(body, np.int32, 12, 0)
        E, I, D, n, _J, flags, S, K, R, rsus = (int(x) for x in meta[:10])
        off = 48

        def take(dtype, count):
            nonlocal off
            a = np.frombuffer(body, dtype, count, off)
            off += a.nbytes
            return a

        self.reward = take(np.float64, E)
        self.objective = take(np.float64, E)
        self.delay = take(np.float64, E * I).reshape(E, I)
        self.cv_queue = take(np.float64, E * I).reshape(E, I)
        self.sv_queue = take(np.float64, E * S).reshape(E, S)
        # (E, K) for one RSU; (E, RSUs, K) for several (MODEL.md section 6.3).
        shape = (E, K) if rsus <= 1 else (E, rsus, K)
        self.rsu_queue = take(np.float64, E * max(rsus, 1) * K).reshape(shape)
        self.episode = take(np.int32, E)
        self.slot = take(np.int32, E)
        self.dnn = take(np.int32, E * I).reshape(E, I)
        self.remapped = take(np.int32, E)
        off = (off + 7) // 8 * 8
        self.obs = take(np.float32, E * I * D).reshape(E, I, D)
        off = (off + 7) // 8 * 8
        self.final_obs = None
        if flags & FINAL:
            self.final_obs = take(np.float32, E * I * D).reshape(E, I, D)
            off = (off + 7) // 8 * 8
        rows = take(np.int32, R)
        off = (off + 7) // 8 * 8
        changed = take(np.int8, R * n).reshape(R, n)
        if R == E * I:  # every row: after a reset
            self.mask = np.empty((E, I, n), np.int8)
        elif mask is None or mask.shape != (E, I, n):
            raise VecsceneError("the engine sent part of a mask with no mask before it")
        else:
            self.mask = mask.copy()  # a fresh array per step: callers may keep the last one
        self.mask.reshape(E * I, n)[rows] = changed
        self.truncated = bool(flags & TRUNCATED)

    @classmethod
    def merge(cls, parts: list["Batch"]) -> "Batch":
        """The batches of several engines, environment by environment, as one."""
        if len(parts) == 1:
            return parts[0]
        out = cls.__new__(cls)
        for name in cls.__slots__:
            if name == "truncated":
                out.truncated = parts[0].truncated  # every environment started together
            elif name == "final_obs":
                finals = [p.final_obs for p in parts]
                out.final_obs = None if finals[0] is None else np.concatenate(finals)
            else:
                setattr(out, name, np.concatenate([getattr(p, name) for p in parts]))
        return out


def reset_request(seed: int | None = None, episode: int | None = None) -> bytes:
    """The body of a RESET request."""
    request = {}
    if seed is not None:
        request["seed"] = int(seed)
    if episode is not None:
        request["episode"] = int(episode)
    return json.dumps(request).encode()


class Engine:
    """A running engine: open a scenario once, then reset and step it."""

    def __init__(self, spin_us: float = 1000.0) -> None:
        """Starts an engine; replies are awaited by polling for up to ``spin_us`` (then asleep)."""
        try:
            self._proc = subprocess.Popen(
                command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0
            )
        except OSError as e:
            raise VecsceneError(f"cannot start the vecscene engine ({e})") from e
        self._in = self._proc.stdin.fileno()
        self._out = self._proc.stdout.fileno()
        for fd in (self._in, self._out):
            _widen(fd)
        self._spin_s = max(0.0, float(spin_us)) / 1e6
        if self._spin_s > 0:
            os.set_blocking(self._out, False)
        self._finalizer = weakref.finalize(self, _stop, self._proc)
        self._mask: np.ndarray | None = None
        self.spec: dict = {}

    @property
    def pid(self) -> int:
        """The engine process's id."""
        return self._proc.pid

    def _call(self, tag: int, *parts) -> tuple[int, bytearray]:
        self.send(tag, *parts)
        return self.receive()

    def send(self, tag: int, *parts) -> None:
        """Writes one request (see :meth:`receive` for its reply)."""
        if not self._finalizer.alive:
            raise VecsceneError("the environment is closed")
        try:
            write_frame(self._in, tag, *parts)
        except OSError as e:
            self._stopped(e)

    def receive(self) -> tuple[int, bytearray]:
        """Reads the reply of the last request; an error reply is raised."""
        try:
            reply = read_frame(self._out, self._spin_s)
        except (EOFError, OSError) as e:
            self._stopped(e)
        if reply is None:
            self._stopped(None)
        tag, body = reply
        if tag == REPLY_ERROR:
            err = json.loads(body)
            raise ERRORS.get(err.get("kind"), VecsceneError)(err.get("message", "engine error"))
        return tag, body

    def _stopped(self, cause):
        code = self._proc.poll()
        self.close()
        raise VecsceneError(
            f"the vecscene engine stopped (exit code {code}); its message is above"
        ) from cause

    def open(self, scenario, **options) -> dict:
        """Compiles ``scenario`` (a path) with ``options`` (seed, envs, autoreset, infeasible)."""
        request = {"scenario": os.fspath(scenario)}
        request.update({k: v for k, v in options.items() if v is not None})
        _, body = self._call(OPEN, json.dumps(request).encode())
        spec = json.loads(body)
        if spec.get("encoding") not in range(1, ENCODING + 1):
            self.close()
            raise VecsceneError(
                f"the engine speaks agent encoding {spec.get('encoding')} and this package reads "
                f"encodings 1 to {ENCODING}: install the package from the same vecscene checkout"
            )
        self.spec = spec
        return spec

    def batch(self) -> Batch:
        """Reads a batch reply (its mask patched onto the last one)."""
        _, body = self.receive()
        b = Batch(body, self._mask)
        self._mask = b.mask
        return b

    def reset(self, seed: int | None = None, episode: int | None = None) -> Batch:
        """Starts an episode in every environment."""
        self.send(RESET, reset_request(seed, episode))
        return self.batch()

    def step(self, actions: np.ndarray) -> Batch:
        """Steps every environment with int32 ``actions`` [envs, agents]."""
        self.send(STEP, np.ascontiguousarray(actions, dtype="<i4").data)
        return self.batch()

    def close(self) -> None:
        """Ends the engine process (idempotent)."""
        self._finalizer()

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive
