# Work on arrays that are already in memory (outputs of library calls). On the GPU each thread
# loads the inputs of several points before computing them: element-wise kernels, and the
# loops of reductions over rows and over everything (which fold in the same order as one
# point at a time).
a = sort(rand(1000, seed=1))
b = cumsum(rand(1000, seed=2))
y = sin(a) * b + a * a / (1 + b)
print(y[0])
m = reshape(a, (10, 100))
print(sum(exp(m - max(m, axis=1, keepdims=true)), axis=1))
print(sum(a * b))
