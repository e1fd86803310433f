# Element-wise work on arrays that are already in memory (outputs of library calls): on the
# GPU, each thread loads all its points' inputs before computing any of them.
a = sort(rand(1000, seed=1))
b = cumsum(rand(1000, seed=2))
y = sin(a) * b + a * a / (1 + b)
print(y[0])
