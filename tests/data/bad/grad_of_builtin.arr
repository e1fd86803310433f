d = grad(sin)(1.0)
