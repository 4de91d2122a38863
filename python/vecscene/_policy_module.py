"""A user's policy module as ``policy_host.py`` serves it.

Imports the module, reads what it declares (``ID``, ``DESCRIPTION``,
``DEFAULTS``, ``create``), creates the policy, decodes observations from the
request bodies (the layout of ``host/python/protocol.ts``) into numpy arrays,
and turns what ``decide`` returns into the float64 reply. Faults are located
in the user's file: the innermost frame there of a traceback or of a running
stack, or the line where a function is defined.

Standard library and numpy only; numpy is imported when the policy is created.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
import traceback
import types
from collections.abc import Mapping

#: Characters of a message sent back (the host prints one line).
MAX_MESSAGE = 1000
LABEL = re.compile(r"^[A-Za-z0-9._-]+$")


class PolicyFault(Exception):
    """A fault of the user's policy that is not its own exception (a bad return or module)."""

    def __init__(self, message: str, where: dict):
        super().__init__(message)
        self.where = where


def one_line(text: str) -> str:
    """The first line of ``text``, cut to MAX_MESSAGE characters."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line[:MAX_MESSAGE]


def describe_exception(e: BaseException) -> str:
    """``Type: message``."""
    text = one_line(str(e))
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


class PolicyModule:
    """The user's module at ``path`` (absolute, resolved)."""

    def __init__(self, path: str):
        self.path = path
        self.stem = os.path.splitext(os.path.basename(path))[0]
        self.module = None
        self.target = None
        self.np = None
        self.info: dict = {}
        self.I = self.J = self.D = self.n = 0
        self.layers_by_type = None

    # Where things are -------------------------------------------------------

    def _is_user(self, filename: str) -> bool:
        return filename == self.path or os.path.realpath(filename) == self.path

    def where_tb(self, e: BaseException) -> dict:
        """The innermost frame of the traceback in the user's file (else the innermost)."""
        if isinstance(e, SyntaxError) and e.filename and self._is_user(e.filename):
            return {"file": self.path, "line": e.lineno}
        stack = traceback.extract_tb(e.__traceback__)
        user = [f for f in stack if self._is_user(f.filename)]
        if not stack:
            return {"file": self.path}
        pick = (user or stack)[-1]
        return {"file": self.path if user else pick.filename, "line": pick.lineno}

    def where_frame(self, frame) -> dict:
        """The innermost frame of a running stack in the user's file (else the innermost)."""
        first = frame
        while frame is not None:
            if self._is_user(frame.f_code.co_filename):
                return {"file": self.path, "line": frame.f_lineno}
            frame = frame.f_back
        if first is None:
            return {"file": self.path}
        return {"file": first.f_code.co_filename, "line": first.f_lineno}

    def where_def(self, fn) -> dict:
        """Where a function (or bound method, or class) of the user is defined."""
        code = getattr(getattr(fn, "__func__", fn), "__code__", None)
        if code is None:
            code = getattr(getattr(fn, "__init__", None), "__code__", None)
        if code is None:
            return {"file": self.path}
        file = self.path if self._is_user(code.co_filename) else code.co_filename
        return {"file": file, "line": code.co_firstlineno}

    def where_name(self, name: str) -> dict:
        """The line of a module-level assignment ``NAME = ...`` (else the file)."""
        try:
            with open(self.path, encoding="utf-8", errors="replace") as f:
                for n, line in enumerate(f, 1):
                    if re.match(rf"{name}\s*(:[^=]*)?=", line):
                        return {"file": self.path, "line": n}
        except OSError:
            pass
        return {"file": self.path}

    # Loading ----------------------------------------------------------------

    def load(self):
        """Imports the module once (its exceptions propagate, to be located)."""
        if self.module is not None:
            return self.module
        name = self.stem
        if not name.isidentifier() or name in sys.modules:
            name = "vecscene_user_policy"
        spec = importlib.util.spec_from_file_location(name, self.path)
        if spec is None or spec.loader is None:
            raise PolicyFault("not a Python module", {"file": self.path})
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
        self.module = mod
        return mod

    def describe(self) -> dict:
        """What the module declares (DESCRIBE's reply)."""
        mod = self.load()
        ident = getattr(mod, "ID", None)
        if ident is None and not LABEL.match(self.stem):
            raise PolicyFault(
                f"the file name {self.stem!r} is not a policy id: set ID = \"...\" "
                "(letters, digits, '.', '_' or '-')",
                {"file": self.path},
            )
        ident = self.stem if ident is None else ident
        if not isinstance(ident, str) or not LABEL.match(ident):
            raise PolicyFault(
                f"ID must be a string of letters, digits, '.', '_' or '-', got {ident!r}",
                self.where_name("ID"),
            )
        factory = callable(getattr(mod, "create", None))
        if not factory and not callable(getattr(mod, "decide", None)):
            raise PolicyFault(
                "the module defines neither decide(obs) nor create(params, info)",
                {"file": self.path},
            )
        description = getattr(mod, "DESCRIPTION", None)
        if description is None:
            description = one_line(mod.__doc__ or "") or f"Python policy {self.stem}"
        if not isinstance(description, str):
            raise PolicyFault("DESCRIPTION must be a string", self.where_name("DESCRIPTION"))
        return {
            "id": ident,
            "description": description,
            "defaults": self._defaults(mod),
            "create": factory,
        }

    def _defaults(self, mod) -> dict:
        defaults = getattr(mod, "DEFAULTS", {})
        where = self.where_name("DEFAULTS")
        if not isinstance(defaults, Mapping) or not all(isinstance(k, str) for k in defaults):
            raise PolicyFault("DEFAULTS must be a dict of parameter names to values", where)
        try:
            json.dumps(dict(defaults), allow_nan=False)
        except (TypeError, ValueError) as e:
            raise PolicyFault(
                f"DEFAULTS must hold numbers, strings, booleans, lists and dicts: {e}", where
            ) from None
        return dict(defaults)

    def create(self, req: dict) -> dict:
        """Creates the policy (CREATE); returns its hooks and where each is defined."""
        import numpy as np

        self.np = np
        mod = self.load()
        params, info = req["params"], req["info"]
        info["params"] = params
        self.info = info
        self.I, self.J = info["agents"], info["nodes"]
        self.D, self.n = info["state_dim"], info["actions"]
        self.layers_by_type = np.asarray(info["layers"], dtype=np.int64)
        target = mod
        if callable(getattr(mod, "create", None)):
            target = mod.create(params, info)
            if not callable(getattr(target, "decide", None)):
                raise PolicyFault(
                    "create() must return an object with a decide(obs) method, "
                    f"got {type(target).__name__}",
                    self.where_def(mod.create),
                )
        self.target = target
        hooks = {}
        for h in ("decide", "reset", "observe"):
            fn = getattr(target, h, None)
            if callable(fn):
                hooks[h] = self.where_def(fn)
        return {"hooks": hooks}

    # Per-slot traffic -------------------------------------------------------

    def observation(self, buf: bytearray, off: int) -> types.SimpleNamespace:
        """The observation block at ``off`` (layout: host/python/protocol.ts)."""
        np, I, J, D, n = self.np, self.I, self.J, self.D, self.n
        episode, slot = (int(x) for x in np.frombuffer(buf, np.int32, 2, off))
        o = off + 8
        local_state = np.frombuffer(buf, np.float64, I * D, o).reshape(I, D)
        o += 8 * I * D
        dnn = np.frombuffer(buf, np.int32, I, o)
        o += 4 * I
        active = np.frombuffer(buf, np.uint8, I, o).view(np.bool_)
        o += I
        action_mask = np.frombuffer(buf, np.uint8, I * n, o).reshape(I, n).view(np.bool_)
        o += I * n
        node_mask = np.frombuffer(buf, np.uint8, I * J, o).reshape(I, J).view(np.bool_)
        return types.SimpleNamespace(
            episode=episode,
            slot=slot,
            local_state=local_state,
            action_mask=action_mask,
            node_mask=node_mask,
            dnn=dnn,
            layers=self.layers_by_type[dnn],
            active=active,
            info=self.info,
        )

    def _column(self, ret: Mapping, name: str):
        np, I = self.np, self.I
        at = self.where_def(self.target.decide)
        if name not in ret:
            raise PolicyFault(f'decide() returned no "{name}"', at)
        try:
            a = np.asarray(ret[name], dtype=np.float64)
        except (TypeError, ValueError) as e:
            message = f"decide() returned a {name} that is not numeric ({one_line(str(e))})"
            raise PolicyFault(message, at) from None
        if a.shape != (I,):
            raise PolicyFault(
                f"decide() returned {name} of shape {a.shape} for {I} client vehicles", at
            )
        return a

    def decide(self, buf: bytearray) -> tuple[str, object]:
        """Calls ``decide``: ("decision", partition + target) or ("action", action), float64."""
        np = self.np
        ret = self.target.decide(self.observation(buf, 0))
        if isinstance(ret, Mapping) and "partition" not in ret and "action" in ret:
            return "action", np.ascontiguousarray(self._column(ret, "action"), "<f8")
        if not isinstance(ret, Mapping):
            raise PolicyFault(
                f"decide() returned {type(ret).__name__}, not a dict of partition and target "
                "(or action)",
                self.where_def(self.target.decide),
            )
        both = np.concatenate([self._column(ret, "partition"), self._column(ret, "target")])
        return "decision", np.ascontiguousarray(both, "<f8")

    def observe(self, buf: bytearray) -> None:
        """Calls ``observe`` with the step of an OBSERVE body."""
        np, I = self.np, self.I
        head = np.frombuffer(buf, np.float64, 4 + I, 0)
        step = types.SimpleNamespace(
            reward=float(head[0]),
            objective=float(head[1]),
            terminated=bool(head[2]),
            truncated=bool(head[3]),
            delay_s=head[4:],
            obs=self.observation(buf, 8 * (4 + I)),
        )
        self.target.observe(step)

    def reset(self, req: dict) -> None:
        """Calls ``reset`` with the episode's context."""
        ctx = types.SimpleNamespace(
            episode=req["episode"], training=req["training"], seed=req["seed"], info=self.info
        )
        self.target.reset(ctx)
