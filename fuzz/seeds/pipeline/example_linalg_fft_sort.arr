# Linear algebra, FFT and sorting.

a = [[1.0, 2.0], [3.0, 4.0]]
b = eye(2) * 2
print("a @ b =")
print(a @ b)
v = [1.0, -1.0]
print("a @ v =", a @ v)

# `@` batches over leading axes.
stack = reshape(arange(12.0), (3, 2, 2))
print("batched:")
print(stack @ a)

# FFT along the last axis.
n = 8
t = arange(n)
signal = cos(2 * pi * t / n) + 0.5 * sin(4 * pi * t / n)
spectrum = fft(signal)
print("|fft|  ", abs(spectrum))
print("rfft   ", rfft(signal))
print("roundtrip error:", max(abs(irfft(rfft(signal), n) - signal)))

# Sorting: NaN goes last, argsort is stable.
x = [3.0, nan, -1.0, 2.0, -1.0]
print("sort   ", sort(x))
print("argsort", argsort(x))
print("sort rows of", reshape([5, 1, 4, 2, 3, 0], (2, 3)))
print(sort(reshape([5, 1, 4, 2, 3, 0], (2, 3)), axis=1))
