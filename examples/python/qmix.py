"""QMIX (Rashid et al., 2018) on vecscene in one PyTorch file, in the style of CleanRL.

A reference implementation beside the project's own P-QMIX (policies/learning/qmix.ts,
TensorFlow.js): the same networks, hyper-parameters, normalisation and masks, written the
way a PyTorch user would, so that the two can be compared side by side
(examples/python/compare_qmix.py). It learns on ``vecscene.vector_env``; read top to bottom:

1. Args: the hyper-parameters, with the two regimes of qmix.ts (``--preset paper`` or
   ``perslot``) as defaults; any flag overrides its preset value.
2. The agent network (one MLP shared by all agents) and the monotonic mixer (59), A19.
3. A replay buffer of numpy arrays.
4. Acting: masked argmax (56), epsilon-greedy among feasible actions only (A14).
5. The update: TD target (61) from the target networks with the masked max, y = r at the
   last slot (A16); loss (60); global-norm clip; Adam; soft target updates (62)-(63).
6. Training on ``vector_env``, periodic greedy evaluation on held-out episodes, the best
   model kept with ``torch.save``, a CSV log (``charts/...``, ``losses/...``).

Mapping to P-QMIX (qmix.ts ``qmixPresets``, networks.ts; MODEL.md section 3 and A12-A19):

==========================  ========================  ==================================
qmix.ts option              this file                 paper / perslot
==========================  ========================  ==================================
hidden                      --hidden                  256,256,256 (ReLU)
mixEmbed, hyperHidden       --mix-embed, --hyper-h.   32, 64 (each hypernetwork: 2 x 64)
lr (Adam, PyTorch's betas)  --lr                      5e-4
discount                    --gamma                   0.99 / 0 (y = r, no target net)
tau (soft update)           --tau                     0.001
batch, buffer               --batch-size, --buffer    256 / 64, 100,000
epsStart, epsEnd, epsSteps  --eps-*                   1 -> 0.05 over 10,000 / 0.1 -> 0.01
                                                      over 3,000 slots
updateEvery                 --update-every            1 (one update per slot)
gradClip (global norm)      --grad-clip               10
qHead (A12)                 --q-head                  softmax / logits
queueScaleGflop (A13)       --queue-scale-gflop       100
rewardScale (A3)            --reward-scale            1e-3
==========================  ========================  ==================================

The agent input is the normalised local state (54) (A13: queues / queueScaleGflop, road
coordinates from [roadFromM, roadToM] to [-1, 1], as engine/sim/encoding.ts does), then a
one-hot DNN type and a one-hot agent index (networks.ts). Weights start uniform in
+-1/sqrt(fan_in) in both (PyTorch's nn.Linear default is that distribution). Epsilon is 1
until the buffer holds a batch, then falls linearly per CV-slot decision; with E
environments a vector step adds E transitions and makes up to E updates, so the updates per
transition are P-QMIX's. Training plays episodes 1,000,001.. of the scenario seed and the
evaluations that choose the best model episodes 500,001.. of --eval-seed (app/train.ts), so
episodes 1..N of any seed stay held out. Differences: the engine sends float32 raw states
(P-QMIX normalises float64 ones, then rounds), and the random streams are numpy's and
PyTorch's, not the engine's. Not mapped: P-QMIX's decision-time refinement (``refineTopK``,
``refinePasses``, the default ``preset: refined``, MODEL.md section 6.1), which needs the
engine's objective at decision time; this file acts by (56), as ``preset: perslot`` does.

    .venv/bin/python examples/python/qmix.py --total-episodes 40 --out out/qmix-py
    .venv/bin/python examples/python/qmix.py --bench-update 40 --threads 1
"""

from __future__ import annotations

import argparse
import csv
import ctypes
import json
import math
import os
import time
from dataclasses import dataclass, fields

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import vecscene

# ---------------------------------------------------------------------------
# 1. Hyper-parameters


@dataclass
class Args:
    scenario: str = "scenarios/highway.yaml"
    """the scenario file"""
    preset: str = "paper"
    """P-QMIX's regime whose values the unset hyper-parameters take: paper or perslot"""
    seed: int = 1
    """scenario seed (the training episodes) and the seed of PyTorch and numpy"""
    num_envs: int = 1
    """environments stepped together"""
    total_episodes: int = 40
    """training episodes (rounded up to a multiple of --num-envs); 0 with --load: test only"""
    first_episode: int = 1_000_001
    """the first training episode of the seed (P-QMIX's trainOffset + 1)"""
    eval_seed: int = -1
    """seed of the evaluations that choose the best model (-1: --seed + 1)"""
    eval_episodes: int = 10
    """episodes per evaluation (episodes 500,001.. of --eval-seed)"""
    eval_every: int = 10
    """evaluate every this many training episodes (and at the end); 0: never"""
    test_seed: int = 3
    """seed of the held-out test of the best model at the end"""
    test_episodes: int = 0
    """episodes 1..N of --test-seed played by the best model at the end (0: none)"""
    out: str = "out/qmix-py"
    """output folder: log.csv, model.pt, best/model.pt, test.json"""
    load: str = ""
    """a model.pt (or its folder) to start from"""
    threads: int = 1
    """PyTorch and OpenBLAS threads"""
    bench_update: int = 0
    """time this many updates at batch 64 on a filled buffer, print the median ms, exit"""
    # The regime's values (None: the preset's, PRESETS below).
    hidden: str | None = None
    """agent hidden layer widths, comma-separated"""
    mix_embed: int | None = None
    """mixing embedding width (A19)"""
    hyper_hidden: int | None = None
    """hypernetwork hidden width"""
    lr: float | None = None
    """Adam learning rate"""
    gamma: float | None = None
    """discount of the TD target (61); 0: y = r"""
    tau: float | None = None
    """soft target update rate (62)-(63)"""
    batch_size: int | None = None
    """mini-batch size E of (60)"""
    buffer_size: int | None = None
    """replay capacity"""
    eps_start: float | None = None
    """epsilon once the buffer holds a batch"""
    eps_end: float | None = None
    """final epsilon"""
    eps_steps: int | None = None
    """CV-slot decisions over which epsilon falls"""
    update_every: int | None = None
    """one update every this many slots"""
    grad_clip: float | None = None
    """global gradient-norm clip"""
    q_head: str | None = None
    """A12: softmax (chosen-action probability) or logits"""
    queue_scale_gflop: float | None = None
    """A13: queues are divided by this"""
    reward_scale: float | None = None
    """A3: reward (58) multiplier"""


#: qmix.ts ``qmixPresets.paper`` (MODEL.md section 3), in this file's names.
PAPER = {
    "hidden": "256,256,256", "mix_embed": 32, "hyper_hidden": 64, "lr": 5e-4, "gamma": 0.99,
    "tau": 0.001, "batch_size": 256, "buffer_size": 100_000, "eps_start": 1.0, "eps_end": 0.05,
    "eps_steps": 10_000, "update_every": 1, "grad_clip": 10.0, "q_head": "softmax",
    "queue_scale_gflop": 100.0, "reward_scale": 1e-3,
}
#: What ``qmixPresets.perslot`` changes (A25: y = r, logits, small batches, low exploration).
PERSLOT_CHANGES = {
    "gamma": 0.0, "q_head": "logits", "batch_size": 64, "eps_start": 0.1, "eps_end": 0.01,
    "eps_steps": 3000,
}
PRESETS = {"paper": PAPER, "perslot": {**PAPER, **PERSLOT_CHANGES}}


def parse_args(argv=None) -> Args:
    """Args from the command line (one flag per field), the preset filling what is unset."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    docs = _field_docs()
    for f in fields(Args):
        kind = {"int": int, "float": float}.get(str(f.type).split(" ")[0], str)
        p.add_argument("--" + f.name.replace("_", "-"), type=kind, default=f.default,
                       help=docs.get(f.name, ""))
    args = Args(**vars(p.parse_args(argv)))
    if args.preset not in PRESETS:
        p.error(f"--preset must be one of {sorted(PRESETS)}, got {args.preset!r}")
    for k, v in PRESETS[args.preset].items():
        if getattr(args, k) is None:
            setattr(args, k, v)
    if args.q_head not in ("softmax", "logits"):
        p.error(f"--q-head must be softmax or logits, got {args.q_head!r}")
    if args.eval_seed < 0:
        args.eval_seed = args.seed + 1
    return args


def _field_docs() -> dict:
    """The docstring under each Args field (the --help text)."""
    import inspect

    lines = inspect.getsource(Args).splitlines()
    out = {}
    for a, b in zip(lines, lines[1:]):
        if ":" in a and b.strip().startswith('"""'):
            out[a.split(":")[0].strip()] = b.strip().strip('"')
    return out


def set_threads(n: int) -> str:
    """Sets PyTorch's and OpenBLAS's threads to ``n``; returns the BLAS library loaded.

    torch.set_num_threads does not reach OpenBLAS's own thread pool (Debian's PyTorch calls
    the system libblas.so.3, which libopenblas0-pthread provides), so it is set directly.
    """
    torch.set_num_threads(n)
    with open("/proc/self/maps") as f:
        libs = sorted({ln.split()[-1] for ln in f if "blas" in ln.rsplit("/", 1)[-1]})
    for lib in libs:
        if "openblas" in lib:
            ctypes.CDLL(lib).openblas_set_num_threads(n)
    return ",".join(libs) or "none"


# ---------------------------------------------------------------------------
# 2. Networks


class AgentNetwork(nn.Module):
    """P-QMIX's agent: an MLP from [local state, type one-hot, agent one-hot] to the
    max_k (L_k + 1) J action values (networks.ts ``createMlpAgent``)."""

    def __init__(self, input_dim: int, hidden: list[int], n_actions: int):
        super().__init__()
        layers, width = [], input_dim
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        self.net = nn.Sequential(*layers, nn.Linear(width, n_actions))

    def forward(self, x):
        return self.net(x)


class MixingNetwork(nn.Module):
    """The monotonic QMIX mixer, MODEL.md eq. (59) in the form of A19:
    W1 = |hyper_w1(S)|, h = ELU(Q W1 + b1(S)), Q_tot = h |w2(S)| + V(S), each hypernetwork
    with two hidden layers of ``hyper_hidden`` units (networks.ts ``Mixer``)."""

    def __init__(self, n_agents: int, state_dim: int, embed: int, hyper_hidden: int):
        super().__init__()
        self.n_agents, self.embed = n_agents, embed

        def hyper(out: int) -> nn.Module:
            return nn.Sequential(
                nn.Linear(state_dim, hyper_hidden), nn.ReLU(),
                nn.Linear(hyper_hidden, hyper_hidden), nn.ReLU(),
                nn.Linear(hyper_hidden, out),
            )

        self.hyper_w1 = hyper(n_agents * embed)
        self.hyper_b1 = hyper(embed)
        self.hyper_w2 = hyper(embed)
        self.hyper_v = hyper(1)

    def forward(self, q, state):
        """Q_tot [B] from the agents' values q [B, I] and joint states [B, I * D]."""
        B = q.shape[0]
        w1 = self.hyper_w1(state).abs().view(B, self.n_agents, self.embed)
        b1 = self.hyper_b1(state).view(B, 1, self.embed)
        h = F.elu(torch.bmm(q.view(B, 1, self.n_agents), w1) + b1)
        w2 = self.hyper_w2(state).abs().view(B, self.embed, 1)
        return (torch.bmm(h, w2) + self.hyper_v(state).view(B, 1, 1)).view(B)


class Encoder:
    """A13's normalisation and the agent inputs, from the environment's spec."""

    def __init__(self, spec: dict, queue_scale_gflop: float):
        self.I, self.J, self.D = spec["agents"], spec["nodes"], spec["stateDim"]
        self.K, self.n = len(spec["dnns"]), spec["actions"]
        self.road = (float(spec["roadFromM"]), float(spec["roadToM"]))
        self.queue_scale = float(queue_scale_gflop)
        self.input_dim = self.D + self.K + self.I
        self.agent_eye = torch.eye(self.I)

    def normalise(self, raw: np.ndarray) -> np.ndarray:
        """Local states (54) [..., D]: queues / scale, road coordinates to [-1, 1] (A13)."""
        x = raw.astype(np.float64)
        lo, hi = self.road
        span = (hi - lo) or 1.0
        road = self.J + 1  # [own queue, RSU queue, S SV queues] then [own position, S SVs]
        x[..., :road] /= self.queue_scale
        x[..., road:] = 2 * (x[..., road:] - lo) / span - 1
        return x.astype(np.float32)

    def inputs(self, states: torch.Tensor, types: torch.Tensor) -> torch.Tensor:
        """Agent inputs [B * I, D + K + I] from normalised states [B, I, D] and types [B, I]."""
        B = states.shape[0]
        onehot = F.one_hot(types, self.K).to(states.dtype)
        agent = self.agent_eye.expand(B, self.I, self.I)
        return torch.cat([states, onehot, agent], -1).view(B * self.I, self.input_dim)


def masked(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Values with infeasible actions at -1e9, so that max, argmax and softmax skip them."""
    return values.masked_fill(~mask, -1e9)


# ---------------------------------------------------------------------------
# 3. Replay buffer


class ReplayBuffer:
    """A ring of joint transitions (S, mask, types, A, r, S', mask', done) as numpy arrays."""

    def __init__(self, capacity: int, I: int, D: int, n: int):
        self.capacity, self.size, self.head = capacity, 0, 0
        self.obs = np.zeros((capacity, I, D), np.float32)
        self.next_obs = np.zeros((capacity, I, D), np.float32)
        self.mask = np.zeros((capacity, I, n), bool)
        self.next_mask = np.zeros((capacity, I, n), bool)
        self.types = np.zeros((capacity, I), np.int64)
        self.actions = np.zeros((capacity, I), np.int64)
        self.reward = np.zeros(capacity, np.float32)
        self.done = np.zeros(capacity, np.float32)

    def add(self, obs, mask, types, actions, reward, next_obs, next_mask, done):
        """Adds a batch of transitions (first axis: environments)."""
        for k in range(len(reward)):
            h = self.head
            self.obs[h], self.mask[h], self.types[h], self.actions[h] = obs[k], mask[k], types[k], actions[k]
            self.reward[h], self.next_obs[h], self.next_mask[h], self.done[h] = reward[k], next_obs[k], next_mask[k], done[k]
            self.head = (h + 1) % self.capacity
            self.size = min(self.size + 1, self.capacity)

    def sample(self, batch: int, rng: np.random.Generator) -> dict:
        """``batch`` transitions drawn uniformly with replacement, as tensors."""
        idx = rng.integers(0, self.size, batch)
        names = ("obs", "mask", "types", "actions", "reward", "next_obs", "next_mask", "done")
        return {k: torch.from_numpy(getattr(self, k)[idx]) for k in names}


# ---------------------------------------------------------------------------
# 4.-5. The learner: acting and the update


class Qmix:
    """Online and target networks, their optimiser, acting and the update."""

    def __init__(self, args: Args, spec: dict):
        self.args = args
        self.spec = {k: spec[k] for k in SPEC_KEYS}
        self.enc = Encoder(spec, args.queue_scale_gflop)
        e = self.enc
        hidden = [int(h) for h in str(args.hidden).split(",")]
        self.agent = AgentNetwork(e.input_dim, hidden, e.n)
        self.mixer = MixingNetwork(e.I, e.I * e.D, args.mix_embed, args.hyper_hidden)
        self.target_agent = AgentNetwork(e.input_dim, hidden, e.n)
        self.target_mixer = MixingNetwork(e.I, e.I * e.D, args.mix_embed, args.hyper_hidden)
        self.target_agent.load_state_dict(self.agent.state_dict())
        self.target_mixer.load_state_dict(self.mixer.state_dict())
        self.params = [*self.agent.parameters(), *self.mixer.parameters()]
        self.optimizer = torch.optim.Adam(self.params, lr=args.lr, betas=(0.9, 0.999), eps=1e-8)
        self.updates = 0

    @torch.no_grad()
    def act(self, obs_norm, mask, types, epsilon: float, rng: np.random.Generator) -> np.ndarray:
        """Actions [E, I]: the masked argmax (56), or with probability epsilon per agent a
        uniformly random feasible action (A14). Never an action whose mask entry is 0."""
        E, I = types.shape
        x = self.enc.inputs(torch.from_numpy(obs_norm), torch.from_numpy(types))
        if epsilon <= 0:
            return self.greedy(x, mask, E, I)
        explore = rng.random((E, I)) < epsilon
        random_actions = (rng.random(mask.shape) * mask).argmax(-1)  # uniform among feasible
        if explore.all():
            return random_actions
        return np.where(explore, random_actions, self.greedy(x, mask, E, I))

    def greedy(self, x, mask, E: int, I: int) -> np.ndarray:
        """The masked argmax (56) of the online agent network for inputs x [E * I, .]."""
        q = masked(self.agent(x), torch.from_numpy(mask.astype(bool)).view(E * I, -1))
        return q.argmax(-1).view(E, I).numpy()

    def agent_values(self, net, obs, types, mask, actions=None):
        """Per-agent values [B, I] (A12): the chosen action's (online) or the masked max (target),
        of the masked softmax (qHead softmax) or of the logits themselves (qHead logits)."""
        B, I = types.shape
        v = masked(net(self.enc.inputs(obs, types)), mask.view(B * I, -1))
        if self.args.q_head == "softmax":
            v = torch.softmax(v, -1)
        if actions is None:
            return v.max(-1).values.view(B, I)
        return v.gather(1, actions.view(B * I, 1)).view(B, I)

    def update(self, buffer: ReplayBuffer, batch: int, rng: np.random.Generator) -> tuple[float, float]:
        """One update on a sampled mini-batch; returns the loss (60) and the mean Q_tot."""
        a, b = self.args, buffer.sample(batch, rng)
        B = b["reward"].shape[0]
        y = b["reward"]
        if a.gamma > 0:  # TD target (61); the per-slot regime (gamma 0) has y = r (A25)
            with torch.no_grad():
                q_next = self.agent_values(self.target_agent, b["next_obs"], b["types"], b["next_mask"])
                tot_next = self.target_mixer(q_next, b["next_obs"].view(B, -1))
                y = y + a.gamma * (1 - b["done"]) * tot_next  # A16: no bootstrap out of slot T
        q = self.agent_values(self.agent, b["obs"], b["types"], b["mask"], b["actions"])
        q_tot = self.mixer(q, b["obs"].view(B, -1))
        loss = (0.5 * (y - q_tot) ** 2).mean()  # MODEL.md eq. (60)
        self.optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(self.params, a.grad_clip)
        self.optimizer.step()
        with torch.no_grad():  # MODEL.md eqs. (62)-(63)
            for net, target in ((self.agent, self.target_agent), (self.mixer, self.target_mixer)):
                for p, t in zip(net.parameters(), target.parameters()):
                    t.lerp_(p, a.tau)
        self.updates += 1
        return loss.item(), q_tot.mean().item()

    def save(self, path: str, meta: dict) -> None:
        """The networks, the hyper-parameters and the encoding they were trained for."""
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        torch.save({
            "format": "vecscene-qmix-py/1",
            "encoding": vecscene.ENCODING,
            "args": vars(self.args),
            "spec": self.spec,
            "agent": self.agent.state_dict(),
            "mixer": self.mixer.state_dict(),
            "target_agent": self.target_agent.state_dict(),
            "target_mixer": self.target_mixer.state_dict(),
            "meta": meta,
        }, path)


#: What a saved model records of the environment's spec (checked on load).
SPEC_KEYS = ("agents", "nodes", "stateDim", "actions", "dnns", "layers", "roadFromM", "roadToM")


def load_model(path: str, spec: dict | None = None, args: Args | None = None) -> Qmix:
    """A learner from a model.pt (or a folder holding one), with the hyper-parameters it was
    saved with or ``args``; refuses another scenario's shapes or encoding."""
    if os.path.isdir(path):
        path = os.path.join(path, "model.pt")
    ckpt = torch.load(path)
    if ckpt.get("encoding") != vecscene.ENCODING:
        raise ValueError(f"{path}: written for agent encoding {ckpt.get('encoding')}, "
                         f"this vecscene reads {vecscene.ENCODING}")
    if spec is not None:
        theirs = {k: spec[k] for k in SPEC_KEYS}
        if theirs != ckpt["spec"]:
            raise ValueError(f"{path}: trained for {ckpt['spec']}, the scenario has {theirs}")
    learner = Qmix(args or Args(**ckpt["args"]), ckpt["spec"])
    for name in ("agent", "mixer", "target_agent", "target_mixer"):
        getattr(learner, name).load_state_dict(ckpt[name])
    return learner


# ---------------------------------------------------------------------------
# 6. Evaluation and training


def evaluate(learner: Qmix, env, first: int, episodes: int) -> dict:
    """Greedy play of episodes first..first+episodes-1 of ``env``'s seed: the mean TCT (19)
    over every CV and slot (on the highway every CV has a task every slot: this is the mean
    TCT of ``deno task run``) and the mean episodic return (58)."""
    E, T = env.num_envs, env.spec["slots"]
    delays, returns = [], []
    for start in range(first, first + episodes, E):
        keep = min(E, first + episodes - start)  # environments past the last episode are dropped
        obs, info = env.reset(options={"episode": start})
        ret = np.zeros(E)
        for _ in range(T):
            norm = learner.enc.normalise(obs["observation"])
            actions = learner.act(norm, obs["action_mask"], info["dnn"].astype(np.int64), 0.0, None)
            obs, reward, _, _, info = env.step(actions)
            delays.append(info["delay_s"][:keep].ravel())
            ret += reward
        returns.extend(ret[:keep])
    return {"mean_tct_s": float(np.concatenate(delays).mean()), "episodic_return": float(np.mean(returns))}


LOG_COLUMNS = ("episode", "global_step", "updates", "charts/episodic_return", "charts/mean_tct_s",
               "charts/epsilon", "losses/td_loss", "losses/q_tot", "eval/mean_tct_s",
               "eval/episodic_return")


def epsilon(args: Args, buffer_size: int, steps: int) -> float:
    """1 until the buffer holds a batch, then linear from eps_start to eps_end (qmix.ts)."""
    if buffer_size < args.batch_size:
        return 1.0
    f = min(1.0, steps / max(1, args.eps_steps))
    return args.eps_start + (args.eps_end - args.eps_start) * f


def train(args: Args) -> dict:
    torch.manual_seed(args.seed)
    act_rng = np.random.default_rng([args.seed, 0])
    replay_rng = np.random.default_rng([args.seed, 1])
    blas = set_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    E = args.num_envs
    envs = vecscene.vector_env(args.scenario, E, seed=args.seed)
    spec = envs.spec
    per_env = math.ceil(args.total_episodes / E)
    # Training from a saved model takes this command line's hyper-parameters; testing one, its own.
    learner = load_model(args.load, spec, args if per_env else None) if args.load else Qmix(args, spec)
    enc, T = learner.enc, spec["slots"]
    print(f"qmix.py: {args.scenario}, preset {args.preset}, {per_env * E} episodes on {E} env(s), "
          f"seed {args.seed}, {args.threads} thread(s), BLAS {blas}")
    buffer = ReplayBuffer(max(1, min(args.buffer_size, per_env * E * T)), enc.I, enc.D, enc.n)
    eval_env = None
    if args.eval_every > 0 and per_env > 0:
        eval_env = vecscene.vector_env(args.scenario, min(args.eval_episodes, 10), seed=args.eval_seed)
    log = open(os.path.join(args.out, "log.csv"), "w", newline="")
    writer = csv.DictWriter(log, LOG_COLUMNS)
    writer.writeheader()
    best, eps_steps, done = math.inf, 0, 0
    t0 = time.perf_counter()
    obs, info = envs.reset(options={"episode": args.first_episode})
    norm, types = enc.normalise(obs["observation"]), info["dnn"].astype(np.int64)
    ep_return, ep_delay, losses, q_tots = np.zeros(E), [], [], []
    for step in range(per_env * T):
        eps = epsilon(args, buffer.size, eps_steps)
        if buffer.size >= args.batch_size:
            eps_steps += E  # one decision per CV-slot, as P-QMIX counts them
        actions = learner.act(norm, obs["action_mask"], types, eps, act_rng)
        next_obs, reward, terminated, truncated, info = envs.step(actions)
        end = terminated | truncated
        real_next = next_obs["observation"].copy()
        next_mask = next_obs["action_mask"].astype(bool)
        if end.any():  # the next state of slot T is the final observation; it is not bootstrapped
            real_next[end] = info["final_obs"]["observation"][end]
            next_mask[end] = obs["action_mask"][end].astype(bool)
        buffer.add(norm, obs["action_mask"].astype(bool), types, actions,
                   reward * args.reward_scale, enc.normalise(real_next), next_mask, end)
        ep_return += reward
        ep_delay.append(info["delay_s"].copy())
        # Up to one update per transition added, once the buffer holds a batch (qmix.ts update()).
        slot = step % T + 1
        if buffer.size >= args.batch_size and slot % args.update_every == 0:
            for _ in range(min(E, buffer.size - args.batch_size + 1)):
                loss, q_tot = learner.update(buffer, args.batch_size, replay_rng)
                losses.append(loss)
                q_tots.append(q_tot)
        obs, norm, types = next_obs, enc.normalise(next_obs["observation"]), info["dnn"].astype(np.int64)
        if not end.all():
            continue
        # All environments end their episodes together (every episode has T slots).
        delays = np.stack(ep_delay)  # [T, E, I]
        for e in range(E):
            done += 1
            writer.writerow({
                "episode": done, "global_step": (step + 1) * E, "updates": learner.updates,
                "charts/episodic_return": float(ep_return[e]),
                "charts/mean_tct_s": float(delays[:, e].mean()), "charts/epsilon": eps,
                "losses/td_loss": float(np.mean(losses)) if losses else "",
                "losses/q_tot": float(np.mean(q_tots)) if q_tots else "",
            })
        sps = (step + 1) * E / (time.perf_counter() - t0)
        print(f"episode {done}: return {ep_return.mean():.1f}, TCT {delays.mean():.3f} s, "
              f"eps {eps:.3f}, loss {np.mean(losses) if losses else float('nan'):.4g}, "
              f"updates {learner.updates}, SPS {sps:.0f}", flush=True)
        ep_return[:], ep_delay, losses, q_tots = 0, [], [], []
        last = step == per_env * T - 1
        if eval_env is not None and (done % args.eval_every < E or last):
            ev = evaluate(learner, eval_env, 500_001, args.eval_episodes)
            writer.writerow({"episode": done, "global_step": (step + 1) * E, "updates": learner.updates,
                             "eval/mean_tct_s": ev["mean_tct_s"],
                             "eval/episodic_return": ev["episodic_return"]})
            print(f"  eval (seed {args.eval_seed}, {args.eval_episodes} episodes): "
                  f"TCT {ev['mean_tct_s']:.3f} s", flush=True)
            if ev["mean_tct_s"] < best:
                best = ev["mean_tct_s"]
                learner.save(os.path.join(args.out, "best", "model.pt"),
                             {"episode": done, "eval_mean_tct_s": best, "eval_seed": args.eval_seed})
        log.flush()
    log.close()
    envs.close()
    if eval_env is not None:
        eval_env.close()
    learner.save(os.path.join(args.out, "model.pt"), {"episode": done})
    summary = {"episodes": done, "updates": learner.updates, "seconds": time.perf_counter() - t0,
               "best_eval_mean_tct_s": best if best < math.inf else None}
    if args.test_episodes > 0:
        kept = os.path.join(args.out, "best", "model.pt") if best < math.inf else None
        which = "best" if kept else "loaded" if args.load and per_env == 0 else "last"
        summary["test"] = test(args, load_model(kept) if kept else learner, which)
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    return summary


def test(args: Args, learner: Qmix, which: str) -> dict:
    """``learner`` (the best of this run's evaluations, else the last or loaded model) on
    episodes 1..N of --test-seed, which neither training nor the evaluations play."""
    env = vecscene.vector_env(args.scenario, min(args.test_episodes, 10), seed=args.test_seed)
    ev = evaluate(learner, env, 1, args.test_episodes)
    env.close()
    out = {"seed": args.test_seed, "episodes": args.test_episodes, "model": which, **ev}
    print(f"test (seed {args.test_seed}, episodes 1..{args.test_episodes}): "
          f"mean TCT {ev['mean_tct_s']:.3f} s")
    return out


# ---------------------------------------------------------------------------
# The update bench: the sizes and filled buffer of bench/learning.ts


def bench_buffer(spec: dict, size: int, rng: np.random.Generator) -> ReplayBuffer:
    """``size`` random transitions of ``spec``'s shapes (bench/learning.ts ``filledBuffer``)."""
    I, J, D, n = spec["agents"], spec["nodes"], spec["stateDim"], spec["actions"]
    buf = ReplayBuffer(size, I, D, n)
    types = np.arange(I) % 3
    counts = [(L + 1) * J for L in spec["layers"]]
    for k in range(size):
        state = rng.random((I, D), dtype=np.float32)
        feasible = rng.random((I, J)) < 0.5
        feasible[:, 0] = True  # the RSU
        mask = np.zeros((I, n), bool)
        for i in range(I):
            mask[i, :counts[types[i]]] = np.tile(feasible[i], counts[types[i]] // J)  # A10
        actions = J * rng.integers(0, [c // J for c in np.take(counts, types)])
        buf.add([state], [mask], [types], [actions], [-rng.random()], [state + 0.01], [mask], [k % 30 == 29])
    return buf


def bench_update(args: Args, runs: int) -> dict:
    """Median ms of one update at batch 64 on a buffer of 512 random transitions of the
    paper's sizes (7 agents, J = 6, AlexNet/ResNet18/VGG16 actions), after 3 warm-ups."""
    torch.manual_seed(7)
    blas = set_threads(args.threads)
    I, J, layers = 7, 6, [11, 12, 21]
    spec = {"agents": I, "nodes": J, "stateDim": 2 * J + 1, "actions": (max(layers) + 1) * J,
            "dnns": ["alexnet", "resnet18", "vgg16"], "layers": layers,
            "roadFromM": -1000, "roadToM": 1000}
    learner = Qmix(args, spec)
    rng = np.random.default_rng(1)
    buf = bench_buffer(spec, 512, rng)
    for _ in range(3):
        learner.update(buf, 64, rng)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        learner.update(buf, 64, rng)
        times.append((time.perf_counter() - t) * 1e3)
    return {"preset": args.preset, "threads": args.threads, "runs": runs,
            "update_ms": float(np.median(times)), "blas": blas, "torch": torch.__version__}


if __name__ == "__main__":
    args = parse_args()
    if args.bench_update > 0:
        print(json.dumps(bench_update(args, args.bench_update)))
    else:
        train(args)
