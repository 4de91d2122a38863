"""The PyTorch side of `deno task bench --only torch.` (bench/torch.ts runs it).

The anchor the project's learners are measured against: P-QMIX and MAD2RL written the way a
PyTorch user would, at the paper's sizes and in the paper's regime, as bench/learning.ts times
them (7 agents, J = 6 nodes, local state of 13 values, actions [72, 78, 132] padded to 132,
M = 7 reverse steps, batch 64, qmix.ts ``qmixPresets.paper``: discount 0.99, softmax head,
fresh chain noise for every Q estimate), on random inputs of the right shapes. Read top to
bottom:

1. P-QMIX is examples/python/qmix.py's learner (``Qmix``: the MLP agent, the mixer, masks,
   TD target, loss, clip, Adam, soft updates), imported, not copied.
2. MAD2RL's agent, ``DiffusionAgent``, mirrors policies/learning/networks.ts
   ``createDiffusionAgent`` line for line:
   - parameters: the first layer of the noise network eps(x^m, m, s) (41) acts on
     [x^m, emb(m), s] and is kept in three blocks ``w1x`` [A, 256], ``w1e`` [16, 256],
     ``w1s`` [23, 256] and ``b1``, all uniform in +-1/sqrt(A + 16 + 23) (networks.ts's
     ``fanIn``); then 256 -> 256 -> 256 -> A ReLU layers (``addMlpParams(..., 1)``; nn.Linear's
     default init is the same +-1/sqrt(fan_in));
   - the reverse chain (42) (networks.ts ``logits``): the state block once per chain, the step
     embeddings (schedule.ts ``stepEmbedding``) times ``w1e`` once, then for m = M..1 the noise
     network on x^m with the first layer's bias ``statePart + stepPart[m - 1]``, then
     mu = (x - noiseScale_m eps) meanScale_m (41), and for m > 1 the added sqrt(beta-hat_m) z
     (42); x^M and the M - 1 draws are M fresh N(0, I) tensors [rows, A] (qmix.ts ``noise``
     under ``qNoise: "sample"``);
   - the schedule, ``vp_schedule``, is schedule.ts ``vpSchedule`` (35), (37), (39), (41).
   ``Mad2rl`` is qmix.py's ``Qmix`` with this agent for the online and target agents; its
   update is therefore qmix.ts ``gradients``/``targets``/``step`` in PyTorch's words: the
   target chain under no_grad, the masked softmax max (A12), the target mixer and y = r +
   0.99 (1 - done) Q_tot' (61); the online chain with the chosen action's masked softmax
   probability, the mixer (59, A19), loss (60) as the mean of (y - Q_tot)^2 / 2, the gradient
   through all M steps of the chain, the global-norm clip at 10, Adam (lr 5e-4, PyTorch's
   betas) and the soft updates at tau 0.001 (62)-(63).
3. A decision is one slot of 7 agents under torch.no_grad(): the agent network and the masked
   argmax (56) (qmix.py ``Qmix.greedy``); for MAD2RL the agent network is the whole reverse
   chain with fresh noise, as qmix.ts ``act`` with ``qNoise: "sample"``.
4. The replay buffer is filled as bench/learning.ts ``filledBuffer`` fills its own (512
   transitions, uniform states, each SV feasible with probability 1/2, the RSU always, a
   terminal slot every 30).

Differences that remain: vecscene fuses the four hypernetworks' first layers into one product
and the Adam step, clip and soft updates into one kernel, where qmix.py runs them as separate
PyTorch ops (the same arithmetic); masks are applied with ``masked_fill`` rather than
``logits + (mask - 1) 1e9``; weights are stored [out, in] by nn.Linear; noise comes from
torch.randn, not the engine's generator; the agent inputs are built from the sampled tensors
(qmix.py ``Encoder.inputs``), vecscene's from typed arrays. vecscene's two-thread update
splits each batch over two tfjs instances, PyTorch's splits each operation over two intra-op
threads.

Timing: for n in (1, 2) threads (qmix.py ``set_threads``: PyTorch's and OpenBLAS's pools, with
``OMP_WAIT_POLICY=PASSIVE`` unless the environment sets it; see the comment at the import), the
median ms of an update after 3 warm-ups (10 timed updates for MAD2RL, 40 for P-QMIX, as
bench/learning.ts), and of a decision after 20 warm-ups (200 timed); then, on one thread, the
median ms of each phase of an update (the same steps as ``Qmix.update`` with a clock between
them). ``--quick`` (the test's) times one run of each at batch 8. Prints one JSON object.
``--chain-check FILE`` (the test's) runs the mirror's chain on vecscene's weights instead.

    /usr/bin/python3 bench/torch_side.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import types

import numpy as np

# OpenMP's idle threads spin, by default, for a while after each parallel region: with two
# PyTorch (OpenMP) and two OpenBLAS threads on two cores they spin on the cores OpenBLAS's
# threads need, and two threads come out several times slower than one. Idle OpenMP threads
# that sleep (read when torch loads libgomp) make the two-thread figures PyTorch's best.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "examples", "python"), os.path.join(ROOT, "python")]
try:
    import vecscene  # noqa: F401  (qmix.py imports it to train and save, which the bench does not)
except ImportError:  # e.g. Debian's python3 without gymnasium: the bench needs none of it
    sys.modules["vecscene"] = types.ModuleType("vecscene")
import qmix  # noqa: E402

# ---------------------------------------------------------------------------
# 1. The paper's sizes (bench/learning.ts) and regime (qmix.ts qmixPresets.paper)

AGENTS, NODES, LAYERS = 7, 6, [11, 12, 21]  # AlexNet, ResNet18, VGG16: (L + 1) J actions
SPEC = {"agents": AGENTS, "nodes": NODES, "stateDim": 2 * NODES + 1,
        "actions": (max(LAYERS) + 1) * NODES, "dnns": ["alexnet", "resnet18", "vgg16"],
        "layers": LAYERS, "roadFromM": -1000, "roadToM": 1000}
DIFFUSION = {"steps": 7, "beta_min": 0.1, "beta_max": 10.0, "embed_dim": 16}  # mad2rlDefaults


# ---------------------------------------------------------------------------
# 2. MAD2RL's diffusion agent (networks.ts createDiffusionAgent, schedule.ts)


def vp_schedule(M: int, beta_min: float, beta_max: float) -> dict:
    """schedule.ts ``vpSchedule``: per-step constants of (35)-(41), index m - 1."""
    out = {"noise_scale": [], "mean_scale": [], "sigma": []}
    prod = 1.0
    for m in range(1, M + 1):
        b = 1 - math.exp(-beta_min / M - (2 * m - 1) * (beta_max - beta_min) / (2 * M * M))  # (35)
        prev, prod = prod, prod * (1 - b)  # (37)
        out["sigma"].append(math.sqrt((1 - prev) / (1 - prod) * b))  # sqrt of beta-hat_m (39)
        out["mean_scale"].append(1 / math.sqrt(1 - b))  # (41)
        out["noise_scale"].append(b / math.sqrt(1 - prod))  # (41)
    return out


def step_embedding(m: int, dim: int) -> list[float]:
    """schedule.ts ``stepEmbedding``: the sinusoidal embedding of step m (A13)."""
    half = dim // 2
    freqs = [math.exp(-math.log(10000) * k / max(half - 1, 1)) for k in range(half)]
    return [math.sin(m * f) for f in freqs] + [math.cos(m * f) for f in freqs]


class DiffusionAgent(nn.Module):
    """Inputs [N, input_dim] -> x^0 [N, A] through the reverse chain (42) of eps(x^m, m, s)."""

    def __init__(self, input_dim: int, hidden: list[int], n_actions: int, steps: int,
                 beta_min: float, beta_max: float, embed_dim: int):
        super().__init__()
        A, H, self.M, self.A = n_actions, hidden, steps, n_actions
        bound = 1 / math.sqrt(A + embed_dim + input_dim)  # networks.ts fanIn of the first layer

        def block(*shape):
            return nn.Parameter(torch.empty(*shape).uniform_(-bound, bound))

        self.w1x, self.w1e = block(A, H[0]), block(embed_dim, H[0])
        self.w1s, self.b1 = block(input_dim, H[0]), block(H[0])
        layers, width = [], H[0]
        for h in [*H[1:], A]:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        self.rest = nn.Sequential(*layers[:-1])  # no ReLU on the output
        self.s = vp_schedule(steps, beta_min, beta_max)
        emb = [step_embedding(m, embed_dim) for m in range(1, steps + 1)]
        self.register_buffer("emb", torch.tensor(emb, dtype=torch.float32))

    def forward(self, s: torch.Tensor, noise: torch.Tensor | None = None) -> torch.Tensor:
        N, M = s.shape[0], self.M
        if noise is None:  # x^M, then the draws of m = M..2 (qNoise "sample")
            noise = torch.randn(M, N, self.A)
        state_part = torch.addmm(self.b1, s, self.w1s)  # once per chain
        step_part = self.emb @ self.w1e  # [M, H]: emb(m) w1e for every step
        x = noise[0]  # x^M ~ N(0, I), eq. (42)
        for m in range(M, 0, -1):
            h = torch.relu(torch.addmm(state_part + step_part[m - 1], x, self.w1x))
            eps = self.rest(h)  # eps(x^m, m, s), eq. (41)
            x = (x - eps * self.s["noise_scale"][m - 1]) * self.s["mean_scale"][m - 1]
            if m > 1:  # eq. (42): x^{m-1} = mu + sqrt(beta-hat_m) z
                x = x + noise[M - m + 1] * self.s["sigma"][m - 1]
        return x


class Mad2rl(qmix.Qmix):
    """qmix.py's QMIX learner with the diffusion agent as online and target agent network."""

    def __init__(self, args: qmix.Args, spec: dict):
        super().__init__(args, spec)
        e, hidden = self.enc, [int(h) for h in str(args.hidden).split(",")]
        self.agent = DiffusionAgent(e.input_dim, hidden, e.n, **DIFFUSION)
        self.target_agent = DiffusionAgent(e.input_dim, hidden, e.n, **DIFFUSION)
        self.target_agent.load_state_dict(self.agent.state_dict())
        self.params = [*self.agent.parameters(), *self.mixer.parameters()]
        self.optimizer = torch.optim.Adam(self.params, lr=args.lr, betas=(0.9, 0.999), eps=1e-8)


# ---------------------------------------------------------------------------
# 3.-4. The buffer, and the timings


def filled_buffer(size: int, rng: np.random.Generator) -> qmix.ReplayBuffer:
    """bench/learning.ts ``filledBuffer``: ``size`` random transitions of the paper's shapes."""
    return qmix.bench_buffer(SPEC, size, rng)


def median_ms(fn, warmup: int, runs: int) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
    return float(np.median(times))


PHASES = ("sample", "target", "agents", "mixer", "backward", "adam")


def update_phases(learner: qmix.Qmix, buf, batch: int, rng) -> list[float]:
    """One update, the same steps as qmix.py ``Qmix.update``, with ms per phase (PHASES)."""
    L, t = learner, [time.perf_counter()]
    a, b = L.args, buf.sample(batch, rng)
    B = b["reward"].shape[0]
    t.append(time.perf_counter())
    with torch.no_grad():  # TD target (61)
        q_next = L.agent_values(L.target_agent, b["next_obs"], b["types"], b["next_mask"])
        tot_next = L.target_mixer(q_next, b["next_obs"].view(B, -1))
        y = b["reward"] + a.gamma * (1 - b["done"]) * tot_next
    t.append(time.perf_counter())
    q = L.agent_values(L.agent, b["obs"], b["types"], b["mask"], b["actions"])
    t.append(time.perf_counter())
    loss = (0.5 * (y - L.mixer(q, b["obs"].view(B, -1))) ** 2).mean()  # (59), (60)
    loss.item()
    t.append(time.perf_counter())
    L.optimizer.zero_grad()
    loss.backward()
    t.append(time.perf_counter())
    nn.utils.clip_grad_norm_(L.params, a.grad_clip)
    L.optimizer.step()
    with torch.no_grad():  # (62)-(63)
        for net, target in ((L.agent, L.target_agent), (L.mixer, L.target_mixer)):
            for p, p_target in zip(net.parameters(), target.parameters()):
                p_target.lerp_(p, a.tau)
    t.append(time.perf_counter())
    return [(t[k + 1] - t[k]) * 1e3 for k in range(len(PHASES))]


def decide_ms(learner: qmix.Qmix, buf, warmup: int, runs: int) -> float:
    """One slot's decisions of the 7 agents: the network and the masked argmax (56)."""
    x = learner.enc.inputs(torch.from_numpy(buf.obs[:1]), torch.from_numpy(buf.types[:1]))
    mask = buf.mask[:1]
    with torch.no_grad():
        return median_ms(lambda: learner.greedy(x, mask, 1, AGENTS), warmup, runs)


def chain_check(path: str) -> dict:
    """``--chain-check FILE``: x^0 of the mirror's chain with vecscene's weights, inputs and
    noise from FILE (JSON: ``weights`` by networks.ts name, each flat in networks.ts's
    [in, out] layout; ``input`` [N, 23]; ``noise`` [M, N, A], x^M first). The test of the
    mirror compares it with networks.ts's own chain on the same noise."""
    with open(path) as f:
        d = json.load(f)
    net = Mad2rl(qmix.parse_args(["--preset", "paper"]), SPEC).agent
    w = {k: torch.tensor(v, dtype=torch.float32) for k, v in d["weights"].items()}
    s = torch.tensor(d["input"], dtype=torch.float32)
    with torch.no_grad():
        for k in ("w1x", "w1e", "w1s", "b1"):
            getattr(net, k).copy_(w[k].view_as(getattr(net, k)))
        linears = [m for m in net.rest if isinstance(m, nn.Linear)]
        for l, lin in enumerate(linears, start=2):
            lin.weight.copy_(w[f"w{l}"].view(lin.in_features, lin.out_features).T)
            lin.bias.copy_(w[f"b{l}"])
        x = net(s, torch.tensor(d["noise"], dtype=torch.float32))
    return {"logits": x.tolist()}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="one timed run of each, batch 8")
    p.add_argument("--chain-check", metavar="FILE", help="see chain_check")
    flags = p.parse_args()
    if flags.chain_check:
        print(json.dumps(chain_check(flags.chain_check)))
        return
    quick = flags.quick
    batch, warmup, decide_warmup = (8, 1, 1) if quick else (64, 3, 20)
    torch.manual_seed(7)
    rng = np.random.default_rng(1)
    buf = filled_buffer(64 if quick else 512, rng)
    args = qmix.parse_args(["--preset", "paper"])
    learners = {"mad2rl": Mad2rl(args, SPEC), "pqmix": qmix.Qmix(args, SPEC)}
    out = {"torch_version": torch.__version__, "omp_wait_policy": os.environ["OMP_WAIT_POLICY"],
           "batch": batch}
    for name, learner in learners.items():
        out[f"{name}_agent_params"] = sum(p.numel() for p in learner.agent.parameters())
        out[f"{name}_mixer_params"] = sum(p.numel() for p in learner.mixer.parameters())
    for threads in (2, 1):
        out["blas"] = qmix.set_threads(threads)
        suffix = "" if threads == 2 else "_1thread"
        for name, learner in learners.items():
            runs = 1 if quick else {"mad2rl": 10, "pqmix": 40}[name]
            out[f"{name}_update{suffix}_ms"] = median_ms(
                lambda: learner.update(buf, batch, rng), warmup, runs)
            out[f"{name}_decide_{threads}thread_ms"] = decide_ms(
                learner, buf, decide_warmup, 1 if quick else 200)
    # Phases, on one thread (still set).
    for name, learner in learners.items():
        runs = 1 if quick else {"mad2rl": 10, "pqmix": 40}[name]
        for _ in range(warmup):
            update_phases(learner, buf, batch, rng)
        times = np.array([update_phases(learner, buf, batch, rng) for _ in range(runs)])
        for k, phase in enumerate(PHASES):
            out[f"{name}_1thread_{phase}_ms"] = float(np.median(times[:, k]))
    if "openblas" not in out["blas"]:
        print(f"torch_side.py: PyTorch calls BLAS {out['blas']}, not OpenBLAS: its figures are "
              "slower than they should be (apt install libopenblas0-pthread)", file=sys.stderr)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
