"""least-queue: a Python policy. On board while a CV's own queue is short; else its
whole DNN goes to the least-loaded node it can reach (the RSU's container of its DNN
type or an SV in V2V range).

It reads the engine's encoding only: the local state (54) is [own queue, RSU queue of
its DNN type, the S SV queues, own road position, the SV road positions] (GFLOP, m),
node 0 is the RSU and node s the s-th SV, and partition L + 1 means "all on board".

    deno task run scenarios/highway.yaml --python-policy examples/python/least_queue.py \\
        -p greedy --trust-plugins
"""

import numpy as np

ID = "least-queue"
DESCRIPTION = "On board while the queue is short, else all to the least-loaded node in range."
DEFAULTS = {"local_below_gflop": 20.0}


def decide(obs):
    J = obs.node_mask.shape[1]
    edge_queues = np.where(obs.node_mask, obs.local_state[:, 1 : 1 + J], np.inf)
    target = edge_queues.argmin(axis=1)
    on_board = obs.local_state[:, 0] < obs.info["params"]["local_below_gflop"]
    partition = np.where(on_board, obs.layers + 1, 1)
    return {"partition": partition, "target": target}
