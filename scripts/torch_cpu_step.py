#!/usr/bin/python3
"""PyTorch's time for one beta-VAE training step on the CPU: the baseline for `bench_cpu --step`.

The step is the one apps/bench_cpu.cpp times, written here in PyTorch: encode, sample
z = mean + exp(log_variance / 2) * eps, decode to Bernoulli logits, loss = BCE-with-logits summed over the
pixels and averaged over the batch + KL(q(z|x) || N(0, I)) summed over the latents and averaged over the
batch (beta 1), backward, Adam (lr 1e-4, betas 0.9 / 0.999, eps 1e-8). The batch is random 0/1 images of
64x64xC, drawn once, so no data loading is timed. Weights are initialised as untangle's (nn/init.cpp:
Glorot uniform for dislib, Xavier normal for burgess; zero biases), which does not change the cost.

Architectures (--arch), as nn/architectures.h builds them:
  dislib   disentanglement_lib's conv_encoder / deconv_decoder (methods/shared/architectures.py)
  burgess  disent's vae_conv64 encoder (disent/model/ae/_vae_conv64.py; nn/architecture_burgess.cpp) with
           the same deconv decoder, which is what untangle's "burgess" pairs it with
           (nn/architecture_registry.cpp).

Run it with Debian's /usr/bin/python3 (apt-get install -y python3-torch python3-threadpoolctl). It prints
the PyTorch version, its BLAS / oneDNN build, the OpenBLAS kernel it runs (threadpoolctl) and, last,
`torch_step_ms X`: the median milliseconds per step. scripts/compare_cpu_step.sh alternates it with
bench_cpu.
"""
import argparse
import os
import statistics
import sys
import time

LATENTS = 10


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", choices=("dislib", "burgess"), default="dislib",
                        help="network architecture (default dislib)")
    parser.add_argument("--channels", type=int, choices=(1, 3), default=1, help="image channels (default 1)")
    parser.add_argument("--batch", type=int, default=64, help="batch size (default 64)")
    parser.add_argument("--threads", type=int, default=2,
                        help="CPU threads for PyTorch and its BLAS (default 2)")
    parser.add_argument("--steps", type=int, default=30, help="timed steps (default 30)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps first (default 5)")
    arguments = parser.parse_args()
    if arguments.batch < 1 or arguments.steps < 1 or arguments.warmup < 0 or arguments.threads < 1:
        parser.error("--batch, --steps and --threads must be positive, --warmup not negative")
    return arguments


arguments = parse_arguments()
# OpenBLAS (pthreads build) reads its thread count once, when it is loaded: set it before torch loads it.
os.environ["OPENBLAS_NUM_THREADS"] = str(arguments.threads)
os.environ["OMP_NUM_THREADS"] = str(arguments.threads)
try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as error:
    sys.exit(f"torch_cpu_step.py: {sys.executable} cannot import torch ({error}); run it with Debian's "
             "/usr/bin/python3 after: apt-get install -y python3-torch python3-threadpoolctl")


def dislib_encoder(channels):
    """conv_encoder: four convs (TF SAME padding on even sizes = p1 for k4 s2, p0 for k2 s2), dense 256."""
    return nn.Sequential(
        nn.Conv2d(channels, 32, 4, 2, 1), nn.ReLU(),  # (B, 32, 32, 32)
        nn.Conv2d(32, 32, 4, 2, 1), nn.ReLU(),        # (B, 32, 16, 16)
        nn.Conv2d(32, 64, 2, 2, 0), nn.ReLU(),        # (B, 64, 8, 8)
        nn.Conv2d(64, 64, 2, 2, 0), nn.ReLU(),        # (B, 64, 4, 4)
        nn.Flatten(), nn.Linear(1024, 256), nn.ReLU())


def burgess_encoder(channels):
    """vae_conv64's encoder: four k4 s2 p2 convs (64 -> 33 -> 17 -> 9 -> 5), dense 256."""
    return nn.Sequential(
        nn.Conv2d(channels, 32, 4, 2, 2), nn.ReLU(),  # (B, 32, 33, 33)
        nn.Conv2d(32, 32, 4, 2, 2), nn.ReLU(),        # (B, 32, 17, 17)
        nn.Conv2d(32, 64, 4, 2, 2), nn.ReLU(),        # (B, 64, 9, 9)
        nn.Conv2d(64, 64, 4, 2, 2), nn.ReLU(),        # (B, 64, 5, 5)
        nn.Flatten(), nn.Linear(1600, 256), nn.ReLU())


def deconv_decoder(channels):
    """deconv_decoder, shared by both architectures: dense 256, 1024, reshape, four k4 s2 p1 deconvs."""
    return nn.Sequential(
        nn.Linear(LATENTS, 256), nn.ReLU(),
        nn.Linear(256, 1024), nn.ReLU(),
        nn.Unflatten(1, (64, 4, 4)),
        nn.ConvTranspose2d(64, 64, 4, 2, 1), nn.ReLU(),  # (B, 64, 8, 8)
        nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU(),  # (B, 32, 16, 16)
        nn.ConvTranspose2d(32, 32, 4, 2, 1), nn.ReLU(),  # (B, 32, 32, 32)
        nn.ConvTranspose2d(32, channels, 4, 2, 1))       # (B, C, 64, 64) logits


class BetaVae(nn.Module):
    """Encoder trunk, Gaussian code heads, decoder; forward returns the training loss."""

    def __init__(self, arch, channels):
        super().__init__()
        self.arch = arch
        if arch == "dislib":  # two heads: mean and log-variance
            self.encoder = dislib_encoder(channels)
            self.mean_head = nn.Linear(256, LATENTS)
            self.log_variance_head = nn.Linear(256, LATENTS)
        else:  # one head 2D wide, split into mean | log-variance
            self.encoder = burgess_encoder(channels)
            self.code_head = nn.Linear(256, 2 * LATENTS)
        self.decoder = deconv_decoder(channels)
        initialise = nn.init.xavier_uniform_ if arch == "dislib" else nn.init.xavier_normal_
        for module in self.modules():
            if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
                initialise(module.weight)
                nn.init.zeros_(module.bias)

    def encode(self, x):
        h = self.encoder(x)
        if self.arch == "dislib":
            return self.mean_head(h), self.log_variance_head(h)
        code = self.code_head(h)
        return code[:, :LATENTS], code[:, LATENTS:]

    def forward(self, x):
        mean, log_variance = self.encode(x)
        z = mean + torch.exp(0.5 * log_variance) * torch.randn_like(mean)
        logits = self.decoder(z)
        batch = x.shape[0]
        reconstruction = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / batch
        kl = 0.5 * (mean.square() + log_variance.exp() - 1 - log_variance).sum(dim=1).mean()
        return reconstruction + kl


def print_build_info(threads):
    """What the baseline ran with: PyTorch's version and build, and the BLAS kernel actually loaded."""
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads (asked {threads}), "
          f"oneDNN (mkldnn) available: {torch.backends.mkldnn.is_available()}")
    for line in torch.__config__.show().splitlines():
        line = line.strip()
        if "MKL-DNN" in line or "oneDNN" in line or "CPU capability" in line:
            print("  " + line)
        if line.startswith("- Build settings:"):
            settings = [s.strip() for s in line.split(":", 1)[1].split(",")]
            wanted = ("BLAS_INFO", "USE_MKLDNN", "USE_OPENMP")
            print("  " + ", ".join(s for s in settings if s.startswith(wanted)))
    try:
        import threadpoolctl
    except ImportError:
        print("threadpoolctl missing: the OpenBLAS kernel in use is not known "
              "(apt-get install -y python3-threadpoolctl)")
        return
    pools = threadpoolctl.threadpool_info()
    for pool in pools:
        kernel = f" kernel {pool['architecture']}" if pool.get("architecture") else ""
        version = f" {pool['version']}" if pool.get("version") else ""
        print(f"  {pool.get('internal_api')}{version}{kernel} threads {pool.get('num_threads')} "
              f"({pool.get('filepath')})")
    if not any(pool.get("internal_api") == "openblas" for pool in pools):
        print("  no OpenBLAS loaded (threadpoolctl found none)")
    for variable in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if variable in os.environ:
            print(f"  note: {variable}={os.environ[variable]} is set: OpenBLAS may not run its own kernel "
                  "for this CPU (scripts/compare_cpu_step.sh removes it)")


def time_steps(model, optimizer, x, steps, warmup):
    """Milliseconds of each timed step (forward, backward, Adam), after `warmup` untimed ones."""
    times = []
    for i in range(warmup + steps):
        start = time.perf_counter()
        loss = model(x)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if i >= warmup:
            times.append((time.perf_counter() - start) * 1e3)
    return times, loss.item()


def main():
    torch.set_num_threads(arguments.threads)
    torch.manual_seed(0)
    print_build_info(arguments.threads)
    model = BetaVae(arguments.arch, arguments.channels)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-8)
    x = (torch.rand(arguments.batch, arguments.channels, 64, 64) > 0.5).float()
    times, loss = time_steps(model, optimizer, x, arguments.steps, arguments.warmup)
    median = statistics.median(times)
    print(f"PyTorch beta-VAE step, arch {arguments.arch}, C={arguments.channels}, batch {arguments.batch}, "
          f"{arguments.threads} threads: median {median:.2f} ms (min {min(times):.2f}, "
          f"max {max(times):.2f}), {arguments.batch * 1e3 / median:.0f} images/s, final loss {loss:.1f}")
    print(f"torch_step_ms {median:.3f}")


if __name__ == "__main__":
    main()
