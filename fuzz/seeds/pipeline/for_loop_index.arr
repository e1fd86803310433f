b = rand(5, seed=2) * 4 - 2
x = zeros(5)
for q in 0..4 { x = x + q * b }
y = x
