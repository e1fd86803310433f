x = reshape(arange(6), (2**40, 2**40))
