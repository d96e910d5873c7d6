#!/usr/bin/env python3
"""PyTorch's time for one beta-VAE training step on the GPU: the anchor for apps/bench_kernels' "beta-VAE step" row.

The model is untangle's "conv" architecture (nn/architectures.cpp: disentanglement_lib's conv encoder and
deconv decoder for 64x64 images, 10 latents), Glorot-uniform weights and zero biases as nn/layers.cpp. One
step is: encode, reparameterise (z = mean + exp(log_variance / 2) eps, eps drawn on the GPU), decode to
logits, Bernoulli loss (sigmoid cross-entropy summed over the pixels, mean over the batch: our default
"sum" reduction) + beta * KL summed over the latents (mean over the batch), backward, Adam (lr 1e-4,
betas 0.9/0.999, eps 1e-8). float32 with TF32 off, cudnn.benchmark on; the batch (random 0/1 pixels) stays
on the GPU, so no data loading is timed, as in bench_kernels.

Modes: eager (foreach Adam, as a plain PyTorch training loop runs), graph (the whole step captured once as a
CUDA graph and replayed), compile (torch.compile of forward + loss; backward through AOTAutograd, Adam eager)
and compile-reduce-overhead (the same with CUDA graphs). Each prints the CUDA-event median of single steps
(synchronised, so it includes launch gaps) and the mean step of a block of consecutive steps timed with one
event pair (median over blocks; launch latency hides behind the GPU where it can), in microseconds. A mode
that fails prints "unavailable: <reason>" and the rest go on.
"""
import argparse
import gc
import math
import statistics
import time
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

from bench_torch_gpu import median_us  # the same single-call timing as the convolution script

LATENTS = 10
MODES = ("eager", "eager-fused", "graph", "compile", "compile-reduce-overhead")


class BetaVae(nn.Module):
    """nn/architectures.cpp ConvEncoder + DeconvDecoder; forward returns the training loss."""

    def __init__(self, channels, latents=LATENTS, beta=1.0):
        super().__init__()
        self.beta = beta
        self.encoder = nn.Sequential(
            nn.Conv2d(channels, 32, 4, 2, 1), nn.ReLU(),  # (B, 32, 32, 32)
            nn.Conv2d(32, 32, 4, 2, 1), nn.ReLU(),        # (B, 32, 16, 16)
            nn.Conv2d(32, 64, 2, 2, 0), nn.ReLU(),        # (B, 64, 8, 8)
            nn.Conv2d(64, 64, 2, 2, 0), nn.ReLU(),        # (B, 64, 4, 4)
            nn.Flatten(),                                 # (B, 1024)
            nn.Linear(1024, 256), nn.ReLU())              # (B, 256)
        self.mean_head = nn.Linear(256, latents)
        self.log_variance_head = nn.Linear(256, latents)
        self.decoder = nn.Sequential(
            nn.Linear(latents, 256), nn.ReLU(),
            nn.Linear(256, 1024), nn.ReLU(),
            nn.Unflatten(1, (64, 4, 4)),                              # (B, 64, 4, 4)
            nn.ConvTranspose2d(64, 64, 4, 2, 1), nn.ReLU(),           # (B, 64, 8, 8)
            nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU(),           # (B, 32, 16, 16)
            nn.ConvTranspose2d(32, 32, 4, 2, 1), nn.ReLU(),           # (B, 32, 32, 32)
            nn.ConvTranspose2d(32, channels, 4, 2, 1))                # (B, C, 64, 64) logits
        for module in self.modules():
            if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
                nn.init.xavier_uniform_(module.weight)  # Glorot: fan_in + fan_out as ours, transposed or not
                nn.init.zeros_(module.bias)

    def forward(self, x):
        h = self.encoder(x)
        mean, log_variance = self.mean_head(h), self.log_variance_head(h)
        z = mean + torch.exp(0.5 * log_variance) * torch.randn_like(mean)
        logits = self.decoder(z)
        batch = x.shape[0]
        reconstruction = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / batch
        kl = 0.5 * (torch.exp(log_variance) + mean * mean - 1.0 - log_variance).sum() / batch
        return reconstruction + self.beta * kl


def reason(error):
    text = str(error).strip().splitlines()
    return (f"{type(error).__name__}: {text[0] if text else ''}")[:300]


def block_mean_us(step, block, blocks):
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    means = []
    for _ in range(blocks):
        torch.cuda.synchronize()
        start.record()
        for _ in range(block):
            step()
        stop.record()
        stop.synchronize()
        means.append(1000.0 * start.elapsed_time(stop) / block)
    return statistics.median(means)


def adam_label(kwargs):
    name = "fused" if kwargs.get("fused") else "foreach" if kwargs.get("foreach") else "for-loop"
    return name + ("+capturable" if kwargs.get("capturable") else "")


def make_adam(model, variants):
    """The first Adam variant (keyword arguments) that constructs, and its label."""
    failures = []
    for kwargs in variants:
        try:
            return torch.optim.Adam(model.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-8,
                                    **kwargs), adam_label(kwargs)
        except Exception as error:  # noqa: BLE001 - try the next variant
            failures.append(f"adam={adam_label(kwargs)}: {reason(error)}")
    raise RuntimeError("; ".join(failures))


def new_model(channels, device):
    torch.manual_seed(0)  # every mode starts from the same weights
    return BetaVae(channels).to(device)


def build_eager(channels, x, variants):
    model = new_model(channels, x.device)
    opt, adam = make_adam(model, variants)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = model(x)
        loss.backward()
        opt.step()
        return loss
    return model, step, adam


def build_graph_with(channels, x, kwargs):
    # PyTorch's "whole network capture" recipe: warm up on a side stream (cuDNN's benchmark picks, Adam's
    # state), then capture forward + backward + step with static input; grads live in the graph's pool.
    model = new_model(channels, x.device)
    opt, adam = make_adam(model, [kwargs])
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(3):
            opt.zero_grad(set_to_none=True)
            loss = model(x)
            loss.backward()
            opt.step()
    torch.cuda.current_stream().wait_stream(side)
    torch.cuda.synchronize()
    graph = torch.cuda.CUDAGraph()
    opt.zero_grad(set_to_none=True)
    with torch.cuda.graph(graph):
        static_loss = model(x)
        static_loss.backward()
        opt.step()
    torch.cuda.synchronize()

    def step():
        graph.replay()
        return static_loss
    return model, step, adam


def build_graph(channels, x, variants):
    """Whole build per Adam variant: a fused step that will not capture falls back to foreach."""
    failures = []
    for kwargs in variants:
        try:
            return build_graph_with(channels, x, kwargs)
        except Exception as error:  # noqa: BLE001 - try the next variant
            failures.append(f"adam={adam_label(kwargs)}: {reason(error)}")
            release()
    raise RuntimeError("; ".join(failures))


def build_compile(channels, x, variants, reduce_overhead):
    torch._dynamo.reset()
    model = new_model(channels, x.device)
    opt, adam = make_adam(model, variants)
    compiled = torch.compile(model, mode="reduce-overhead" if reduce_overhead else None, dynamic=False)
    mark = getattr(torch.compiler, "cudagraph_mark_step_begin", None) if reduce_overhead else None

    def step():
        if mark is not None:
            mark()  # the previous step's graph outputs (loss, grads) are dead: reuse their memory
        opt.zero_grad(set_to_none=True)
        loss = compiled(x)
        loss.backward()
        opt.step()
        return loss
    for _ in range(3):  # compile forward and backward; reduce-overhead warms up, then records its graphs
        step()
    torch.cuda.synchronize()
    return model, step, adam


def build(mode, channels, x):
    """Returns (model, step, adam label); raises when the mode cannot run."""
    fused, foreach = dict(fused=True), dict(foreach=True)
    if mode == "eager":
        return build_eager(channels, x, [foreach])
    if mode == "eager-fused":
        return build_eager(channels, x, [fused, foreach])
    if mode == "graph":
        # capture needs capturable=True (Optimizer._cuda_graph_capture_health_check), fused or not
        return build_graph(channels, x, [dict(fused=True, capturable=True), dict(foreach=True, capturable=True)])
    if mode in ("compile", "compile-reduce-overhead"):
        return build_compile(channels, x, [fused, foreach], mode == "compile-reduce-overhead")
    raise ValueError(f"unknown mode '{mode}' (known: {', '.join(MODES)})")


def sanity_step(model, step):
    """One step: the loss must be finite and the first weight must move."""
    weight = next(model.parameters())
    before = weight.detach().clone()
    loss = step()
    torch.cuda.synchronize()
    value = float(loss.detach().item())
    if not math.isfinite(value):
        raise RuntimeError(f"non-finite loss {value}")
    if torch.equal(before, weight.detach()):
        raise RuntimeError("the step did not update the weights")
    return value


def release():
    gc.collect()
    try:
        torch.cuda.synchronize()
        torch.cuda.empty_cache()
    except Exception:  # noqa: BLE001
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", default="64,256")
    parser.add_argument("--channels", default="1", help="image channels, comma-separated (1 or 3)")
    parser.add_argument("--warmup", type=int, default=20, help="steps before the median timing")
    parser.add_argument("--repeats", type=int, default=100, help="single steps timed for the median")
    parser.add_argument("--block", type=int, default=200, help="consecutive steps per block timing")
    parser.add_argument("--blocks", type=int, default=3, help="blocks timed; their median mean is printed")
    parser.add_argument("--modes", default="eager,graph,compile,compile-reduce-overhead",
                        help=f"comma-separated, from: {', '.join(MODES)}")
    parser.add_argument("--budget", type=float, default=150.0,
                        help="seconds for the whole run: a compile mode is not started when fewer remain than "
                             "the longest compile so far took (at least --compile-reserve)")
    parser.add_argument("--compile-reserve", type=float, default=30.0)
    args = parser.parse_args()
    began = time.monotonic()
    warnings.filterwarnings("ignore", message=".*capturable=True.*")

    if not torch.cuda.is_available():
        raise SystemExit("bench_torch_step: no CUDA device visible to PyTorch")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = True
    device = torch.device("cuda")
    print(f"header torch={torch.__version__} cuda={torch.version.cuda} cudnn={torch.backends.cudnn.version()} "
          f"gpu=\"{torch.cuda.get_device_name(0)}\" float32 tf32=off cudnn_benchmark=on latents={LATENTS} "
          f"warmup={args.warmup} repeats={args.repeats} block={args.block} blocks={args.blocks}", flush=True)

    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    longest_compile = args.compile_reserve  # seconds a compile mode is expected to need
    for batch in [int(b) for b in args.batches.split(",")]:
        for channels in [int(c) for c in args.channels.split(",")]:
            generator = torch.Generator(device=device).manual_seed(1)
            x = (torch.rand(batch, channels, 64, 64, device=device, generator=generator) < 0.5).float()
            try:
                with torch.no_grad():
                    initial = float(new_model(channels, device)(x).item())
                print(f"loss batch={batch} channels={channels} initial={initial:.3f}", flush=True)
            except Exception as error:  # noqa: BLE001
                print(f"loss batch={batch} channels={channels} unavailable: {reason(error)}", flush=True)
            release()
            for mode in modes:
                label = f"step batch={batch} channels={channels} mode={mode}"
                if mode.startswith("compile") and time.monotonic() - began + longest_compile > args.budget:
                    print(f"{label} unavailable: time budget ({args.budget:.0f} s) too short for another "
                          f"compile (~{longest_compile:.0f} s)", flush=True)
                    continue
                model = step = None
                try:
                    setup_began = time.monotonic()
                    model, step, adam = build(mode, channels, x)
                    setup_s = time.monotonic() - setup_began
                    if mode.startswith("compile"):
                        longest_compile = max(longest_compile, setup_s)
                    loss = sanity_step(model, step)
                    median = median_us(step, args.warmup, args.repeats)
                    block = block_mean_us(step, args.block, args.blocks)
                    print(f"{label} median_us={median:.1f} block_mean_us={block:.1f} adam={adam} "
                          f"setup_s={setup_s:.1f} check_loss={loss:.3f}", flush=True)
                except Exception as error:  # noqa: BLE001 - report and go on
                    print(f"{label} unavailable: {reason(error)}", flush=True)
                del model, step
                release()
    print(f"total_s={time.monotonic() - began:.1f}", flush=True)


if __name__ == "__main__":
    main()
