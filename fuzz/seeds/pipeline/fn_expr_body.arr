a = rand((4, 5), seed=1) * 4 - 2
b = rand(5, seed=2) * 4 - 2
fn sq(x) = x * x + 1
y = sq(a) - sq(b)
