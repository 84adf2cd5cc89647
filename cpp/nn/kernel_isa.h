// FASTAC_KERNEL marks the functions that hold the arithmetic loops (the MLP's and the
// MinAtar CNN's passes, the shared optimizer's step, the gradient's norm). GCC and Clang
// compile each twice, for x86-64-v3 (AVX2: 8 floats a vector) and for the baseline
// x86-64 the library is built for (SSE2: 4 floats),
// and the dynamic loader picks one by the CPU it runs on (function multiversioning: an
// ifunc). `flatten` inlines what the function calls, so the helpers' loops are compiled
// for the same ISA. A build runs on any x86-64 and uses AVX2 where there is one.
//
// The two versions give the same results bit for bit: the core is built with
// -ffp-contract=off (no fused multiply-add, which rounds once where a multiply and an add
// round twice), and the loops' sums keep a fixed number of partial sums whatever the
// vector width. So a seeded run trains the same on any x86-64 (libtorch's own kernels,
// as the Nature CNN's, dispatch by CPU themselves). Measured: FMA
// would have made the MLP's passes 4-16 % faster (bench/README.md).
//
// Not under ThreadSanitizer: its runtime is not set up yet when the loader runs the
// resolver, and the process crashes; that build (make test-tsan) runs the baseline code.
#pragma once

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#if defined(__SANITIZE_THREAD__)
#define FASTAC_KERNEL_CLONES 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FASTAC_KERNEL_CLONES 0
#endif
#endif
#ifndef FASTAC_KERNEL_CLONES
#define FASTAC_KERNEL_CLONES 1
#endif
#else
#define FASTAC_KERNEL_CLONES 0
#endif

#if FASTAC_KERNEL_CLONES
#define FASTAC_KERNEL __attribute__((target_clones("arch=x86-64-v3", "default"), flatten))
#else
#define FASTAC_KERNEL
#endif
