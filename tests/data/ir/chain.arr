# The fused-chain example: one expression, shared subexpressions appear once.
a = rand(1000, seed=1)
b = linspace(0, 1, 1000)
y = sin(a) * b + a * a / (1 + b)
print(sum(y))
