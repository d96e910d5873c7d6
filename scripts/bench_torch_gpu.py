#!/usr/bin/env python3
"""PyTorch's timings for the convolution passes that apps/bench_kernels times, on the same GPU.

Each reference layer (batch 64 and 256, 1 and 3 image channels) is timed as three calls: F.conv2d
(forward), torch.nn.grad.conv2d_input (backward-data) and torch.nn.grad.conv2d_weight (backward-weight),
in float32 with TF32 off (as our kernels and bench_kernels' cuDNN column) and cudnn.benchmark on (PyTorch
picks the fastest cuDNN algorithm per shape). Times are CUDA-event medians after warm-up, in microseconds.
A transposed layer is listed as the convolution it is the adjoint of (its forward = that conv's
backward-data). The whole beta-VAE training step is timed by scripts/bench_torch_step.py.
"""
import argparse
import statistics

import torch
import torch.nn.functional as F


def median_us(work, warmup, repeats):
    for _ in range(warmup):
        work()
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    times = []
    for _ in range(repeats):
        start.record()
        work()
        stop.record()
        stop.synchronize()
        times.append(1000.0 * start.elapsed_time(stop))
    return statistics.median(times)


def layers(channels):
    # (name, in_channels, size, out_channels, kernel, stride, padding): the same list as bench_kernels.
    c = channels
    return [
        (f"Burgess enc1 {c}->32 k4s2p1 64", c, 64, 32, 4, 2, 1),
        ("Burgess enc2 32->32 k4s2p1 32", 32, 32, 32, 4, 2, 1),
        ("Burgess enc3 32->64 k4s2p1 16", 32, 16, 64, 4, 2, 1),
        ("Burgess enc4 64->64 k4s2p1 8", 64, 8, 64, 4, 2, 1),
        (f"conv64 enc1 {c}->32 k4s2p2 64", c, 64, 32, 4, 2, 2),
        ("conv64 enc2 32->32 k4s2p2 33", 32, 33, 32, 4, 2, 2),
        ("conv64 enc3 32->64 k4s2p2 17", 32, 17, 64, 4, 2, 2),
        ("conv64 enc4 64->64 k4s2p2 9", 64, 9, 64, 4, 2, 2),
        ("dlib enc3 32->64 k2s2p0 16", 32, 16, 64, 2, 2, 0),
        ("dlib enc4 64->64 k2s2p0 8", 64, 8, 64, 2, 2, 0),
        ("ConvT dec1 64->64 k4s2p1 4 (as conv)", 64, 8, 64, 4, 2, 1),
        ("ConvT dec2 64->32 k4s2p1 8 (as conv)", 32, 16, 64, 4, 2, 1),
        ("ConvT dec3 32->32 k4s2p1 16 (as conv)", 32, 32, 32, 4, 2, 1),
        (f"ConvT dec4 32->{c} k4s2p1 32 (as conv)", c, 64, 32, 4, 2, 1),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", default="64,256")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = True
    device = torch.device("cuda")
    print(f"torch {torch.__version__}, cuDNN {torch.backends.cudnn.version()}, {torch.cuda.get_device_name(0)}; "
          f"float32, TF32 off; median of {args.repeats} (us)")
    generator = torch.Generator(device=device).manual_seed(0)
    for batch in [int(b) for b in args.batches.split(",")]:
        for channels in (1, 3):
            print(f"\nbatch {batch}, {channels} image channel(s)")
            print(f"{'layer (conv geometry)':40s} {'forward':>9s} {'back-data':>10s} {'back-weight':>12s}")
            for name, c, size, o, k, s, p in layers(channels):
                if channels == 3 and c != 3:
                    continue  # only the layers that see the image channels differ
                x = torch.rand(batch, c, size, size, device=device, generator=generator) * 2 - 1
                w = torch.rand(o, c, k, k, device=device, generator=generator) * 2 - 1
                y = F.conv2d(x, w, stride=s, padding=p)
                dy = torch.rand(y.shape, device=device, generator=generator) * 2 - 1
                forward = median_us(lambda: F.conv2d(x, w, stride=s, padding=p), args.warmup, args.repeats)
                data = median_us(lambda: torch.nn.grad.conv2d_input(x.shape, w, dy, stride=s, padding=p),
                                 args.warmup, args.repeats)
                weight = median_us(lambda: torch.nn.grad.conv2d_weight(x, w.shape, dy, stride=s, padding=p),
                                   args.warmup, args.repeats)
                print(f"{name:40s} {forward:9.1f} {data:10.1f} {weight:12.1f}")
    print("\ntorch beta-VAE training step: not timed (untangle has no CUDA training step to compare yet)")


if __name__ == "__main__":
    main()
