# The FFT of a real vector: the full complex spectrum, as np.fft.fft gives it.

f1k = rand(1_000, seed=1)
f1m = rand(1_000_000, seed=1)

bench "fft_1K" { y = fft(f1k) }
bench "fft_1M" { y = fft(f1m) }
