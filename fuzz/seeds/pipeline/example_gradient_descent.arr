# Fit y = w*x + b by gradient descent, with the gradient written out by hand.
# Each loop iteration is evaluated at its end, so the loop does not grow the graph.

n = 200
x = linspace(-1, 1, n)
y = 3.0 * x - 0.5 + 0.05 * randn(n, seed=7)

fn loss(w, b) = mean((w * x + b - y) ** 2)

w = 0.0
b = 0.0
lr = 0.5
print("loss before:", loss(w, b))
for step in 0..200 {
    err = w * x + b - y
    w = w - lr * mean(2 * err * x)
    b = b - lr * mean(2 * err)
}
print("w =", w, " b =", b)
print("loss after:", loss(w, b))
