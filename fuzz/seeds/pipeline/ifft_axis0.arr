a = rand((4, 5), seed=1) * 4 - 2
y = ifft(a * 1j, axis=0)
