# Weak scalars take the array's dtype; explicit casts and broadcasts appear in the graph.
x = f32(arange(3))
y = x * 0.5 + 1
m = reshape(arange(6), (2, 3))
z = m + x
s = mean(m, axis=1, keepdims=true)
t = m[:, ::-1]
