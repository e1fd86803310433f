a = 1 b = 2
f(x) g(y)
for i in 0..3 { x = 1 } y = 2
