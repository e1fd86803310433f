b = rand(5, seed=2) * 4 - 2
y = rfft(b[0:1])
