a = rand((4, 5), seed=1) * 4 - 2
x = a
for q in 0..3 { x = x * 0.5 + 1 }
y = x
