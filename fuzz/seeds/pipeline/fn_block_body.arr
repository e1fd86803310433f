a = rand((4, 5), seed=1) * 4 - 2
c = rand((4, 1), seed=3) * 4 - 2
fn g(x, y) { d = x - y
sum(d * d, axis=-1) }
y = g(a, c)
