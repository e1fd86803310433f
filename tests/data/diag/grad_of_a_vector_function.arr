fn scale(w) = w * 2
d = grad(scale)([1.0, 2.0])
