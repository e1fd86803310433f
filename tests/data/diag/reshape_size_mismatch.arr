x = reshape(arange(6), (4, -1))
