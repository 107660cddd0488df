"""PyTorch CPU reference for bench/train/run.ts.

Trains the same network as Steward's tfjs MLP (Dense+ReLU hidden layers, inverted dropout,
sigmoid output through BCE-with-logits, Adam with Keras defaults, L2 on kernels) on the exact
feature matrix the TypeScript pipeline produced (written by run.ts as raw float32), so the only
difference measured is the training runtime. Prints one JSON line with samples/s.
"""
import argparse
import json
import time

import numpy as np
import torch


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--x", required=True)
    ap.add_argument("--y", required=True)
    ap.add_argument("--width", type=int, required=True)
    ap.add_argument("--hidden", default="64,32")
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--l2", type=float, default=1e-4)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x = torch.from_numpy(np.fromfile(args.x, dtype=np.float32).reshape(-1, args.width))
    y = torch.from_numpy(np.fromfile(args.y, dtype=np.float32))
    n = x.shape[0]

    layers: list[torch.nn.Module] = []
    fan_in = args.width
    kernels = []
    for units in [int(u) for u in args.hidden.split(",") if u]:
        lin = torch.nn.Linear(fan_in, units)
        kernels.append(lin.weight)
        layers += [lin, torch.nn.ReLU(), torch.nn.Dropout(args.dropout)]
        fan_in = units
    out = torch.nn.Linear(fan_in, 1)
    kernels.append(out.weight)
    model = torch.nn.Sequential(*layers, out)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.999), eps=1e-7)
    loss_fn = torch.nn.BCEWithLogitsLoss()

    epoch_times = []
    final_loss = float("nan")
    for _ in range(args.epochs):
        start = time.perf_counter()
        perm = torch.randperm(n)
        total = 0.0
        model.train()
        for i in range(0, n, args.batch):
            idx = perm[i : i + args.batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[idx]).squeeze(1), y[idx])
            if args.l2 > 0:
                loss = loss + args.l2 * sum((k * k).sum() for k in kernels)
            loss.backward()
            opt.step()
            total += loss.item() * idx.shape[0]
        epoch_times.append(time.perf_counter() - start)
        final_loss = total / n

    print(
        json.dumps(
            {
                "runtime": f"pytorch-cpu ({args.threads} thread{'s' if args.threads > 1 else ''})",
                "torch": torch.__version__,
                "rows": n,
                "epochs": args.epochs,
                "seconds": sum(epoch_times),
                "samplesPerSecond": n * args.epochs / sum(epoch_times),
                "bestEpochSamplesPerSecond": n / min(epoch_times),
                "finalLoss": final_loss,
            }
        )
    )


if __name__ == "__main__":
    main()
