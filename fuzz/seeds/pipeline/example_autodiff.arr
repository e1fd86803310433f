# Gradients are graphs too: `grad(f)` builds the derivative of `f` in primitives, so it is
# fused and compiled like any other expression, and can be differentiated again.

n = 200
x = linspace(-1, 1, n)
y = 3.0 * x - 0.5 + 0.05 * randn(n, seed=7)

fn loss(w, b) = mean((w * x + b - y) ** 2)
dw = grad(loss)              # with respect to the first parameter
db = grad(loss, wrt=b)

w = 0.0
b = 0.0
print("loss before:", loss(w, b))
for i in 0..200 {
    gw = dw(w, b)
    gb = db(w, b)
    w = w - 0.5 * gw
    b = b - 0.5 * gb
}
print("w =", w, " b =", b)
print("loss and both partial derivatives:", value_and_grad(loss, wrt=(w, b))(w, b))

# Higher order: the second derivative of x³ + sin x is 6x - sin x.
fn h(t) = t ** 3 + sin(t)
print("h''(1.5) =", grad(grad(h))(1.5), " 6x - sin x =", 6 * 1.5 - sin(1.5))
