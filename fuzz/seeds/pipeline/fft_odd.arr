v7 = rand(7, seed=28) * 4 - 2
y = fft(v7)
