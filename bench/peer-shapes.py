#!/usr/bin/env python3
"""The PyTorch peer's inference on a list of [B, L] batch shapes (a task's texts batched as our bench batches them),
in one process: imports the peer's electra_ref.py unchanged and runs its `bench --inference` once per shape, then
prints one JSON line in the shape of the peer's own (tokens_per_s counts padded tokens, as the peer's does).

usage: peer-shapes.py PEER_DIR --config FILE.json --shapes 32x45,32x47,... --order sorted [--threads N] [--warmup N] [--steps N]
"""
import argparse, contextlib, io, json, os, sys

p = argparse.ArgumentParser()
p.add_argument("peer_dir")
p.add_argument("--config", required=True)
p.add_argument("--shapes", required=True)
p.add_argument("--order", required=True)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--warmup", type=int, default=1)
p.add_argument("--steps", type=int, default=2)
args = p.parse_args()
sys.argv = [sys.argv[0], "--threads", str(args.threads)]  # electra_ref sets its thread pools from argv when imported
sys.path.insert(0, args.peer_dir)
import electra_ref  # noqa: E402

shapes = [tuple(int(x) for x in s.split("x")) for s in args.shapes.split(",")]
runs = []
for batch, seq in shapes:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        electra_ref.cmd_bench(argparse.Namespace(config=args.config, gen_frac=None, seed=0, batch=batch, seq=seq, steps=args.steps,
                                                 warmup=args.warmup, threads=args.threads, inference=True))
    runs.append(json.loads(out.getvalue().strip().splitlines()[-1]))
seconds = sum(r["sec_per_step"] for r in runs)  # one pass over every batch
padded = sum(b * l for b, l in shapes)
print(json.dumps(dict(mode="inference", config=args.config, shapes=args.shapes, order=args.order, batches=len(shapes), steps=args.steps,
                      threads=runs[0]["threads"], torch=runs[0]["torch"], blas=runs[0]["blas"], sec_per_pass=round(seconds, 4),
                      tokens_per_s=round(padded / seconds, 1), texts_per_s=round(sum(b for b, _ in shapes) / seconds, 2),
                      peak_rss_mb=max(r["peak_rss_mb"] for r in runs),
                      cpu_util=round(sum(r["cpu_util"] * r["sec_per_step"] for r in runs) / seconds, 2),
                      loadavg_1m=[runs[0]["loadavg_1m"][0], runs[-1]["loadavg_1m"][1]])))
