a = rand((4, 5), seed=1) * 4 - 2
b = rand(5, seed=2) * 4 - 2
p = rand((4, 5), seed=4) * 2.9 + 0.1
y = sum(sin(a) * b + a * a / (1 + p), axis=0)
