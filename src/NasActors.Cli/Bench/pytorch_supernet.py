"""PyTorch eager peer of NasActors' NAS-Bench-201 supernet training step, for `nas bench train`.

Mirrors src/NasActors.Torch/Supernets: same macro network, batch-statistics BatchNorm without affine in the
supernet, SGD + Nesterov + cosine + clip 5, gradients set to None between steps, the same path sequence.
Prints one line: `images_per_second=<x> ms_per_step=<y>`.
"""
import argparse
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
EDGES = [(1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2)]


def relu_conv_bn(c_in, c_out, kernel, stride):
    return nn.Sequential(nn.ReLU(), nn.Conv2d(c_in, c_out, kernel, stride, kernel // 2, bias=False),
                         nn.BatchNorm2d(c_out, affine=False, track_running_stats=False))


def make_op(name, channels):
    if name == "skip_connect":
        return nn.Identity()
    if name == "nor_conv_1x1":
        return relu_conv_bn(channels, channels, 1, 1)
    if name == "nor_conv_3x3":
        return relu_conv_bn(channels, channels, 3, 1)
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, 1, 1, count_include_pad=False)
    raise ValueError(name)


def live_edges(path):
    non_zero = [True, False, False, False]
    for to in range(1, 4):
        non_zero[to] = any(path[e] != 0 and non_zero[f] for e, (t, f) in enumerate(EDGES) if t == to)
    reaches = [False, False, False, True]
    for f in range(2, -1, -1):
        reaches[f] = any(path[e] != 0 and reaches[t] for e, (t, ff) in enumerate(EDGES) if ff == f)
    return [path[e] != 0 and non_zero[f] and reaches[t] for e, (t, f) in enumerate(EDGES)]


class Cell(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.ops = nn.ModuleDict({f"{e}_{name}": make_op(name, channels)
                                  for e in range(len(EDGES)) for name in OPS if name != "none"})

    def forward(self, x, path, live):
        nodes = [x, None, None, None]
        for to in range(1, 4):
            total = None
            for e, (t, f) in enumerate(EDGES):
                if t != to or not live[e]:
                    continue
                y = self.ops[f"{e}_{OPS[path[e]]}"](nodes[f])
                total = y if total is None else total + y
            nodes[to] = total
        return nodes[3] if nodes[3] is not None else torch.zeros_like(x)


class Reduction(nn.Module):
    def __init__(self, c_in, c_out):
        super().__init__()
        self.conv_a = relu_conv_bn(c_in, c_out, 3, 2)
        self.conv_b = relu_conv_bn(c_out, c_out, 3, 1)
        self.downsample = nn.Sequential(nn.AvgPool2d(2, 2), nn.Conv2d(c_in, c_out, 1, bias=False))

    def forward(self, x):
        return self.downsample(x) + self.conv_b(self.conv_a(x))


class Supernet(nn.Module):
    def __init__(self, channels, cells, in_channels, classes):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_channels, channels, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(channels, affine=False, track_running_stats=False))
        blocks = []
        c = channels
        for stage in range(3):
            if stage > 0:
                blocks.append(Reduction(c, 2 * c))
                c *= 2
            blocks.extend(Cell(c) for _ in range(cells))
        self.blocks = nn.ModuleList(blocks)
        self.head = nn.Sequential(nn.BatchNorm2d(c, affine=False, track_running_stats=False), nn.ReLU(),
                                  nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.classifier = nn.Linear(c, classes)

    def forward(self, x, path):
        live = live_edges(path)
        x = self.stem(x)
        for block in self.blocks:
            x = block(x, path, live) if isinstance(block, Cell) else block(x)
        return self.classifier(self.head(x))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--paths", required=True, help="file with one path per line: 6 op indices")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--channels", type=int, default=8)
    parser.add_argument("--cells", type=int, default=1)
    parser.add_argument("--image-size", type=int, default=16)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--device", default="cpu", help="cpu or cuda:N")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    paths = [[int(v) for v in line.split()] for line in open(args.paths) if line.strip()]
    device = torch.device(args.device)
    net = Supernet(args.channels, args.cells, 1, 10).to(device)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.025, momentum=0.9, weight_decay=5e-4, nesterov=True)
    images = torch.randn(4096, 1, args.image_size, args.image_size).to(device)
    labels = torch.randint(0, 10, (4096,)).to(device)
    generator = torch.Generator().manual_seed(args.seed)
    total = len(paths)
    net.train()
    started = None
    for step, path in enumerate(paths):
        if step == args.warmup:
            started = time.perf_counter()
        index = torch.randint(0, images.shape[0], (args.batch,), generator=generator).to(device)
        x, y = images.index_select(0, index), labels.index_select(0, index)
        lr = 0.001 + 0.5 * (0.025 - 0.001) * (1 + math.cos(math.pi * step / total))
        for group in optimizer.param_groups:
            group["lr"] = lr
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(net(x, path), y)
        loss.item()
        loss.backward()
        nn.utils.clip_grad_norm_([p for p in net.parameters() if p.grad is not None], 5.0)
        optimizer.step()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elapsed = time.perf_counter() - started
    timed = total - args.warmup
    print(f"images_per_second={timed * args.batch / elapsed:.1f} ms_per_step={1000 * elapsed / timed:.2f}", flush=True)


if __name__ == "__main__":
    main()
