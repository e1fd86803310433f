v = rand(8, seed=27) * 4 - 2
y = rfft(v)
