fn loss(w) = sum(w * w)
d = grad(loss)
