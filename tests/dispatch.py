"""Print the NPY_DISABLE_CPU_FEATURES value that turns off NumPy's AVX-512 kernels here.

Empty when this machine (or this NumPy) dispatches none, so a caller runs the suite once.
Used by .ci/run; see the README's "Testing" section.
"""

from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

AVX512_TARGETS = ("X86_V4", "AVX512_SKX", "AVX512_CLX", "AVX512_CNL", "AVX512_ICL", "AVX512_SPR")

if __name__ == "__main__":
    print(" ".join(f for f in AVX512_TARGETS if f in __cpu_dispatch__ and __cpu_features__.get(f)))
