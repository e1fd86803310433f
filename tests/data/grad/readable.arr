# Derivatives as `arr ir --grad` prints them.
fn loss(w, x) = sum((w * x) ** 2)
w = rand(5, seed=1)
x = rand(5, seed=2)
g = grad(loss)(w, x)
both = value_and_grad(loss, wrt=(w, x))(w, x)

fn h(t) = t ** 3 + sin(t)
d2 = grad(grad(h))(1.5)

fn fit(a, b) = mean((a * x + b - w) ** 2)
db = grad(fit, wrt=b)(2.0, 0.5)
