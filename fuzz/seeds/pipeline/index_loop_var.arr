b = rand(5, seed=2) * 4 - 2
x = zeros(5)
for q in 0..5 { x = x + b[q] }
y = x
