fn scale(x, k) = x * k
a = ones(3)
b = scale(a, ones(4))
