#!/usr/bin/env python3
"""A plain-Python model of the index arithmetic in kernels/cuda/conv2d.cu and box_blur.cu.

The CUDA kernels were written on a machine without a GPU. This script re-states their index formulas
(the implicit-GEMM loaders and stores of the three convolution passes, the split-K of the weight gradient,
the stride-phase split of the data gradient, and the FFT padding of the box blur) in Python and checks them
against direct loops on small random shapes, so a wrong index shows up without a device. It checks the
formulas, not the CUDA code's shared-memory mechanics: tests/gpu does that on a GPU.
Usage: python3 scripts/model_cuda_index_math.py   (no dependencies; prints the worst error per case)
"""
import random


def direct(N, C, H, W, O, kh, kw, s, p, x, w, dy):
    Ho, Wo = (H + 2 * p - kh) // s + 1, (W + 2 * p - kw) // s + 1
    y, dx, dw = [0.0] * (N * O * Ho * Wo), [0.0] * (N * C * H * W), [0.0] * (O * C * kh * kw)
    for n in range(N):
        for o in range(O):
            for oy in range(Ho):
                for ox in range(Wo):
                    for c in range(C):
                        for ky in range(kh):
                            for kx in range(kw):
                                iy, ix = oy * s - p + ky, ox * s - p + kx
                                if iy < 0 or iy >= H or ix < 0 or ix >= W:
                                    continue
                                xi = ((n * C + c) * H + iy) * W + ix
                                wi = ((o * C + c) * kh + ky) * kw + kx
                                yi = ((n * O + o) * Ho + oy) * Wo + ox
                                y[yi] += x[xi] * w[wi]
                                dx[xi] += dy[yi] * w[wi]
                                dw[wi] += x[xi] * dy[yi]
    return y, dx, dw


def gemm(M, N, K, splits, chunk, load_a, load_b, store):
    """C = A B as implicit_gemm computes it: chunk z of K for every (m, n) in range."""
    for z in range(splits):
        k_begin, k_end = z * chunk, min(K, z * chunk + chunk)
        for m in range(M):
            for n in range(N):
                store(z, m, n, sum(load_a(m, k) * load_b(k, n) for k in range(k_begin, k_end)))


def check_conv(N, C, H, W, O, kh, kw, s, p):
    Ho, Wo = (H + 2 * p - kh) // s + 1, (W + 2 * p - kw) // s + 1
    x = [random.uniform(-1, 1) for _ in range(N * C * H * W)]
    w = [random.uniform(-1, 1) for _ in range(O * C * kh * kw)]
    dy = [random.uniform(-1, 1) for _ in range(N * O * Ho * Wo)]
    y_ref, dx_ref, dw_ref = direct(N, C, H, W, O, kh, kw, s, p, x, w, dy)
    taps, plane = C * kh * kw, Ho * Wo

    def im2col(tap, pixel):  # Im2col
        kx, ky, c = tap % kw, (tap // kw) % kh, tap // (kw * kh)
        ox, oy, n = pixel % Wo, (pixel // Wo) % Ho, pixel // (Wo * Ho)
        iy, ix = oy * s - p + ky, ox * s - p + kx
        return 0.0 if iy < 0 or iy >= H or ix < 0 or ix >= W else x[((n * C + c) * H + iy) * W + ix]

    # forward: WeightRows x Im2col -> StoreOutput
    y = [None] * len(y_ref)

    def store_y(z, o, pixel, v):
        y[((pixel // plane) * O + o) * plane + pixel % plane] = v

    gemm(O, N * plane, taps, 1, taps, lambda o, tap: w[o * taps + tap], im2col, store_y)

    # backward data, gather version: WeightPerInputChannel x GatheredOutputGrad -> StoreInputGrad
    dx_gather = [None] * len(dx_ref)

    def weight_per_input(c, k):
        return w[((k // (kh * kw)) * C + c) * kh * kw + k % (kh * kw)]

    def gathered(k, inp):
        o, ky, kx = k // (kh * kw), (k % (kh * kw)) // kw, k % kw
        ix, iy, n = inp % W, (inp // W) % H, inp // (W * H)
        sy, sx = iy + p - ky, ix + p - kx
        if sy < 0 or sx < 0 or sy % s or sx % s:
            return 0.0
        oy, ox = sy // s, sx // s
        return 0.0 if oy >= Ho or ox >= Wo else dy[((n * O + o) * Ho + oy) * Wo + ox]

    def store_dx(z, c, inp, v):
        dx_gather[((inp // (H * W)) * C + c) * H * W + inp % (H * W)] = v

    gemm(C, N * H * W, O * kh * kw, 1, O * kh * kw, weight_per_input, gathered, store_dx)

    # backward data by stride phase: PhaseWeights x PhaseOutputGrad -> StorePhaseInputGrad
    dx_phase = [None] * len(dx_ref)
    for ry in range(s):
        for rx in range(s):
            iy0, ix0 = (ry - p) % s, (rx - p) % s
            rows = (H - iy0 + s - 1) // s if iy0 < H else 0
            cols = (W - ix0 + s - 1) // s if ix0 < W else 0
            taps_y = (kh - ry + s - 1) // s if ry < kh else 0
            taps_x = (kw - rx + s - 1) // s if rx < kw else 0
            cy, cx = (iy0 + p - ry) // s, (ix0 + p - rx) // s
            if rows == 0 or cols == 0:
                continue

            def phase_weights(c, k):
                tx, ty, o = k % taps_x, (k // taps_x) % taps_y, k // (taps_x * taps_y)
                return w[((o * C + c) * kh + ry + s * ty) * kw + rx + s * tx]

            def phase_grad(k, inp):
                tx, ty, o = k % taps_x, (k // taps_x) % taps_y, k // (taps_x * taps_y)
                b, a, n = inp % cols, (inp // cols) % rows, inp // (cols * rows)
                oy, ox = a + cy - ty, b + cx - tx
                return dy[((n * O + o) * Ho + oy) * Wo + ox] if 0 <= oy < Ho and 0 <= ox < Wo else 0.0

            def store_phase(z, c, inp, v):
                b, a, n = inp % cols, (inp // cols) % rows, inp // (cols * rows)
                dx_phase[((n * C + c) * H + iy0 + s * a) * W + ix0 + s * b] = v

            K = O * taps_y * taps_x
            gemm(C, N * rows * cols, K, 1, max(K, 1), phase_weights, phase_grad, store_phase)

    # backward weight: OutputGradRows x Im2colTransposed, split-K as weight_grad_split, then the slice sum
    M, Nn, Kw = O, taps, N * plane
    row_tile = 16 if M <= 16 else (32 if M <= 32 else 64)
    tiles = ((M + row_tile - 1) // row_tile) * ((Nn + 63) // 64)
    splits = max(1, min((512 + tiles - 1) // tiles, (Kw + 255) // 256))
    chunk = ((Kw + splits - 1) // splits + 15) // 16 * 16
    splits = (Kw + chunk - 1) // chunk
    workspace = [None] * (splits * M * Nn)

    def store_partial(z, o, tap, v):
        workspace[z * M * Nn + o * Nn + tap] = v

    gemm(M, Nn, Kw, splits, chunk, lambda o, pixel: dy[((pixel // plane) * O + o) * plane + pixel % plane],
         lambda pixel, tap: im2col(tap, pixel), store_partial)
    dw = [sum(workspace[z * M * Nn + i] for z in range(splits)) for i in range(M * Nn)]

    def error(a, b):
        assert None not in a, "an output element was never written"
        return max(abs(u - v) for u, v in zip(a, b))

    errors = [error(y, y_ref), error(dx_gather, dx_ref), error(dx_phase, dx_ref), error(dw, dw_ref)]
    print(f"conv {(N, C, H, W, O, kh, kw, s, p)} splits {splits}: forward {errors[0]:.1e}, data (gather) "
          f"{errors[1]:.1e}, data (phase) {errors[2]:.1e}, weight {errors[3]:.1e}")
    return max(errors)


def fast_fft_size(n):
    while True:
        m = n
        for q in (2, 3, 5, 7):
            while m % q == 0:
                m //= q
        if m == 1:
            return n
        n += 1


def check_blur_padding():
    """1-D version of BoxBlurFft: circular convolution at P >= max(H + r, 2r + 1), box centred at 0."""
    worst = 0.0
    for H in (1, 2, 5, 8, 17, 64):
        for r in (0, 1, 2, 4, 31):
            P = fast_fft_size(max(H + r, 2 * r + 1))
            x = [random.random() for _ in range(H)] + [0.0] * (P - H)
            box = [0.0] * P
            for d in range(-r, r + 1):
                box[d % P] += 1.0
            assert max(box) == 1.0, "wrapped box offsets overlap"
            y = [sum(x[j] * box[(i - j) % P] for j in range(P)) for i in range(H)]
            ref = [sum(x[max(0, i - r):min(H, i + r + 1)]) for i in range(H)]
            worst = max(worst, max(abs(a - b) for a, b in zip(y, ref)))
    print(f"box blur padding: worst error {worst:.1e}")
    return worst


def main():
    random.seed(1)
    shapes = [(2, 3, 7, 7, 5, 3, 3, 2, 1), (2, 2, 8, 8, 3, 4, 4, 2, 1), (1, 2, 9, 9, 2, 4, 4, 2, 2),
              (3, 1, 6, 10, 4, 2, 2, 2, 0), (2, 2, 11, 7, 3, 5, 3, 1, 2), (2, 3, 10, 10, 4, 3, 3, 3, 0),
              (2, 3, 10, 10, 4, 2, 2, 3, 0), (1, 2, 7, 9, 3, 2, 3, 3, 1), (20, 2, 16, 16, 3, 4, 4, 2, 1)]
    worst = max(max(check_conv(*shape) for shape in shapes), check_blur_padding())
    print("OK" if worst < 1e-9 else "MISMATCH", f"(worst {worst:.1e})")
    return 0 if worst < 1e-9 else 1


if __name__ == "__main__":
    raise SystemExit(main())
