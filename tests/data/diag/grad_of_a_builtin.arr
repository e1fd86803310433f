print(grad(sin)(1.0))
